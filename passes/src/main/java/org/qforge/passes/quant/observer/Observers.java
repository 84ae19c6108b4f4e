package org.qforge.passes.quant.observer;

import java.util.function.Function;

/**
 * Observer constructors with arguments bound, as PyTorch's {@code Observer.with_args(...)} makes them
 * ({@code HistogramObserver.with_args(eps=2**-12)} and so on): the quantization spec supplies the rest
 * when {@link ObserverConstructor#create} is called.
 */
public final class Observers {
  /** PyTorch's default eps, {@code torch.finfo(torch.float32).eps} = 2^-23. */
  public static final float DEFAULT_EPS = Math.ulp(1.0f);

  /** The eps of the XNNPACK configs, {@code 2**-12}, exact in float32. */
  public static final float XNNPACK_EPS = 0x1p-12f;

  /** PyTorch's default {@code averaging_constant} of the moving-average observers. */
  public static final float DEFAULT_AVERAGING_CONSTANT = 0.01f;

  private Observers() {}

  /** {@code MinMaxObserver.with_args(eps=eps)}. */
  public static ObserverConstructor minMax(float eps) {
    return new Bound("MinMaxObserver", "eps=" + eps, s -> new MinMaxObserver(s, eps));
  }

  /** {@code PerChannelMinMaxObserver.with_args(eps=eps)}; ch_axis comes from the spec (default 0). */
  public static ObserverConstructor perChannelMinMax(float eps) {
    return new Bound("PerChannelMinMaxObserver", "eps=" + eps, s -> new PerChannelMinMaxObserver(s, eps));
  }

  /**
   * {@code MovingAverageMinMaxObserver.with_args(eps=eps, averaging_constant=c)}. The constant is a
   * Python float in PyTorch; it is given here as the float32 it becomes in the update (so 0.01f).
   */
  public static ObserverConstructor movingAverageMinMax(float eps, float averagingConstant) {
    return new Bound("MovingAverageMinMaxObserver", "eps=" + eps + ", averaging_constant=" + averagingConstant,
        s -> new MovingAverageMinMaxObserver(s, eps, averagingConstant));
  }

  /** {@code MovingAveragePerChannelMinMaxObserver.with_args(eps=eps, averaging_constant=c)}. */
  public static ObserverConstructor movingAveragePerChannelMinMax(float eps, float averagingConstant) {
    return new Bound("MovingAveragePerChannelMinMaxObserver",
        "eps=" + eps + ", averaging_constant=" + averagingConstant,
        s -> new MovingAveragePerChannelMinMaxObserver(s, eps, averagingConstant));
  }

  /** {@code HistogramObserver.with_args(eps=eps)} with the default 2048 bins. */
  public static ObserverConstructor histogram(float eps) {
    return new Bound("HistogramObserver", "eps=" + eps, s -> new HistogramObserver(s, eps));
  }

  /** {@code PlaceholderObserver.with_args(eps=eps)}. */
  public static ObserverConstructor placeholder(float eps) {
    return new Bound("PlaceholderObserver", "eps=" + eps, s -> new PlaceholderObserver(s, eps));
  }

  /** {@code FixedQParamsObserver.with_args(scale=scale, zero_point=zeroPoint)}. */
  public static ObserverConstructor fixedQParams(float scale, long zeroPoint) {
    return new Bound("FixedQParamsObserver", "scale=" + scale + ", zero_point=" + zeroPoint,
        s -> new FixedQParamsObserver(s, scale, zeroPoint));
  }

  /**
   * {@code FusedMovingAvgObsFakeQuantize.with_args(eps=eps)} with its default observer settings
   * (averaging constant {@code averagingConstant}): the QAT fake quantizer, per tensor or per channel
   * as the spec's qscheme says.
   */
  public static ObserverConstructor fusedMovingAvgFakeQuantize(float eps, float averagingConstant) {
    return new Bound("FusedMovingAvgObsFakeQuantize", "eps=" + eps + ", averaging_constant=" + averagingConstant,
        s -> new FusedMovingAvgObsFakeQuantize(s, eps, averagingConstant));
  }

  /** A class with some constructor arguments bound. */
  private record Bound(String kind, String boundArgs, Function<ObserverSettings, Observer> factory)
      implements ObserverConstructor {
    @Override
    public Observer create(ObserverSettings settings) {
      return factory.apply(settings);
    }

    @Override
    public String toString() {
      return kind + ".with_args(" + boundArgs + ")";
    }
  }
}
