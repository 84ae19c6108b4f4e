package org.qforge.codegen.loop;

/** The primitive array types kernels read and write, with the scalar kind their elements load as. */
public enum ArrayKind {
  FLOAT("float[]", "[F", Kind.FLOAT),
  DOUBLE("double[]", "[D", Kind.DOUBLE),
  INT("int[]", "[I", Kind.INT),
  LONG("long[]", "[J", Kind.LONG),
  SHORT("short[]", "[S", Kind.INT),
  BYTE("byte[]", "[B", Kind.INT);

  private final String javaName;
  private final String descriptor;
  private final Kind element;

  ArrayKind(String javaName, String descriptor, Kind element) {
    this.javaName = javaName;
    this.descriptor = descriptor;
    this.element = element;
  }

  public String javaName() {
    return javaName;
  }

  /** The JVM type descriptor, e.g. {@code [F}. */
  public String descriptor() {
    return descriptor;
  }

  /** The kind an element loads as (bytes and shorts widen to int, as in Java). */
  public Kind element() {
    return element;
  }
}
