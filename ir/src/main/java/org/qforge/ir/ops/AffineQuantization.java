package org.qforge.ir.ops;

import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * The element arithmetic of {@code quantized_decomposed}'s affine quantize and dequantize, step by
 * step as PyTorch's CPU kernels evaluate the Python decompositions, so that every rounding happens
 * in the same dtype:
 *
 * <pre>
 *   quantize:   q = clamp(rint(x * inv) + zero_point, quant_min, quant_max).to(dtype)
 *   dequantize: y = (q - zero_point) * scale
 * </pre>
 *
 * <p>Values are carried in doubles and rounded to float after each f32 operation ({@link #round}).
 * One IEEE operation on two floats done in double and rounded once to float gives exactly the float
 * result, so this reproduces f32 arithmetic while sharing one code path with f64.
 *
 * <p>Float to integer conversion of the clamped value is Java's {@code (long)} followed by wrapping
 * to the dtype's width. The clamped value is always an integer in {@code [quant_min, quant_max]}
 * except in two corner cases: NaN inputs give 0 (PyTorch's C cast is undefined there), and an i32
 * quant_max of 2^31-1 clamps to 2^31 in f32, which wraps to -2^31 (x86's result for PyTorch too).
 */
final class AffineQuantization {
  private AffineQuantization() {}

  /**
   * Which quantization parameters apply to flat element {@code i}: one set for the whole tensor, or
   * one per index along an axis of a row-major tensor.
   *
   * @param count the number of parameter sets (1 means all elements share set 0, which is also how
   *     a one-element scales tensor broadcasts over every channel)
   * @param inner the number of elements per step along the axis (product of the later dims)
   */
  record Channels(int count, int inner) {
    static final Channels PER_TENSOR = new Channels(1, 1);

    /** Parameters along {@code axis} of a tensor with {@code dims}, {@code count} of them (1 or dims[axis]). */
    static Channels along(int[] dims, int axis, int count) {
      return new Channels(count, Dims.product(dims, axis + 1, dims.length));
    }

    int of(int i) {
      return count == 1 ? 0 : (i / inner) % count;
    }
  }

  /**
   * {@code quantize_per_tensor}: {@code inv_scale = 1.0 / scale} is a Python float (double); the
   * f32 multiply converts it to float. The zero point and the clamp bounds are Python ints, which
   * the f32 add and clamp convert to float.
   */
  static Tensor quantizePerTensor(float[] x, double scale, long zeroPoint, long quantMin, long quantMax,
      TensorType out) {
    double inv = (float) (1.0 / scale);
    double zp = (float) zeroPoint;
    return quantize(x, out, Channels.PER_TENSOR, new double[] {inv}, true, new double[] {zp}, true, quantMin,
        quantMax);
  }

  /**
   * {@code quantize_per_channel}: {@code 1.0 / scales} is a tensor reciprocal in the scales' dtype
   * ({@code 1f / s} for f32 scales, unlike the per-tensor double reciprocal). The product
   * {@code x * inv} is f32 for f32 scales and f64 for f64 ones (the f32 input is promoted), and
   * {@code + zero_points} promotes again with the zero points' dtype (integer zero points keep it).
   */
  static Tensor quantizePerChannel(float[] x, TensorType out, int axis, Tensor scales, Tensor zeroPoints,
      long quantMin, long quantMax) {
    int n = scales.numel();
    DType productType = TypePromotion.promoteTypes(DType.F32, scales.dtype());
    DType sumType = TypePromotion.promoteTypes(productType, zeroPoints.dtype());
    double[] inv = new double[n];
    double[] zp = new double[n];
    for (int c = 0; c < n; c++) {
      inv[c] = productType == DType.F32 ? 1f / scales.floats()[c] : 1.0 / scales.getDouble(c);
      zp[c] = round(sumType, zeroPointValue(zeroPoints, c, sumType));
    }
    return quantize(x, out, Channels.along(out.dims(), axis, n), inv, productType == DType.F32, zp,
        sumType == DType.F32, quantMin, quantMax);
  }

  /** Zero point {@code c} converted to the (floating) dtype of the add, rounding once. */
  private static double zeroPointValue(Tensor zeroPoints, int c, DType addType) {
    if (zeroPoints.dtype().isFloatingPoint()) {
      return zeroPoints.getDouble(c);
    }
    long v = zeroPoints.getLong(c);
    return addType == DType.F32 ? (float) v : (double) v;
  }

  /**
   * The quantize loop. {@code inv} and {@code zp} hold values already in the dtype of their
   * operation; {@code productInF32} / {@code sumInF32} say whether {@code x * inv} and
   * {@code + zp} (and the clamp after it) are f32 or f64 operations.
   */
  private static Tensor quantize(float[] x, TensorType out, Channels channels, double[] inv, boolean productInF32,
      double[] zp, boolean sumInF32, long quantMin, long quantMax) {
    double lo = sumInF32 ? (float) quantMin : (double) quantMin;
    double hi = sumInF32 ? (float) quantMax : (double) quantMax;
    Tensor result = Tensor.zeros(out);
    for (int i = 0; i < x.length; i++) {
      int c = channels.of(i);
      double p = x[i] * inv[c];
      if (productInF32) {
        p = (float) p;
      }
      double t = Math.rint(p) + zp[c]; // rint of a float-valued double is the f32 round-half-to-even
      if (sumInF32) {
        t = (float) t;
      }
      // Math.max/min propagate NaN, as PyTorch's clamp does.
      t = Math.min(Math.max(t, lo), hi);
      result.setLong(i, (long) t);
    }
    return result;
  }

  /**
   * {@code dequantize_per_tensor}: {@code (input.to(out_dtype) - zero_point) * scale}, where the
   * Python int zero point and Python float scale are converted to the computation type (float for
   * f32, f16 and bf16 outputs, whose results are rounded back to half after each operation).
   */
  static Tensor dequantizePerTensor(Tensor q, double scale, long zeroPoint, DType outDtype) {
    Tensor result = Tensor.zeros(q.type().withDType(outDtype));
    int n = q.numel();
    if (outDtype == DType.F32) {
      float fs = (float) scale;
      float fz = (float) zeroPoint;
      float[] o = result.floats();
      for (int i = 0; i < n; i++) {
        o[i] = ((float) q.getLong(i) - fz) * fs;
      }
    } else if (outDtype == DType.F64) {
      double dz = zeroPoint;
      double[] o = result.doubles();
      for (int i = 0; i < n; i++) {
        o[i] = ((double) q.getLong(i) - dz) * scale;
      }
    } else {
      // f16 / bf16: PyTorch computes each op in float (opmath) and stores the half result.
      float fs = (float) scale;
      float fz = (float) zeroPoint;
      for (int i = 0; i < n; i++) {
        double v = round(outDtype, (float) q.getLong(i));
        v = round(outDtype, v - fz);
        result.setDouble(i, (float) (v * fs));
      }
    }
    return result;
  }

  /**
   * {@code dequantize_per_channel}: {@code ((input - zero_points) * scales).to(out_dtype)} with
   * PyTorch's promotion at each step. The input is not converted to float first: with integer zero
   * points the subtraction is integer arithmetic in the promoted integer type (wrapping like it), then
   * the product takes the scales' dtype (f32 or f64), then the result is converted to out_dtype.
   * Without zero points it is {@code input * scales}.
   */
  static Tensor dequantizePerChannel(Tensor q, int axis, Tensor scales, Tensor zeroPoints, DType outDtype) {
    DType diffType = zeroPoints == null ? q.dtype() : TypePromotion.promoteTypes(q.dtype(), zeroPoints.dtype());
    DType productType = TypePromotion.promoteTypes(diffType, scales.dtype());
    Channels channels = Channels.along(q.dims(), axis, scales.numel());
    Tensor result = Tensor.zeros(q.type().withDType(outDtype));
    int n = q.numel();
    for (int i = 0; i < n; i++) {
      int c = channels.of(i);
      double diff;
      if (diffType.isFloatingPoint()) {
        diff = round(diffType, round(diffType, q.getLong(i)) - round(diffType, zeroPoints.getDouble(c)));
      } else {
        long d = zeroPoints == null ? q.getLong(i) : wrap(diffType, q.getLong(i) - zeroPoints.getLong(c));
        diff = productType == DType.F32 ? (float) d : (double) d;
      }
      double product = round(productType, round(productType, diff) * round(productType, scales.getDouble(c)));
      result.setDouble(i, product);
    }
    return result;
  }

  /**
   * {@code v} rounded to the floating dtype {@code t}: unchanged for f64, to float for f32, and to
   * float then to half for f16 and bf16 (PyTorch's float opmath followed by the store).
   */
  static double round(DType t, double v) {
    return switch (t) {
      case F64 -> v;
      case F32 -> (float) v;
      case F16, BF16 -> Tensor.scalar(t, v).getDouble(0);
      default -> throw new IllegalStateException(t + " is not a floating-point type");
    };
  }

  /** {@code v} wrapped to the width of the integer dtype {@code t}, as integer tensor arithmetic does. */
  static long wrap(DType t, long v) {
    return switch (t) {
      case I8 -> (byte) v;
      case U8 -> v & 0xff;
      case I16 -> (short) v;
      case I32 -> (int) v;
      case I64 -> v;
      case BOOL -> v != 0 ? 1 : 0;
      default -> throw new IllegalStateException(t + " is not an integer type");
    };
  }
}
