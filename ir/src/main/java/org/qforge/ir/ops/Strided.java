package org.qforge.ir.ops;

import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * Materializes strided views (what PyTorch's {@code permute}, {@code transpose}, {@code slice},
 * {@code select} and {@code expand} return) as new contiguous tensors, and copies contiguous
 * ranges between tensors.
 */
final class Strided {
  private Strided() {}

  /**
   * A contiguous tensor of {@code outType} whose element at multi-index {@code i} is the source
   * element at flat position {@code offset + sum(i[d] * strides[d])}.
   */
  static Tensor copy(Tensor src, TensorType outType, int offset, int[] strides) {
    int[] dims = outType.dims();
    int n = outType.numelInt();
    int[] index = new int[n];
    int[] counter = new int[dims.length];
    int pos = offset;
    for (int i = 0; i < n; i++) {
      index[i] = pos;
      // Advance the odometer over the output's multi-index, updating the source position.
      for (int d = dims.length - 1; d >= 0; d--) {
        counter[d]++;
        pos += strides[d];
        if (counter[d] < dims[d]) {
          break;
        }
        pos -= strides[d] * counter[d];
        counter[d] = 0;
      }
    }
    return gather(src, outType, index);
  }

  /** A tensor of {@code outType} (same dtype as {@code src}) with element {@code i} = {@code src[index[i]]}. */
  static Tensor gather(Tensor src, TensorType outType, int[] index) {
    Tensor out = Tensor.zeros(outType);
    int n = index.length;
    switch (src.dtype()) {
      case F32 -> {
        float[] s = src.floats();
        float[] o = out.floats();
        for (int i = 0; i < n; i++) {
          o[i] = s[index[i]];
        }
      }
      case F64 -> {
        double[] s = src.doubles();
        double[] o = out.doubles();
        for (int i = 0; i < n; i++) {
          o[i] = s[index[i]];
        }
      }
      case I32 -> {
        int[] s = src.ints();
        int[] o = out.ints();
        for (int i = 0; i < n; i++) {
          o[i] = s[index[i]];
        }
      }
      case I64 -> {
        long[] s = src.longs();
        long[] o = out.longs();
        for (int i = 0; i < n; i++) {
          o[i] = s[index[i]];
        }
      }
      case I8, U8, BOOL -> {
        byte[] s = src.bytes();
        byte[] o = out.bytes();
        for (int i = 0; i < n; i++) {
          o[i] = s[index[i]];
        }
      }
      case I16 -> {
        for (int i = 0; i < n; i++) {
          out.setLong(i, src.getLong(index[i]));
        }
      }
      case F16, BF16 -> {
        for (int i = 0; i < n; i++) {
          out.setDouble(i, src.getDouble(index[i]));
        }
      }
    }
    return out;
  }

  /** Copies {@code len} elements from {@code src[srcPos..]} to {@code dst[dstPos..]}; same dtype. */
  static void copyRange(Tensor src, int srcPos, Tensor dst, int dstPos, int len) {
    DType t = src.dtype();
    switch (t) {
      case F32 -> System.arraycopy(src.floats(), srcPos, dst.floats(), dstPos, len);
      case F64 -> System.arraycopy(src.doubles(), srcPos, dst.doubles(), dstPos, len);
      case I32 -> System.arraycopy(src.ints(), srcPos, dst.ints(), dstPos, len);
      case I64 -> System.arraycopy(src.longs(), srcPos, dst.longs(), dstPos, len);
      case I8, U8, BOOL -> System.arraycopy(src.bytes(), srcPos, dst.bytes(), dstPos, len);
      case I16 -> {
        for (int i = 0; i < len; i++) {
          dst.setLong(dstPos + i, src.getLong(srcPos + i));
        }
      }
      case F16, BF16 -> {
        for (int i = 0; i < len; i++) {
          dst.setDouble(dstPos + i, src.getDouble(srcPos + i));
        }
      }
    }
  }
}
