package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.List;

/** Dimension bookkeeping shared by the op families: wrapping negative dims, int-list params, strides. */
final class Dims {
  private Dims() {}

  /**
   * Maps a possibly negative dimension to {@code [0, rank)} as PyTorch's {@code maybe_wrap_dim}
   * does, where a 0-dim tensor accepts dims 0 and -1 as if it had rank 1.
   */
  static int wrap(String op, long dim, int rank) {
    int r = Math.max(rank, 1);
    checkArgument(dim >= -r && dim < r,
        "%s: dimension %s out of range (expected to be in range of [%s, %s])", op, dim, -r, r - 1);
    return (int) (dim < 0 ? dim + r : dim);
  }

  /**
   * An int-list parameter with one entry per spatial dim: a 1-element list is repeated (as PyTorch
   * expands {@code stride=[2]} for conv2d), an {@code n}-element list is taken as is.
   */
  static int[] perSpatialDim(String op, String param, int[] values, int n) {
    checkArgument(values.length == 1 || values.length == n,
        "%s: %s must have 1 or %s elements, got %s", op, param, n, Arrays.toString(values));
    if (values.length == n) {
      return values.clone();
    }
    int[] out = new int[n];
    Arrays.fill(out, values[0]);
    return out;
  }

  /** Row-major strides of a contiguous tensor with these dims. */
  static int[] strides(int[] dims) {
    int[] s = new int[dims.length];
    int acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  /** Product of {@code dims[from..to)}. */
  static int product(int[] dims, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) {
      p *= dims[i];
    }
    return p;
  }

  /** The dims as a boxed list, for {@link org.qforge.ir.TensorType}. */
  static List<Integer> list(int... dims) {
    return Arrays.stream(dims).boxed().toList();
  }
}
