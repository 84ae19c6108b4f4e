package org.qforge.passes.quant.observer;

import java.util.Objects;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/**
 * PyTorch's {@code FixedQParamsObserver}: an identity whose qparams are fixed at construction
 * ({@code scale} as a float32 buffer, {@code zero_point} as an int32 one), for ops with a known output
 * range such as sigmoid or tanh. Defaults as PyTorch's: quint8, per_tensor_affine, 0..255.
 */
public final class FixedQParamsObserver implements Observer {
  private final ObserverSettings settings;
  private final float scale;
  private final int zeroPoint;
  private final int quantMin;
  private final int quantMax;

  /**
   * @param settings dtype, qscheme and quant_min/quant_max (0 and 255 when not given)
   * @param scale the fixed scale (PyTorch's {@code torch.tensor([scale], dtype=torch.float)})
   * @param zeroPoint the fixed zero point, stored as int32
   * @throws IllegalArgumentException for a dynamic spec (PyTorch's NotImplementedError) or a zero
   *     point outside int32
   */
  public FixedQParamsObserver(ObserverSettings settings, float scale, long zeroPoint) {
    this.settings = Objects.requireNonNull(settings, "settings");
    if (settings.isDynamic()) {
      throw new IllegalArgumentException("FixedQParamsObserver doesn't support dynamic quantization");
    }
    if (zeroPoint < Integer.MIN_VALUE || zeroPoint > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("zero point " + zeroPoint + " does not fit int32");
    }
    this.scale = scale;
    this.zeroPoint = (int) zeroPoint;
    this.quantMin = settings.quantMin() == null ? 0 : settings.quantMin();
    this.quantMax = settings.quantMax() == null ? 255 : settings.quantMax();
  }

  /** The identity: nothing is recorded. */
  @Override
  public void observe(Tensor x) {}

  /** The fixed {@code (scale, zero_point)}. */
  @Override
  public QParams calculateQParams() {
    return QParams.of(scale, zeroPoint);
  }

  @Override
  public ObserverSettings settings() {
    return settings;
  }

  @Override
  public String kind() {
    return "FixedQParamsObserver";
  }

  public DType dtype() {
    return settings.dtype() == null ? DType.U8 : settings.dtype();
  }

  public Qscheme qscheme() {
    return settings.qscheme() == null ? Qscheme.PER_TENSOR_AFFINE : settings.qscheme();
  }

  public int quantMin() {
    return quantMin;
  }

  public int quantMax() {
    return quantMax;
  }
}
