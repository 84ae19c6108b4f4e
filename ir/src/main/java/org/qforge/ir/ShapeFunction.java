package org.qforge.ir;

import java.util.List;

/**
 * Computes an op's result types from its argument types and literals. Throws
 * {@link IllegalArgumentException} with a message saying what was expected when the arguments do
 * not fit the op (wrong rank, mismatched channels, ...).
 */
@FunctionalInterface
public interface ShapeFunction {
  List<TensorType> infer(OpArgs args);

  /** A shape function with one result. */
  static ShapeFunction single(java.util.function.Function<OpArgs, TensorType> f) {
    return args -> List.of(f.apply(args));
  }
}
