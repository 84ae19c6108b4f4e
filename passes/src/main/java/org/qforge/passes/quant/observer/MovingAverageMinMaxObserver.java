package org.qforge.passes.quant.observer;

import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code MovingAverageMinMaxObserver}: the first observation sets min and max, later ones
 * move them by {@code min += c * (cur_min - min)} (likewise max), in float32 with the averaging
 * constant {@code c} rounded to float32. The QAT activation observer (inside the fused fake-quant).
 */
public final class MovingAverageMinMaxObserver extends UniformQuantizationObserverBase {
  private final double averagingConstant;
  private float minVal = Float.POSITIVE_INFINITY;
  private float maxVal = Float.NEGATIVE_INFINITY;

  /**
   * @param averagingConstant PyTorch's {@code averaging_constant} (default 0.01)
   * @throws IllegalArgumentException for a per-channel scheme, or dynamic with a constant other than 1
   */
  public MovingAverageMinMaxObserver(ObserverSettings settings, float eps, double averagingConstant) {
    super("MovingAverageMinMaxObserver", settings, eps);
    if (settings.qscheme().isPerChannel()) {
      throw new IllegalArgumentException("MovingAverageMinMaxObserver's qscheme only support "
          + "torch.per_tensor_symmetric and torch.per_tensor_affine. but got: " + settings.qscheme().torchName());
    }
    if (settings.isDynamic() && averagingConstant != 1) {
      throw new IllegalArgumentException("MovingAverageMinMaxObserver doesn't support dynamic quantization "
          + "for averaging constant of " + averagingConstant);
    }
    this.averagingConstant = averagingConstant;
  }

  @Override
  public void observe(Tensor x) {
    if (x.numel() == 0) {
      return;
    }
    float[] mm = AtenCpu.aminmax(AtenCpu.toFloat32(x));
    if (minVal == Float.POSITIVE_INFINITY && maxVal == Float.NEGATIVE_INFINITY) {
      minVal = mm[0];
      maxVal = mm[1];
    } else {
      // min_val + c * (min_val_cur - min_val): three float32 tensor ops, c a Python float.
      float c = (float) averagingConstant;
      minVal = minVal + c * (mm[0] - minVal);
      maxVal = maxVal + c * (mm[1] - maxVal);
    }
  }

  @Override
  public QParams calculateQParams() {
    return computeQParams(new float[] {minVal}, new float[] {maxVal}, true);
  }

  public double averagingConstant() {
    return averagingConstant;
  }

  /** The running {@code min_val} (+inf before anything was observed). */
  public float minVal() {
    return minVal;
  }

  /** The running {@code max_val} (-inf before anything was observed). */
  public float maxVal() {
    return maxVal;
  }
}
