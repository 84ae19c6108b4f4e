package org.qforge.ir;

import java.util.List;

/**
 * Read access to a call's arguments by schema position: tensor types, and literals decoded to Java
 * values. Shape functions see only types; kernels see the tensors too ({@link KernelContext}).
 * Accessors fail with {@link IllegalArgumentException} if the argument is not of the asked kind.
 */
public interface OpArgs {

  /** The op being called. */
  OpDef op();

  /** The raw argument at schema position {@code i}. */
  Argument arg(int i);

  /** Type of the tensor argument {@code i}. */
  TensorType type(int i);

  /** Types of the tensor-list argument {@code i}. */
  List<TensorType> types(int i);

  default boolean isNone(int i) {
    return arg(i) instanceof Literal.None;
  }

  default long intArg(int i) {
    return literal(i, Literal.Int.class).value();
  }

  default int[] ints(int i) {
    return literal(i, Literal.IntList.class).toIntArray();
  }

  default double floatArg(int i) {
    return literal(i, Literal.Float.class).value();
  }

  /** An int or float literal ({@code Scalar}) as a double. */
  default double scalarArg(int i) {
    Argument a = arg(i);
    if (a instanceof Literal.Int n) {
      return n.value();
    }
    return literal(i, Literal.Float.class).value();
  }

  default boolean boolArg(int i) {
    return literal(i, Literal.Bool.class).value();
  }

  default DType dtypeArg(int i) {
    return literal(i, Literal.DTypeLit.class).value();
  }

  default String stringArg(int i) {
    return literal(i, Literal.Str.class).value();
  }

  private <T extends Literal> T literal(int i, Class<T> kind) {
    Argument a = arg(i);
    if (!kind.isInstance(a)) {
      throw new IllegalArgumentException(op().name() + " argument '" + op().params().get(i).name()
          + "' should be " + kind.getSimpleName() + ", got " + a);
    }
    return kind.cast(a);
  }
}
