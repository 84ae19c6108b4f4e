package org.qforge.passes.quant;

import org.qforge.ir.DType;
import org.qforge.passes.quant.observer.ObserverConstructor;
import org.qforge.passes.quant.observer.ObserverSettings;

/**
 * PT2E's {@code QuantizationSpec}: quantize with the given dtype and range, with parameters chosen
 * by an observer built from {@code observer}.
 *
 * @param dtype quantized dtype
 * @param observer the observer constructor ({@code observer_or_fake_quant_ctr})
 * @param quantMin lower bound, or null for the dtype's
 * @param quantMax upper bound, or null
 * @param qscheme the scheme
 * @param chAxis channel axis for per-channel schemes, or null
 * @param isDynamic whether qparams are chosen at run time
 */
public record QuantizationSpec(DType dtype, ObserverConstructor observer, Integer quantMin, Integer quantMax,
    Qscheme qscheme, Integer chAxis, boolean isDynamic) implements QuantizationSpecBase {

  public QuantizationSpec {
    if (quantMin != null && quantMax != null && quantMin > quantMax) {
      throw new IllegalArgumentException("quant_min " + quantMin + " must not exceed quant_max " + quantMax);
    }
    if (chAxis != null && chAxis < 0) {
      throw new IllegalArgumentException("ch_axis must be non-negative, got " + chAxis);
    }
  }

  /**
   * The settings the observer is built with: {@code _create_obs_or_fq_from_qspec} passes every
   * field, except {@code ch_axis} unless the observer class is a per-channel one.
   */
  public ObserverSettings observerSettings() {
    Integer axis = observer.kind().contains("PerChannel") ? chAxis : null;
    return new ObserverSettings(dtype, quantMin, quantMax, qscheme, axis, isDynamic);
  }
}
