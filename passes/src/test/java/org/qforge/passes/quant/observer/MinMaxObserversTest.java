package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.passes.quant.Qscheme;

/** The statistics of the min/max family: running, moving-average, per-tensor and per-channel. */
class MinMaxObserversTest {
  private static final float EPS = 0x1p-12f;
  private static final ObserverSettings PER_TENSOR_AFFINE =
      new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, false);
  private static final ObserverSettings WEIGHT_PER_CHANNEL =
      new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 0, false);

  private static Tensor t(float... v) {
    return Tensor.ofFloats(v, v.length);
  }

  @Test
  void minMaxKeepsTheRunningExtremes() {
    MinMaxObserver o = new MinMaxObserver(PER_TENSOR_AFFINE, EPS);
    o.observe(t(1f, 2f, 3f));
    o.observe(t(-1f, 0.5f));
    o.observe(t()); // empty: ignored
    o.observe(t(2.5f));
    assertEquals(-1f, o.minVal());
    assertEquals(3f, o.maxVal());
    o.reset();
    assertEquals(Float.POSITIVE_INFINITY, o.minVal());
    assertEquals(1.0f, o.calculateQParams().scale());
  }

  @Test
  void singleValueIsItsOwnRange() {
    MinMaxObserver o = new MinMaxObserver(PER_TENSOR_AFFINE, EPS);
    o.observe(t(15.9375f));
    // min_neg = 0, max_pos = 15.9375: scale 15.9375 / 255 = 0.0625, zp = qmin
    assertEquals(0.0625f, o.calculateQParams().scale());
    assertEquals(-128, o.calculateQParams().zeroPoint());
  }

  @Test
  void inputsAreConvertedToFloat32First() {
    Tensor d = Tensor.zeros(TensorType.of(DType.F64, 2));
    d.setDouble(0, 0.1);
    d.setDouble(1, -0.3);
    MinMaxObserver o = new MinMaxObserver(PER_TENSOR_AFFINE, EPS);
    o.observe(d);
    assertEquals(-0.3f, o.minVal());
    assertEquals(0.1f, o.maxVal());
  }

  @Test
  void movingAverageStartsWithTheFirstRangeThenMovesByTheConstant() {
    MovingAverageMinMaxObserver o = new MovingAverageMinMaxObserver(PER_TENSOR_AFFINE, EPS, 0.5);
    o.observe(t(0f, 4f));
    assertEquals(0f, o.minVal());
    assertEquals(4f, o.maxVal());
    o.observe(t(-2f, 2f));
    assertEquals(0f + 0.5f * (-2f - 0f), o.minVal()); // -1
    assertEquals(-1f, o.minVal());
    assertEquals(3f, o.maxVal()); // 4 + 0.5 * (2 - 4)
    o.observe(t(-1f, 5f));
    assertEquals(-1f, o.minVal());
    assertEquals(4f, o.maxVal());
  }

  @Test
  void movingAverageIsComputedInFloat32() {
    // min = 0 + c * (20 - 0) with c = 0.01 rounded to float32 (0.00999999977648258...): the product
    // 0.19999999552965164 is exactly halfway between two floats and rounds to the even one,
    // 0.19999998807907104, where double arithmetic rounded once at the end would give 0.2f.
    MovingAverageMinMaxObserver o = new MovingAverageMinMaxObserver(PER_TENSOR_AFFINE, EPS, 0.01);
    o.observe(t(0f, 0f));
    o.observe(t(20f, 20f));
    assertEquals(Math.nextDown(0.2f), o.minVal());
    assertEquals(0.19999999f, o.maxVal());
  }

  @Test
  void movingAverageDynamicNeedsAConstantOfOne() {
    ObserverSettings dynamic = new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, true);
    assertThrows(IllegalArgumentException.class, () -> new MovingAverageMinMaxObserver(dynamic, EPS, 0.01));
    MovingAverageMinMaxObserver o = new MovingAverageMinMaxObserver(dynamic, EPS, 1.0);
    o.observe(t(0f, 4f));
    o.observe(t(1f, 2f));
    assertEquals(1f, o.minVal());
    assertEquals(2f, o.maxVal());
  }

  @Test
  void perChannelOnASmallWeight() {
    PerChannelMinMaxObserver o = new PerChannelMinMaxObserver(WEIGHT_PER_CHANNEL, EPS);
    // three output channels of two weights each
    o.observe(Tensor.ofFloats(new float[] {7.9375f, -1f, -0.49609375f, 0.25f, 0.001f, -0.002f}, 3, 2));
    assertArrayEquals(new float[] {-1f, -0.49609375f, -0.002f}, o.minVal());
    assertArrayEquals(new float[] {7.9375f, 0.25f, 0.001f}, o.maxVal());
    QParams q = o.calculateQParams();
    // 7.9375 / 127 = 2^-4; 0.49609375 / 127 = 2^-8; 0.002 / 127 < 2^-12
    assertArrayEquals(new float[] {0.0625f, 0.00390625f, EPS}, q.scales());
    assertArrayEquals(new long[] {0, 0, 0}, q.zeroPoints());
  }

  @Test
  void perChannelRunningExtremesAlongAnotherAxis() {
    ObserverSettings axis1 = new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 1, false);
    PerChannelMinMaxObserver o = new PerChannelMinMaxObserver(axis1, EPS);
    o.observe(Tensor.ofFloats(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3));
    assertArrayEquals(new float[] {1f, 2f, 3f}, o.minVal());
    assertArrayEquals(new float[] {4f, 5f, 6f}, o.maxVal());
    o.observe(Tensor.ofFloats(new float[] {0f, 9f, 3f, -1f, 5f, 7f}, 2, 3));
    assertArrayEquals(new float[] {-1f, 2f, 3f}, o.minVal());
    assertArrayEquals(new float[] {4f, 9f, 7f}, o.maxVal());
    // a negative axis counts from the end, as Python's list indexing does
    ObserverSettings minus1 = new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, -1, false);
    PerChannelMinMaxObserver m = new PerChannelMinMaxObserver(minus1, EPS);
    m.observe(Tensor.ofFloats(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3));
    assertArrayEquals(new float[] {1f, 2f, 3f}, m.minVal());
    assertThrows(IllegalArgumentException.class, () -> m.observe(Tensor.ofFloats(new float[4], 2, 2)));
  }

  @Test
  void perChannelAffineZeroPointsPerChannel() {
    ObserverSettings affine = new ObserverSettings(DType.U8, null, null, Qscheme.PER_CHANNEL_AFFINE, 0, false);
    PerChannelMinMaxObserver o = new PerChannelMinMaxObserver(affine, EPS);
    o.observe(Tensor.ofFloats(new float[] {-0.15625f, 15.78125f, 1f, 15.9375f}, 2, 2));
    QParams q = o.calculateQParams();
    assertArrayEquals(new float[] {0.0625f, 0.0625f}, q.scales());
    assertArrayEquals(new long[] {2, 0}, q.zeroPoints()); // 0 - rint(-2.5); min_neg = 0
  }

  @Test
  void perChannelBeforeAnyObservationGivesOneAndZero() {
    QParams q = new PerChannelMinMaxObserver(WEIGHT_PER_CHANNEL, EPS).calculateQParams();
    assertArrayEquals(new float[] {1.0f}, q.scales());
    assertArrayEquals(new long[] {0}, q.zeroPoints());
  }

  @Test
  void movingAveragePerChannel() {
    MovingAveragePerChannelMinMaxObserver o =
        new MovingAveragePerChannelMinMaxObserver(WEIGHT_PER_CHANNEL, EPS, 0.5);
    o.observe(Tensor.ofFloats(new float[] {0f, 4f, -2f, 2f}, 2, 2));
    assertArrayEquals(new float[] {0f, -2f}, o.minVal());
    assertArrayEquals(new float[] {4f, 2f}, o.maxVal());
    o.observe(Tensor.ofFloats(new float[] {-2f, 2f, 0f, 6f}, 2, 2));
    assertArrayEquals(new float[] {-1f, -1f}, o.minVal());
    assertArrayEquals(new float[] {3f, 4f}, o.maxVal());
    // max(|-1|, 3) / 127 and max(|-1|, 4) / 127
    assertArrayEquals(new float[] {3f / 127f, 4f / 127f}, o.calculateQParams().scales());
  }

  @Test
  void schemesAndDynamicSpecsArePyTorchs() {
    assertThrows(IllegalArgumentException.class, () -> new MinMaxObserver(WEIGHT_PER_CHANNEL, EPS));
    assertThrows(IllegalArgumentException.class, () -> new PerChannelMinMaxObserver(PER_TENSOR_AFFINE, EPS));
    assertThrows(IllegalArgumentException.class, () -> new PerChannelMinMaxObserver(
        new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 0, true), EPS));
    assertThrows(IllegalArgumentException.class,
        () -> new MovingAveragePerChannelMinMaxObserver(PER_TENSOR_AFFINE, EPS, 0.01));
    assertThrows(IllegalArgumentException.class, () -> new MovingAverageMinMaxObserver(WEIGHT_PER_CHANNEL, EPS, 0.01));
    // a per-channel observer cannot see a scalar
    PerChannelMinMaxObserver o = new PerChannelMinMaxObserver(WEIGHT_PER_CHANNEL, EPS);
    assertThrows(IllegalArgumentException.class, () -> o.observe(Tensor.scalar(DType.F32, 1)));
  }
}
