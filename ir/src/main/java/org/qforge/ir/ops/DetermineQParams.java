package org.qforge.ir.ops;

import java.util.List;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code determine_qparams} (per_tensor_affine and per_tensor_symmetric) applied to the
 * {@code aminmax} of a tensor, as {@code quantized_decomposed.choose_qparams.tensor} and
 * {@code choose_qparams_symmetric.tensor} call it, with {@code has_customized_qrange=False} and
 * {@code eps = torch.Tensor([eps])} (float32).
 *
 * <pre>
 *   min_neg = min(min, 0), max_pos = max(max, 0)                      in the input dtype
 *   affine:    scale = (max_pos - min_neg) / float(qmax - qmin)        in the input dtype
 *              scale = max(scale, eps)                                 f32 (eps is f32[1])
 *              zp = clamp(qmin - int32(rint(min_neg / scale)), qmin, qmax)   f32 division, int32 arithmetic
 *   symmetric: scale = max(-min_neg, max_pos) / (float(qmax - qmin) / 2)   in the input dtype
 *              scale = max(scale, eps); zp = 128 for u8, else 0
 * </pre>
 *
 * The results are {@code f64[1]} (the f32 scale widened) and {@code i64[1]}. For f16 and bf16 inputs
 * the first two operations round to the half type (computed in float), and everything after the
 * {@code max} with the f32 eps is f32. Binary min and max follow PyTorch's scalar kernels,
 * {@code std::min(a, b)} and {@code std::max(a, b)}.
 */
final class DetermineQParams {
  private DetermineQParams() {}

  /**
   * The scale and zero point of {@code input}.
   *
   * @throws IllegalArgumentException if the input holds a NaN (PyTorch's {@code check_min_max_valid}
   *     asserts {@code min <= max}, which NaN fails)
   */
  static List<Tensor> choose(String op, Tensor input, long quantMin, long quantMax, double eps, DType dtype,
      boolean symmetric) {
    DType in = input.dtype();
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < input.numel(); i++) {
      float v = (float) input.getDouble(i);
      if (Float.isNaN(v)) {
        throw new IllegalArgumentException(op + ": the input contains NaN, so min <= max fails "
            + "(PyTorch's check_min_max_valid asserts it)");
      }
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    float minNeg = 0f < min ? 0f : min; // std::min(min, 0)
    float maxPos = max < 0f ? 0f : max; // std::max(max, 0)
    float epsF = (float) eps;
    float scale;
    long zeroPoint;
    if (symmetric) {
      float m = -minNeg < maxPos ? maxPos : -minNeg;
      float half = (float) ((double) (quantMax - quantMin) / 2);
      scale = maxWithEps((float) AffineQuantization.round(in, m / half), epsF);
      zeroPoint = dtype == DType.U8 ? 128 : 0;
    } else {
      float range = (float) (double) (quantMax - quantMin);
      float width = (float) AffineQuantization.round(in, (double) maxPos - minNeg);
      scale = maxWithEps((float) AffineQuantization.round(in, width / range), epsF);
      int rounded = toInt32(Math.rint(minNeg / scale)); // f32 division, round half to even, .to(torch.int)
      int zp = (int) quantMin - rounded; // int32 arithmetic, wrapping
      zeroPoint = Math.min(Math.max(zp, (int) quantMin), (int) quantMax);
    }
    return List.of(Tensor.scalar(DType.F64, scale).reshape(1), Tensor.scalar(DType.I64, zeroPoint).reshape(1));
  }

  /** {@code torch.max(scale, eps)}: NaN propagates, otherwise {@code std::max(scale, eps)}. */
  private static float maxWithEps(float scale, float eps) {
    if (Float.isNaN(scale) || Float.isNaN(eps)) {
      return Float.NaN;
    }
    return scale < eps ? eps : scale;
  }

  /**
   * A float to int32 conversion as PyTorch's CPU cast compiles on x86 ({@code cvttss2si}): truncation,
   * with NaN and out-of-range values giving {@code INT_MIN}. (Only {@code min = -inf} reaches NaN here.)
   */
  private static int toInt32(double v) {
    if (Double.isNaN(v) || v >= 0x1p31 || v < -0x1p31) {
      return Integer.MIN_VALUE;
    }
    return (int) v;
  }
}
