package org.qforge.passes.quant.observer;

/**
 * Quantization parameters with float zero points, what PyTorch's {@code _calculate_qparams} returns
 * for {@code per_channel_affine_float_qparams} (embedding tables).
 *
 * @param scales float32 scales, one per channel
 * @param zeroPoints float32 zero points {@code -min / scale}
 */
public record FloatQParams(float[] scales, float[] zeroPoints) {
  public FloatQParams {
    if (scales.length != zeroPoints.length) {
      throw new IllegalArgumentException(scales.length + " scales but " + zeroPoints.length + " zero points");
    }
    scales = scales.clone();
    zeroPoints = zeroPoints.clone();
  }

  @Override
  public float[] scales() {
    return scales.clone();
  }

  @Override
  public float[] zeroPoints() {
    return zeroPoints.clone();
  }
}
