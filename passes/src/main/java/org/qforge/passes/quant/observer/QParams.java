package org.qforge.passes.quant.observer;

/**
 * Quantization parameters: one scale and zero point per tensor, or per channel.
 *
 * @param scales float32 scales
 * @param zeroPoints integer zero points (PyTorch returns int32 or int64; the values fit either)
 */
public record QParams(float[] scales, long[] zeroPoints) {
  public QParams {
    if (scales.length != zeroPoints.length) {
      throw new IllegalArgumentException(scales.length + " scales but " + zeroPoints.length + " zero points");
    }
    scales = scales.clone();
    zeroPoints = zeroPoints.clone();
  }

  /** Per-tensor parameters. */
  public static QParams of(float scale, long zeroPoint) {
    return new QParams(new float[] {scale}, new long[] {zeroPoint});
  }

  @Override
  public float[] scales() {
    return scales.clone();
  }

  @Override
  public long[] zeroPoints() {
    return zeroPoints.clone();
  }

  public float scale() {
    return scales[0];
  }

  public long zeroPoint() {
    return zeroPoints[0];
  }

  public int size() {
    return scales.length;
  }
}
