package org.qforge.passes.quant.observer;

import java.util.Arrays;
import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code FusedMovingAvgObsFakeQuantize}, the QAT observer of the XNNPACK config (the
 * forward of {@code torch.fused_moving_avg_obs_fake_quant} on CPU, {@code fused_obs_fake_quant.cpp}):
 *
 * <ol>
 *   <li>observe: the running min and max move toward the batch's, {@code run + c·(cur − run)} in
 *       float32 ({@code c} = averaging constant, rounded to float), or take the batch's while still
 *       infinite — per tensor, or per channel along axis 0;
 *   <li>choose the training qparams from the running range with FBGEMM's C++ rule
 *       ({@link ChooseQuantizationParams}; symmetric qschemes preserve sparsity);
 *   <li>fake-quantize the input with them ({@link FakeQuantize}) and return it.
 * </ol>
 *
 * <p>{@link #calculateQParams} — what convert bakes in — applies the Python observers'
 * {@code _calculate_qparams} to the same running range, so it can differ from the last training
 * qparams ({@link #trainingScales}); PT2E behaves the same way.
 */
public final class FusedMovingAvgObsFakeQuantize extends UniformQuantizationObserverBase {
  private final float averagingConstant;
  private final boolean perChannel;
  private final boolean symmetric;
  private float[] minVal = new float[0];
  private float[] maxVal = new float[0];
  private float[] scales = new float[0];
  private long[] zeroPoints = new long[0];

  /**
   * @param averagingConstant the moving average's constant (PyTorch's default 0.01)
   * @throws IllegalArgumentException for a dynamic spec, or a channel axis other than 0
   */
  public FusedMovingAvgObsFakeQuantize(ObserverSettings settings, float eps, float averagingConstant) {
    super("FusedMovingAvgObsFakeQuantize", settings, eps);
    if (settings.isDynamic()) {
      throw new IllegalArgumentException("FusedMovingAvgObsFakeQuantize does not fake-quantize dynamically");
    }
    this.perChannel = settings.qscheme().isPerChannel();
    if (perChannel && settings.chAxis() != null && settings.chAxis() != 0) {
      throw new IllegalArgumentException(
          "Per-channel FakeQuant in fused_moving_avg_obs_fake_quant is only supported on axis == 0");
    }
    this.symmetric = settings.qscheme().isSymmetric();
    this.averagingConstant = averagingConstant;
  }

  /** Observes {@code x} (step 1) without fake-quantizing it. */
  @Override
  public void observe(Tensor x) {
    if (x.numel() == 0) {
      return;
    }
    float[][] cur;
    if (perChannel) {
      cur = PerChannelMinMaxObserver.channelMinMax(x, 0);
    } else {
      float[] mm = AtenCpu.aminmax(AtenCpu.toFloat32(x));
      cur = new float[][] {{mm[0]}, {mm[1]}};
    }
    if (minVal.length == 0) {
      minVal = new float[cur[0].length];
      maxVal = new float[cur[0].length];
      Arrays.fill(minVal, Float.POSITIVE_INFINITY);
      Arrays.fill(maxVal, Float.NEGATIVE_INFINITY);
    }
    PerChannelMinMaxObserver.checkChannels(minVal, cur[0]);
    for (int i = 0; i < minVal.length; i++) {
      minVal[i] = Float.isInfinite(minVal[i]) ? cur[0][i] : minVal[i] + averagingConstant * (cur[0][i] - minVal[i]);
      maxVal[i] = Float.isInfinite(maxVal[i]) ? cur[1][i] : maxVal[i] + averagingConstant * (cur[1][i] - maxVal[i]);
    }
  }

  /** The training forward: observe, choose qparams the C++ way, fake-quantize; an empty tensor passes through. */
  public Tensor forward(Tensor x) {
    if (x.numel() == 0) {
      return x;
    }
    observe(x);
    scales = new float[minVal.length];
    zeroPoints = new long[minVal.length];
    for (int i = 0; i < minVal.length; i++) {
      ChooseQuantizationParams.Result r =
          ChooseQuantizationParams.choose(minVal[i], maxVal[i], quantMin(), quantMax(), symmetric);
      scales[i] = r.scale();
      zeroPoints[i] = r.zeroPoint();
    }
    float[] in = AtenCpu.toFloat32(x);
    float[] out = perChannel ? FakeQuantize.perChannel(in, scales, zeroPoints, quantMin(), quantMax())
        : FakeQuantize.perTensor(in, scales[0], zeroPoints[0], quantMin(), quantMax());
    return Tensor.ofFloats(out, x.dims());
  }

  @Override
  public QParams calculateQParams() {
    return computeQParams(minVal, maxVal, !perChannel);
  }

  /** The running min (one value, or one per channel; empty before anything was observed). */
  public float[] minVal() {
    return minVal.clone();
  }

  /** The running max. */
  public float[] maxVal() {
    return maxVal.clone();
  }

  /** The scales the last {@link #forward} fake-quantized with (empty before one). */
  public float[] trainingScales() {
    return scales.clone();
  }

  /** The zero points the last {@link #forward} fake-quantized with. */
  public long[] trainingZeroPoints() {
    return zeroPoints.clone();
  }
}
