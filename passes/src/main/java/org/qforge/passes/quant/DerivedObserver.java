package org.qforge.passes.quant;

import java.util.List;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.observer.Observer;
import org.qforge.passes.quant.observer.ObserverSettings;
import org.qforge.passes.quant.observer.QParams;

/**
 * PT2E's {@code DerivedObserverOrFakeQuantize}: observes nothing itself; its qparams are computed
 * from other groups' observers by the spec's function (e.g. bias scale = input scale × weight scale).
 */
final class DerivedObserver implements Observer {
  private final DerivedQuantizationSpec spec;
  private final List<Observer> sources;
  private final ObserverSettings settings;

  DerivedObserver(DerivedQuantizationSpec spec, List<Observer> sources) {
    if (spec.qscheme() != null && spec.qscheme().isPerChannel() && spec.chAxis() == null) {
      throw new IllegalArgumentException("a per-channel derived spec needs ch_axis");
    }
    this.spec = spec;
    this.sources = List.copyOf(sources);
    this.settings = new ObserverSettings(spec.dtype(), spec.quantMin(), spec.quantMax(), spec.qscheme(),
        spec.chAxis(), spec.isDynamic());
  }

  @Override
  public void observe(Tensor x) {}

  @Override
  public QParams calculateQParams() {
    return spec.deriveQParams().apply(sources);
  }

  @Override
  public ObserverSettings settings() {
    return settings;
  }

  @Override
  public String kind() {
    return "DerivedObserverOrFakeQuantize";
  }
}
