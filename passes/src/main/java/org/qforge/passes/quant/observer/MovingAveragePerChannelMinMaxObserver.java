package org.qforge.passes.quant.observer;

import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code MovingAveragePerChannelMinMaxObserver}: the per-channel layout of
 * {@link PerChannelMinMaxObserver} with the moving-average update of
 * {@link MovingAverageMinMaxObserver} ({@code min += c * (cur - min)} per channel, float32). The QAT
 * per-channel weight observer.
 */
public final class MovingAveragePerChannelMinMaxObserver extends UniformQuantizationObserverBase {
  private final double averagingConstant;
  private final int chAxis;
  private float[] minVal = new float[0];
  private float[] maxVal = new float[0];

  /**
   * @param averagingConstant PyTorch's {@code averaging_constant} (default 0.01)
   * @throws IllegalArgumentException for a per-tensor scheme or a dynamic spec
   */
  public MovingAveragePerChannelMinMaxObserver(ObserverSettings settings, float eps, double averagingConstant) {
    super("MovingAveragePerChannelMinMaxObserver", settings, eps);
    chAxis = PerChannelMinMaxObserver.checkPerChannel("MovingAveragePerChannelMinMaxObserver", settings);
    this.averagingConstant = averagingConstant;
  }

  @Override
  public void observe(Tensor x) {
    if (x.numel() == 0) {
      return;
    }
    float[][] cur = PerChannelMinMaxObserver.channelMinMax(x, chAxis);
    if (minVal.length == 0) {
      minVal = cur[0];
      maxVal = cur[1];
      return;
    }
    PerChannelMinMaxObserver.checkChannels(minVal, cur[0]);
    float c = (float) averagingConstant;
    for (int i = 0; i < minVal.length; i++) {
      minVal[i] = minVal[i] + c * (cur[0][i] - minVal[i]);
      maxVal[i] = maxVal[i] + c * (cur[1][i] - maxVal[i]);
    }
  }

  @Override
  public QParams calculateQParams() {
    return computeQParams(minVal, maxVal, false);
  }

  /** {@code calculate_qparams} for {@code per_channel_affine_float_qparams} (float zero points). */
  public FloatQParams calculateFloatQParams() {
    return computeFloatQParams(minVal, maxVal, false);
  }

  public double averagingConstant() {
    return averagingConstant;
  }

  public int chAxis() {
    return chAxis;
  }

  /** The per-channel running {@code min_val} (empty before anything was observed). */
  public float[] minVal() {
    return minVal.clone();
  }

  /** The per-channel running {@code max_val} (empty before anything was observed). */
  public float[] maxVal() {
    return maxVal.clone();
  }
}
