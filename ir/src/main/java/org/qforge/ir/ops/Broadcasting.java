package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;

/** NumPy-style broadcasting: aligning shapes from the right, where a size-1 dimension stretches. */
final class Broadcasting {
  private Broadcasting() {}

  /** The broadcast shape of {@code a} and {@code b}, or an error naming {@code op}. */
  static List<Integer> shape(String op, List<Integer> a, List<Integer> b) {
    int rank = Math.max(a.size(), b.size());
    List<Integer> out = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.size() ? 1 : a.get(i - (rank - a.size()));
      int db = i < rank - b.size() ? 1 : b.get(i - (rank - b.size()));
      checkArgument(da == db || da == 1 || db == 1,
          "%s: shapes %s and %s are not broadcastable (size %s vs %s at dimension %s)", op, a, b, da, db, i);
      out.add(da == 1 ? db : da);
    }
    return out;
  }

  /**
   * For each flat index of a tensor of shape {@code out}, the flat index of the element of a tensor
   * of shape {@code src} that broadcasts to it; null when the shapes are equal (identity).
   */
  static int[] sourceIndex(int[] src, int[] out) {
    if (java.util.Arrays.equals(src, out)) {
      return null;
    }
    int rank = out.length;
    int[] srcStrides = Dims.strides(src);
    int[] strides = new int[rank];
    for (int i = 0; i < src.length; i++) {
      int d = rank - src.length + i;
      strides[d] = src[i] == 1 ? 0 : srcStrides[i];
    }
    int n = Dims.product(out, 0, rank);
    int[] index = new int[n];
    int[] counter = new int[rank];
    int pos = 0;
    for (int i = 0; i < n; i++) {
      index[i] = pos;
      for (int d = rank - 1; d >= 0; d--) {
        counter[d]++;
        pos += strides[d];
        if (counter[d] < out[d]) {
          break;
        }
        pos -= strides[d] * counter[d];
        counter[d] = 0;
      }
    }
    return index;
  }
}
