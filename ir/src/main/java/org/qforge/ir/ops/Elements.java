package org.qforge.ir.ops;

import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * Element conversions: whole tensors to and from {@code double[]} working arrays, and dtype casts.
 *
 * <p>The heavy kernels (convolution, matmul, pooling, normalization) compute on {@code double[]}
 * for every dtype. Widening f32, f16, bf16 and the integer types up to i32 to double is exact, and
 * one IEEE operation (+, -, *, /, sqrt) on two floats done in double and rounded once to float
 * gives exactly the float result, so a kernel can reproduce float arithmetic by rounding each
 * intermediate with {@link #fl}.
 */
final class Elements {
  private Elements() {}

  /** The elements of {@code t} widened to double. */
  static double[] toDoubles(Tensor t) {
    int n = t.numel();
    double[] out = new double[n];
    if (t.dtype() == DType.F32) {
      float[] f = t.floats();
      for (int i = 0; i < n; i++) {
        out[i] = f[i];
      }
    } else if (t.dtype() == DType.F64) {
      System.arraycopy(t.doubles(), 0, out, 0, n);
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = t.getDouble(i);
      }
    }
    return out;
  }

  /**
   * A tensor of {@code type} holding {@code values}: rounded to nearest for float types, truncated
   * toward zero (and wrapped) for integer types, {@code v != 0} for bool.
   */
  static Tensor fromDoubles(double[] values, TensorType type) {
    Tensor out = Tensor.zeros(type);
    if (type.dtype() == DType.F32) {
      float[] f = out.floats();
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
    } else if (type.dtype() == DType.F64) {
      System.arraycopy(values, 0, out.doubles(), 0, values.length);
    } else {
      for (int i = 0; i < values.length; i++) {
        out.setDouble(i, values[i]);
      }
    }
    return out;
  }

  /** Rounds a double to the nearest float (kept as a double): the rounding step of f32 arithmetic. */
  static double fl(double v) {
    return (float) v;
  }

  /**
   * {@code t} converted to {@code dtype} as {@code Tensor.to(dtype)} does (floats to integers
   * truncate toward zero); {@code t} itself when it already has that dtype.
   */
  static Tensor cast(Tensor t, DType dtype) {
    return t.dtype() == dtype ? t : castCopy(t, dtype);
  }

  /** A new tensor holding {@code t} converted to {@code dtype}, even if the dtype is the same. */
  static Tensor castCopy(Tensor t, DType dtype) {
    if (t.dtype() == dtype) {
      return t.copy();
    }
    Tensor out = Tensor.zeros(t.type().withDType(dtype));
    int n = t.numel();
    DType from = t.dtype();
    if (from == DType.F32 && dtype == DType.F64) {
      float[] s = t.floats();
      double[] d = out.doubles();
      for (int i = 0; i < n; i++) {
        d[i] = s[i];
      }
    } else if (from.isFloatingPoint() || dtype.isFloatingPoint()) {
      for (int i = 0; i < n; i++) {
        out.setDouble(i, t.getDouble(i));
      }
    } else {
      for (int i = 0; i < n; i++) {
        out.setLong(i, t.getLong(i));
      }
    }
    return out;
  }
}
