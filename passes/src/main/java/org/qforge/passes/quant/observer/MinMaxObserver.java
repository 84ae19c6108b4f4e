package org.qforge.passes.quant.observer;

import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code MinMaxObserver}: the running minimum and maximum of everything observed (float32
 * 0-dim buffers starting at +inf and -inf), turned into qparams by {@code _calculate_qparams}.
 * Per-tensor schemes only. The weight observer of the XNNPACK per-tensor config.
 */
public final class MinMaxObserver extends UniformQuantizationObserverBase {
  private float minVal = Float.POSITIVE_INFINITY;
  private float maxVal = Float.NEGATIVE_INFINITY;

  /**
   * @throws IllegalArgumentException for a per-channel scheme (PyTorch's NotImplementedError)
   */
  public MinMaxObserver(ObserverSettings settings, float eps) {
    super("MinMaxObserver", settings, eps);
    if (settings.qscheme().isPerChannel()) {
      throw new IllegalArgumentException("MinMaxObserver's qscheme only support "
          + "torch.per_tensor_symmetric and torch.per_tensor_affine, not " + settings.qscheme().torchName());
    }
  }

  /** {@code forward}: {@code min_val = min(aminmax(x).min, min_val)}, likewise max; x is cast to float32. */
  @Override
  public void observe(Tensor x) {
    if (x.numel() == 0) {
      return;
    }
    float[] mm = AtenCpu.aminmax(AtenCpu.toFloat32(x));
    minVal = AtenCpu.minimum(mm[0], minVal);
    maxVal = AtenCpu.maximum(mm[1], maxVal);
  }

  @Override
  public QParams calculateQParams() {
    return computeQParams(new float[] {minVal}, new float[] {maxVal}, true);
  }

  /** The {@code min_val} buffer (+inf before anything was observed). */
  public float minVal() {
    return minVal;
  }

  /** The {@code max_val} buffer (-inf before anything was observed). */
  public float maxVal() {
    return maxVal;
  }

  /** {@code reset_min_max_vals}. */
  public void reset() {
    minVal = Float.POSITIVE_INFINITY;
    maxVal = Float.NEGATIVE_INFINITY;
  }
}
