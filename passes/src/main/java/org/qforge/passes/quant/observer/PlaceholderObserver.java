package org.qforge.passes.quant.observer;

import java.util.Objects;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/**
 * PyTorch's {@code PlaceholderObserver}: an identity that records nothing and only carries its
 * configuration (dtype, quant_min/quant_max, qscheme, eps, is_dynamic) to convert, where the dynamic
 * path computes qparams at run time with {@code choose_qparams}. The activation observer of the
 * XNNPACK dynamic config.
 */
public final class PlaceholderObserver implements Observer {
  private final ObserverSettings settings;
  private final float eps;

  /**
   * @param settings the spec's settings; quant_min/quant_max stay as given (possibly null), and a
   *     missing qscheme means per_tensor_affine, as in PyTorch
   * @param eps PyTorch's {@code eps} argument (a Python float there; the values used, 2^-12 and
   *     float32's machine epsilon, are exact in float32)
   */
  public PlaceholderObserver(ObserverSettings settings, float eps) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.eps = eps;
  }

  /** The identity: nothing is recorded. */
  @Override
  public void observe(Tensor x) {}

  /**
   * Always fails, as PyTorch's does.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public QParams calculateQParams() {
    throw new UnsupportedOperationException("calculate_qparams should not be called for PlaceholderObserver");
  }

  @Override
  public ObserverSettings settings() {
    return settings;
  }

  @Override
  public String kind() {
    return "PlaceholderObserver";
  }

  public DType dtype() {
    return settings.dtype();
  }

  /** The spec's quant_min, or null. */
  public Integer quantMin() {
    return settings.quantMin();
  }

  /** The spec's quant_max, or null. */
  public Integer quantMax() {
    return settings.quantMax();
  }

  /** The qscheme; per_tensor_affine when the spec gave none. */
  public Qscheme qscheme() {
    return settings.qscheme() == null ? Qscheme.PER_TENSOR_AFFINE : settings.qscheme();
  }

  public float eps() {
    return eps;
  }

  public boolean isDynamic() {
    return settings.isDynamic();
  }
}
