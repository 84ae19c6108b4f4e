package org.qforge.passes.quant.observer;

/**
 * PyTorch's CPU fake-quantization kernels ({@code fake_quantize_per_tensor_affine_cachemask} and
 * {@code fake_quantize_per_channel_affine_cachemask}), float32 in and out:
 *
 * <pre>
 *   inv = 1.0f / scale                                    // float
 *   qf  = zero_point + nearbyint(x * inv)                 // float product, float sum
 *   q   = (int64) fmin(fmax(qf, quant_min), quant_max)    // fmax/fmin in double: NaN gives the bound
 *   out = (float) (q - zero_point) * scale                // float
 * </pre>
 */
public final class FakeQuantize {
  private FakeQuantize() {}

  /** One element. */
  public static float element(float x, float scale, long zeroPoint, long quantMin, long quantMax) {
    float inv = 1.0f / scale;
    float qf = zeroPoint + (float) Math.rint(x * inv);
    long q = (long) fmin(fmax(qf, quantMin), quantMax);
    return (float) (q - zeroPoint) * scale;
  }

  /** Per tensor: every element with one scale and zero point. */
  public static float[] perTensor(float[] x, float scale, long zeroPoint, long quantMin, long quantMax) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = element(x[i], scale, zeroPoint, quantMin, quantMax);
    }
    return out;
  }

  /**
   * Per channel along axis 0 (the only axis the fused QAT op supports): row {@code c} of
   * {@code x.length / scales.length} elements with {@code scales[c]} and {@code zeroPoints[c]}.
   */
  public static float[] perChannel(float[] x, float[] scales, long[] zeroPoints, long quantMin, long quantMax) {
    if (scales.length == 0 || x.length % scales.length != 0 || zeroPoints.length != scales.length) {
      throw new IllegalArgumentException(x.length + " elements do not split into " + scales.length + " channels");
    }
    int per = x.length / scales.length;
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      int c = i / per;
      out[i] = element(x[i], scales[c], zeroPoints[c], quantMin, quantMax);
    }
    return out;
  }

  /** C's {@code fmax}: the other argument when one is NaN. */
  private static double fmax(double a, double b) {
    return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
  }

  /** C's {@code fmin}. */
  private static double fmin(double a, double b) {
    return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
  }
}
