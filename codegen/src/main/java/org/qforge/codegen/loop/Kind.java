package org.qforge.codegen.loop;

/** The scalar types of kernel code, as the JVM computes with them. */
public enum Kind {
  INT("int"),
  LONG("long"),
  FLOAT("float"),
  DOUBLE("double");

  private final String javaName;

  Kind(String javaName) {
    this.javaName = javaName;
  }

  /** The Java keyword. */
  public String javaName() {
    return javaName;
  }
}
