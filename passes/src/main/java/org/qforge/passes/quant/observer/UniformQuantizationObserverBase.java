package org.qforge.passes.quant.observer;

import java.util.Objects;
import org.qforge.ir.DType;
import org.qforge.passes.quant.Qscheme;

/**
 * PyTorch's {@code UniformQuantizationObserverBase} ({@code torchao/quantization/pt2e/observer.py}):
 * the quantization range, the float32 {@code eps} buffer and {@code _calculate_qparams}, shared by the
 * min/max, moving-average, per-channel and histogram observers.
 *
 * <p>Every step of {@link #computeQParams} is a float32 tensor operation in PyTorch, so it is done in
 * float here, operation by operation; Python floats that meet a float32 tensor are rounded to float
 * first, as PyTorch's type promotion does. {@code reduce_range} is not supported (it is deprecated and
 * no PT2E quantizer used here sets it).
 */
public abstract class UniformQuantizationObserverBase implements Observer {
  private final String kind;
  private final ObserverSettings settings;
  private final float eps;
  private final int quantMin;
  private final int quantMax;
  private final boolean hasCustomizedQRange;

  /**
   * @param kind the PyTorch class name, for {@link #kind()} and messages
   * @param settings the spec's dtype, range, qscheme, ... (validated as PyTorch's constructor does)
   * @param eps the {@code eps} argument, kept as PyTorch keeps it: a float32 {@code tensor([eps])}
   */
  protected UniformQuantizationObserverBase(String kind, ObserverSettings settings, float eps) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.settings = Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(settings.qscheme(), "qscheme");
    DType dtype = Objects.requireNonNull(settings.dtype(), "dtype");
    if (dtype != DType.I8 && dtype != DType.U8 && dtype != DType.I16 && dtype != DType.I32) {
      throw new IllegalArgumentException(
          kind + " only works for the int8, uint8, int16 and int32 data types, not " + dtype);
    }
    this.eps = eps;
    this.hasCustomizedQRange = settings.quantMin() != null && settings.quantMax() != null;
    if (hasCustomizedQRange) {
      validateQminQmax(settings.quantMin(), settings.quantMax());
    }
    int[] range = calculateQminQmax(settings.quantMin(), settings.quantMax(), dtype);
    this.quantMin = range[0];
    this.quantMax = range[1];
  }

  /**
   * PyTorch's {@code validate_qmin_qmax}: a customized range must contain 0 and not be empty.
   *
   * @throws IllegalArgumentException otherwise
   */
  static void validateQminQmax(int quantMin, int quantMax) {
    if (!(quantMin <= 0 && 0 <= quantMax)) {
      throw new IllegalArgumentException("Used-specified quantization range must include 0.");
    }
    if (!(quantMin < quantMax)) {
      throw new IllegalArgumentException(
          "qmin must be strictly less than qmax for user-specified quantization range.");
    }
  }

  /**
   * PyTorch's {@code calculate_qmin_qmax} without {@code reduce_range}: a customized range (both bounds
   * given) is kept after checking that it fits the dtype (at most 256 values for int8, 2^32 for int32,
   * as PyTorch checks); otherwise the dtype's full range.
   *
   * @return {qmin, qmax}
   */
  public static int[] calculateQminQmax(Integer quantMin, Integer quantMax, DType dtype) {
    if (quantMin != null && quantMax != null) {
      long len = (long) quantMax - quantMin + 1;
      if (dtype == DType.I8 && !(0 < len && len <= 256)) {
        throw new IllegalArgumentException(
            "quantization range should be positive and not exceed the maximum bit range (=256).");
      }
      if (dtype == DType.I32 && !(0 < len && len <= (1L << 32))) {
        throw new IllegalArgumentException(
            "quantization range should be positive and not exceed the maximum bit range (=4294967296).");
      }
      return new int[] {quantMin, quantMax};
    }
    return switch (dtype) {
      case I8 -> new int[] {-128, 127};
      case U8 -> new int[] {0, 255};
      case I32 -> new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
      case I16 -> new int[] {-32768, 32767};
      default -> new int[] {0, 15}; // PyTorch's fallback (quint4x2); unreachable after validation
    };
  }

  /**
   * PyTorch's {@code check_min_max_valid}: false when nothing was observed (no channels, or a
   * per-tensor min/max still at +inf/-inf); otherwise asserts min &lt;= max everywhere.
   *
   * @param perTensor whether the buffers are PyTorch 0-dim tensors (only they can be "uninitialized")
   * @throws IllegalStateException where PyTorch's assertion fails (min &gt; max, or NaN)
   */
  public static boolean checkMinMaxValid(float[] minVal, float[] maxVal, boolean perTensor) {
    if (minVal.length == 0 || maxVal.length == 0) {
      return false;
    }
    if (perTensor) {
      if (minVal[0] == Float.POSITIVE_INFINITY && maxVal[0] == Float.NEGATIVE_INFINITY) {
        return false;
      }
      if (!(minVal[0] <= maxVal[0])) {
        throw new IllegalStateException(
            "min " + minVal[0] + " should be less than max " + maxVal[0]);
      }
      return true;
    }
    for (int i = 0; i < minVal.length; i++) {
      if (!(minVal[i] <= maxVal[i])) {
        throw new IllegalStateException(
            "min " + minVal[i] + " should be less than max " + maxVal[i] + " (channel " + i + ")");
      }
    }
    return true;
  }

  /**
   * PyTorch's {@code _calculate_qparams(min_val, max_val)} for integer zero points:
   *
   * <pre>
   * min_neg = min(min, 0); max_pos = max(max, 0)
   * symmetric: scale = max(-min_neg, max_pos) / (float) ((qmax - qmin) / 2.0); scale = max(scale, eps)
   *            zp = 0 (uint8: 128, or (qmin + qmax) // 2 for a customized range)
   * affine:    scale = (max_pos - min_neg) / (float) (qmax - qmin); scale = max(scale, eps)
   *            zp = clamp(qmin - (int32) rint(min_neg / scale), qmin, qmax)
   * </pre>
   *
   * each step in float32 (round half to even in {@code rint}, as {@code torch.round}).
   * {@code (1.0, 0)} when {@link #checkMinMaxValid} says nothing was observed.
   *
   * @param perTensor whether min/max are PyTorch 0-dim tensors (per-tensor observers)
   * @throws IllegalStateException for per_channel_affine_float_qparams, whose zero points are floats:
   *     use {@link #computeFloatQParams}
   */
  public final QParams computeQParams(float[] minVal, float[] maxVal, boolean perTensor) {
    if (!checkMinMaxValid(minVal, maxVal, perTensor)) {
      return QParams.of(1.0f, 0);
    }
    Qscheme qscheme = settings.qscheme();
    if (qscheme == Qscheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
      throw new IllegalStateException(
          "per_channel_affine_float_qparams has float zero points; use computeFloatQParams");
    }
    int n = minVal.length;
    float[] scales = new float[n];
    long[] zeroPoints = new long[n];
    // Python: float(quant_max - quant_min) [/ 2], converted to float32 when it meets the tensor.
    long span = (long) quantMax - quantMin;
    for (int i = 0; i < n; i++) {
      float minNeg = AtenCpu.minimum(minVal[i], 0f);
      float maxPos = AtenCpu.maximum(maxVal[i], 0f);
      if (qscheme.isSymmetric()) {
        float absMax = AtenCpu.maximum(-minNeg, maxPos);
        float scale = absMax / (float) (span / 2.0);
        scales[i] = AtenCpu.maximum(scale, eps);
        zeroPoints[i] = symmetricZeroPoint();
      } else {
        float scale = (maxPos - minNeg) / (float) span;
        scale = AtenCpu.maximum(scale, eps);
        scales[i] = scale;
        // torch.round (half to even) then .to(torch.int); quant_min - int32 is int32 arithmetic.
        int rounded = AtenCpu.truncToInt32((float) Math.rint(minNeg / scale));
        int zp = quantMin - rounded;
        zeroPoints[i] = Math.min(Math.max(zp, quantMin), quantMax);
      }
    }
    return new QParams(scales, zeroPoints);
  }

  private long symmetricZeroPoint() {
    if (settings.dtype() == DType.U8) {
      // The down-rounded midpoint of a customized range, else 128.
      return hasCustomizedQRange ? Math.floorDiv((long) quantMin + quantMax, 2) : 128;
    }
    return 0;
  }

  /**
   * {@code _calculate_qparams} for {@code per_channel_affine_float_qparams}:
   * {@code scale = (max - min) / (float) (qmax - qmin)}, replaced by 1.0 where it is not above eps,
   * and the float zero point {@code -1 * min / scale}, all in float32.
   */
  public final FloatQParams computeFloatQParams(float[] minVal, float[] maxVal, boolean perTensor) {
    if (settings.qscheme() != Qscheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
      throw new IllegalStateException(settings.qscheme().torchName() + " has integer zero points");
    }
    if (!checkMinMaxValid(minVal, maxVal, perTensor)) {
      return new FloatQParams(new float[] {1.0f}, new float[] {0f});
    }
    int n = minVal.length;
    float[] scales = new float[n];
    float[] zeroPoints = new float[n];
    float span = (float) ((long) quantMax - quantMin);
    for (int i = 0; i < n; i++) {
      float scale = (maxVal[i] - minVal[i]) / span;
      scale = scale > eps ? scale : 1.0f;
      scales[i] = scale;
      zeroPoints[i] = (-1f * minVal[i]) / scale;
    }
    return new FloatQParams(scales, zeroPoints);
  }

  @Override
  public final String kind() {
    return kind;
  }

  @Override
  public final ObserverSettings settings() {
    return settings;
  }

  /** The quantized dtype. */
  public final DType dtype() {
    return settings.dtype();
  }

  public final Qscheme qscheme() {
    return settings.qscheme();
  }

  /** {@code quant_min} after {@code calculate_qmin_qmax}. */
  public final int quantMin() {
    return quantMin;
  }

  /** {@code quant_max} after {@code calculate_qmin_qmax}. */
  public final int quantMax() {
    return quantMax;
  }

  /** True when the spec gave both quant_min and quant_max. */
  public final boolean hasCustomizedQRange() {
    return hasCustomizedQRange;
  }

  /** The float32 {@code eps} buffer. */
  public final float eps() {
    return eps;
  }

  public final boolean isDynamic() {
    return settings.isDynamic();
  }
}
