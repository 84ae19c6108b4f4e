package org.qforge.codegen.loop;

import java.util.List;

/**
 * A generated kernel: a {@code static void} method over array parameters, its body in the loop
 * language. Both backends turn the same kernel into the same JVM operations.
 *
 * @param name the method name
 * @param params the array parameters, in order
 * @param body the statements
 */
public record KernelFunction(String name, List<ArrayParam> params, Stmt body) {
  public KernelFunction {
    params = List.copyOf(params);
  }

  /** The JVM method descriptor, e.g. {@code ([F[B)V}. */
  public String descriptor() {
    StringBuilder sb = new StringBuilder("(");
    params.forEach(p -> sb.append(p.kind().descriptor()));
    return sb.append(")V").toString();
  }
}
