package org.qforge.passes.quant;

import java.util.List;
import java.util.function.Function;
import org.qforge.ir.DType;
import org.qforge.passes.quant.observer.Observer;
import org.qforge.passes.quant.observer.QParams;

/**
 * PT2E's {@code DerivedQuantizationSpec}: qparams computed from other groups' observers (e.g. a
 * bias scale = input scale × weight scale).
 *
 * @param derivedFrom the edges or outputs whose observers are inputs to {@code deriveQParams}
 * @param deriveQParams computes the qparams from those observers
 * @param dtype quantized dtype
 * @param quantMin lower bound, or null
 * @param quantMax upper bound, or null
 * @param qscheme the scheme
 * @param chAxis channel axis, or null
 * @param isDynamic whether qparams are chosen at run time
 */
public record DerivedQuantizationSpec(List<EdgeOrNode> derivedFrom, Function<List<Observer>, QParams> deriveQParams,
    DType dtype, Integer quantMin, Integer quantMax, Qscheme qscheme, Integer chAxis, boolean isDynamic)
    implements QuantizationSpecBase {
  public DerivedQuantizationSpec {
    derivedFrom = List.copyOf(derivedFrom);
  }
}
