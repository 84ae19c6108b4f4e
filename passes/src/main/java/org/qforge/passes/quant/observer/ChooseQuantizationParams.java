package org.qforge.passes.quant.observer;

/**
 * FBGEMM's {@code ChooseQuantizationParams(min, max, qmin, qmax, preserve_sparsity, false)}, which
 * {@code torch.fused_moving_avg_obs_fake_quant} calls on x86 builds (USE_FBGEMM) to pick the scale and
 * zero point a QAT fake quantizer uses while training. It is not the Python observers'
 * {@code _calculate_qparams} (convert uses that one, on the same running min and max), so the two can
 * differ: the float scale here is the double quotient rounded once, a symmetric range is widened to
 * {@code [-(qmax-qmin)/2 - 1, (qmax-qmin)/2]} steps, scales below 6.1e-5 are raised to it, and the zero
 * point comes from whichever end adds the smaller terms.
 *
 * <p>Each step below is the C++ operation on the same types (float, double, C int division); C++'s
 * {@code std::min/max} return their first argument on ties, which only matters for the sign of a
 * zero and is kept. NaN ranges are not handled (PyTorch's result would be unspecified too).
 */
public final class ChooseQuantizationParams {
  /** FBGEMM's {@code SMALL_SCALE_THRESHOLD} (fp16's smallest normal, rounded). */
  static final float SMALL_SCALE_THRESHOLD = 6.1e-5f;

  /**
   * A training-time scale and zero point.
   *
   * @param scale the float32 scale
   * @param zeroPoint the zero point, within [qmin, qmax]
   */
  public record Result(float scale, int zeroPoint) {}

  private ChooseQuantizationParams() {}

  /**
   * @param preserveSparsity true for symmetric qschemes (the fused op's {@code symmetric_quant})
   * @throws IllegalArgumentException unless {@code qmin < qmax}
   */
  public static Result choose(float min, float max, int qmin, int qmax, boolean preserveSparsity) {
    if (!(qmin < qmax)) {
      throw new IllegalArgumentException("ChooseQuantizationParams needs qmin < qmax, got " + qmin + ", " + qmax);
    }
    if (min < 0 && max > 0 && preserveSparsity) {
      int symmetricQmin = -((qmax - qmin) / 2 + 1);
      int symmetricQmax = (qmax - qmin) / 2;
      // fabs and std::max on floats, widened to double, then float = double * int.
      double maxScale = Math.max(Math.abs(min / symmetricQmin), Math.abs(max / symmetricQmax));
      min = (float) (maxScale * symmetricQmin);
      max = (float) (maxScale * symmetricQmax);
    }
    min = 0f < min ? 0f : min; // std::min(min, 0.f)
    max = max < 0f ? 0f : max; // std::max(max, 0.f)
    float scale = (float) (((double) max - min) / (qmax - qmin));
    if (scale == 0f || Float.isInfinite(1.0f / scale)) {
      scale = 0.1f;
    }
    if (scale < SMALL_SCALE_THRESHOLD) {
      float original = scale;
      scale = SMALL_SCALE_THRESHOLD;
      if (min == 0f) {
        max = SMALL_SCALE_THRESHOLD * (qmax - qmin);
      } else if (max == 0f) {
        min = -SMALL_SCALE_THRESHOLD * (qmax - qmin);
      } else {
        float amplifier = SMALL_SCALE_THRESHOLD / original;
        min *= amplifier;
        max *= amplifier;
      }
    }
    double fromMin = qmin - min / (double) scale;
    double fromMax = qmax - max / (double) scale;
    double fromMinError = Math.abs(qmin) + Math.abs(min / (double) scale);
    double fromMaxError = Math.abs(qmax) + Math.abs(max / (double) scale);
    double initial = fromMinError < fromMaxError ? fromMin : fromMax;
    if (min < 0 && max > 0 && preserveSparsity) {
      initial = (double) (qmin + qmax) / 2;
    }
    int zeroPoint;
    if (initial < qmin) {
      zeroPoint = qmin;
    } else if (initial > qmax) {
      zeroPoint = qmax;
    } else {
      zeroPoint = (int) Math.rint(initial); // nearbyint: half to even
    }
    return new Result(scale, zeroPoint);
  }
}
