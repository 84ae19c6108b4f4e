package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/** The factory, and the two observers that compute nothing. */
class ObserversTest {
  private static final float EPS = 0x1p-12f;
  private static final ObserverSettings ACT =
      new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, false);
  private static final ObserverSettings WEIGHT =
      new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 0, false);
  private static final ObserverSettings DYNAMIC =
      new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, true);

  @Test
  void constructorsBuildThePyTorchClasses() {
    assertEquals(0x1p-12f, Observers.XNNPACK_EPS);
    assertEquals(1.1920929e-7f, Observers.DEFAULT_EPS);
    check(Observers.minMax(EPS), new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_TENSOR_SYMMETRIC, 0, false),
        "MinMaxObserver", MinMaxObserver.class);
    check(Observers.perChannelMinMax(EPS), WEIGHT, "PerChannelMinMaxObserver", PerChannelMinMaxObserver.class);
    check(Observers.movingAverageMinMax(EPS, 0.01f), ACT, "MovingAverageMinMaxObserver",
        MovingAverageMinMaxObserver.class);
    check(Observers.movingAveragePerChannelMinMax(EPS, 0.01f), WEIGHT, "MovingAveragePerChannelMinMaxObserver",
        MovingAveragePerChannelMinMaxObserver.class);
    check(Observers.histogram(EPS), ACT, "HistogramObserver", HistogramObserver.class);
    check(Observers.placeholder(EPS), DYNAMIC, "PlaceholderObserver", PlaceholderObserver.class);
    check(Observers.fixedQParams(1f / 256, -128), ACT, "FixedQParamsObserver", FixedQParamsObserver.class);
    assertEquals("HistogramObserver.with_args(eps=2.4414062E-4)", Observers.histogram(EPS).toString());
  }

  private static void check(ObserverConstructor ctor, ObserverSettings settings, String kind, Class<?> type) {
    assertEquals(kind, ctor.kind());
    Observer o = ctor.create(settings);
    assertInstanceOf(type, o);
    assertEquals(kind, o.kind());
    assertEquals(settings, o.settings());
    // a fresh instance per call
    assertTrue(o != ctor.create(settings));
  }

  @Test
  void boundEpsAndAveragingConstantReachTheObserver() {
    HistogramObserver h = (HistogramObserver) Observers.histogram(EPS).create(ACT);
    assertEquals(EPS, h.eps());
    assertEquals(2048, h.bins());
    MovingAverageMinMaxObserver m = (MovingAverageMinMaxObserver) Observers.movingAverageMinMax(EPS, 0.5f).create(ACT);
    assertEquals(0.5, m.averagingConstant());
    PerChannelMinMaxObserver p = (PerChannelMinMaxObserver) Observers.perChannelMinMax(EPS).create(
        new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, null, false));
    assertEquals(0, p.chAxis()); // PyTorch's default ch_axis
  }

  @Test
  void placeholderKeepsItsConfigurationAndRefusesQParams() {
    PlaceholderObserver p = (PlaceholderObserver) Observers.placeholder(EPS).create(DYNAMIC);
    p.observe(Tensor.ofFloats(new float[] {1f, 2f}, 2));
    assertEquals(DType.I8, p.dtype());
    assertEquals(-128, p.quantMin());
    assertEquals(127, p.quantMax());
    assertEquals(Qscheme.PER_TENSOR_AFFINE, p.qscheme());
    assertEquals(EPS, p.eps());
    assertTrue(p.isDynamic());
    assertThrows(UnsupportedOperationException.class, p::calculateQParams);
    PlaceholderObserver bare = new PlaceholderObserver(new ObserverSettings(DType.F32, null, null, null, null, false), EPS);
    assertEquals(Qscheme.PER_TENSOR_AFFINE, bare.qscheme());
    assertNull(bare.quantMin());
  }

  @Test
  void fixedQParamsReturnsWhatItWasGiven() {
    Observer f = Observers.fixedQParams(1f / 256, -128).create(ACT);
    f.observe(Tensor.ofFloats(new float[] {100f}, 1));
    assertEquals(1f / 256, f.calculateQParams().scale());
    assertEquals(-128, f.calculateQParams().zeroPoint());
    FixedQParamsObserver defaults = new FixedQParamsObserver(
        new ObserverSettings(DType.U8, null, null, Qscheme.PER_TENSOR_AFFINE, null, false), 2f / 256, 128);
    assertEquals(0, defaults.quantMin());
    assertEquals(255, defaults.quantMax());
    assertThrows(IllegalArgumentException.class, () -> Observers.fixedQParams(1f, 0).create(DYNAMIC));
    assertThrows(IllegalArgumentException.class, () -> Observers.fixedQParams(1f, 1L << 40).create(ACT));
  }

  @Test
  void histogramRejectsDynamicSpecs() {
    assertThrows(IllegalArgumentException.class, () -> Observers.histogram(EPS).create(DYNAMIC));
  }
}
