package org.qforge.passes.quant.xnnpack;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.qforge.ir.DType;
import org.qforge.passes.quant.Qscheme;
import org.qforge.passes.quant.QuantizationSpec;
import org.qforge.passes.quant.observer.ObserverConstructor;
import org.qforge.passes.quant.observer.Observers;

/**
 * PT2E's {@code get_symmetric_quantization_config}: int8 activations (per-tensor affine, histogram
 * observer, or placeholder observer when dynamic), int8 symmetric weights (per tensor or per output
 * channel), float bias; with {@code isQat}, every observer is a {@code FusedMovingAvgObsFakeQuantize}. Results are cached so equal arguments give the identical config, as
 * {@code functools.lru_cache} does.
 */
public final class SymmetricQuantizationConfig {
  /** {@code 2**-12}, the eps every observer of this config uses. */
  public static final float EPS = 0x1p-12f;

  private record Key(boolean perChannel, boolean qat, boolean dynamic, int actQmin, int actQmax, int wQmin,
      int wQmax) {}

  private static final Map<Key, QuantizationConfig> CACHE = new ConcurrentHashMap<>();

  private SymmetricQuantizationConfig() {}

  /** The default ranges: activations -128..127, weights -127..127. */
  public static QuantizationConfig get(boolean isPerChannel, boolean isQat, boolean isDynamic) {
    return get(isPerChannel, isQat, isDynamic, -128, 127, -127, 127);
  }

  public static QuantizationConfig get(boolean isPerChannel, boolean isQat, boolean isDynamic, int actQmin,
      int actQmax, int weightQmin, int weightQmax) {
    if (isQat && isDynamic) {
      throw new UnsupportedOperationException("dynamic quantization-aware training (FakeQuantize with a moving "
          + "average of constant 1) is not supported; use static QAT or --dynamic without --qat");
    }
    return CACHE.computeIfAbsent(new Key(isPerChannel, isQat, isDynamic, actQmin, actQmax, weightQmin, weightQmax),
        k -> build(k));
  }

  private static QuantizationConfig build(Key k) {
    // QAT: FusedMovingAvgObsFakeQuantize.with_args(eps=2**-12) everywhere, its default averaging constant.
    ObserverConstructor fakeQuant = Observers.fusedMovingAvgFakeQuantize(EPS, Observers.DEFAULT_AVERAGING_CONSTANT);
    QuantizationSpec act = new QuantizationSpec(DType.I8,
        k.qat() ? fakeQuant : k.dynamic() ? Observers.placeholder(EPS) : Observers.histogram(EPS),
        k.actQmin(), k.actQmax(), Qscheme.PER_TENSOR_AFFINE, null, k.dynamic());
    QuantizationSpec weight = new QuantizationSpec(DType.I8,
        k.qat() ? fakeQuant : k.perChannel() ? Observers.perChannelMinMax(EPS) : Observers.minMax(EPS),
        k.wQmin(), k.wQmax(), k.perChannel() ? Qscheme.PER_CHANNEL_SYMMETRIC : Qscheme.PER_TENSOR_SYMMETRIC, 0, false);
    return new QuantizationConfig(act, k.dynamic() ? null : act, weight, null, k.qat());
  }
}
