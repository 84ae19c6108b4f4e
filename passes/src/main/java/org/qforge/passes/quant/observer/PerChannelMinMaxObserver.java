package org.qforge.passes.quant.observer;

import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code PerChannelMinMaxObserver}: a running minimum and maximum per slice along
 * {@code ch_axis} (default 0), i.e. {@code aminmax} over the tensor permuted so that the channel axis
 * comes first and flattened from dimension 1. The buffers start empty. The weight observer of the
 * XNNPACK per-channel config.
 */
public final class PerChannelMinMaxObserver extends UniformQuantizationObserverBase {
  private final int chAxis;
  private float[] minVal = new float[0];
  private float[] maxVal = new float[0];

  /**
   * @throws IllegalArgumentException for a per-tensor scheme or a dynamic spec (PyTorch's
   *     NotImplementedError)
   */
  public PerChannelMinMaxObserver(ObserverSettings settings, float eps) {
    super("PerChannelMinMaxObserver", settings, eps);
    chAxis = checkPerChannel("PerChannelMinMaxObserver", settings);
  }

  /** The channel axis of a per-channel spec (0 when none is given), after PyTorch's checks. */
  static int checkPerChannel(String kind, ObserverSettings settings) {
    if (!settings.qscheme().isPerChannel()) {
      throw new IllegalArgumentException(kind + "'s qscheme only support torch.per_channel_symmetric, "
          + "torch.per_channel_affine and torch.per_channel_affine_float_qparams, not "
          + settings.qscheme().torchName());
    }
    if (settings.isDynamic()) {
      throw new IllegalArgumentException(kind + " doesn't support dynamic quantization");
    }
    return settings.chAxis() == null ? 0 : settings.chAxis();
  }

  /**
   * {@code aminmax(x.permute(...).flatten(1), dim=1)} in float32; Python's negative indexing of the
   * axis list makes a negative {@code ch_axis} count from the end.
   */
  static float[][] channelMinMax(Tensor x, int chAxis) {
    int[] dims = x.dims();
    if (dims.length == 0) {
      throw new IllegalArgumentException("a per-channel observer cannot observe a 0-dim tensor");
    }
    int axis = chAxis < 0 ? chAxis + dims.length : chAxis;
    if (axis < 0 || axis >= dims.length) {
      throw new IllegalArgumentException("ch_axis " + chAxis + " out of range for " + x.type());
    }
    return AtenCpu.aminmaxPerChannel(AtenCpu.toFloat32(x), dims, axis);
  }

  /** Rejects a channel count that differs from the buffers' (PyTorch would fail or broadcast). */
  static void checkChannels(float[] buffer, float[] current) {
    if (buffer.length != current.length) {
      throw new IllegalArgumentException(
          "observed " + current.length + " channels after " + buffer.length);
    }
  }

  @Override
  public void observe(Tensor x) {
    if (x.numel() == 0) {
      return;
    }
    float[][] cur = channelMinMax(x, chAxis);
    if (minVal.length == 0) {
      minVal = cur[0];
      maxVal = cur[1];
      return;
    }
    checkChannels(minVal, cur[0]);
    for (int c = 0; c < minVal.length; c++) {
      minVal[c] = AtenCpu.minimum(cur[0][c], minVal[c]);
      maxVal[c] = AtenCpu.maximum(cur[1][c], maxVal[c]);
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

  public int chAxis() {
    return chAxis;
  }

  /** The per-channel {@code min_val} buffer (empty before anything was observed). */
  public float[] minVal() {
    return minVal.clone();
  }

  /** The per-channel {@code max_val} buffer (empty before anything was observed). */
  public float[] maxVal() {
    return maxVal.clone();
  }
}
