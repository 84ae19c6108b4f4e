package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/**
 * {@code calculate_qmin_qmax}, {@code check_min_max_valid} and {@code _calculate_qparams} on cases
 * whose results are worked out by hand. The values are chosen so that the float32 arithmetic is exact
 * where that keeps the expectation obvious: 15.9375 / 255 = 0.0625 = 2^-4 and 7.9375 / 127 = 0.0625.
 */
class QParamsFormulaTest {
  private static final float EPS = 0x1p-12f;

  private static MinMaxObserver observer(DType dtype, Integer qmin, Integer qmax, Qscheme qscheme) {
    return new MinMaxObserver(new ObserverSettings(dtype, qmin, qmax, qscheme, null, false), EPS);
  }

  private static QParams qparams(MinMaxObserver o, float min, float max) {
    return o.computeQParams(new float[] {min}, new float[] {max}, true);
  }

  private static final MinMaxObserver INT8_AFFINE = observer(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE);
  private static final MinMaxObserver INT8_SYMMETRIC_127 = observer(DType.I8, -127, 127, Qscheme.PER_TENSOR_SYMMETRIC);

  @Test
  void qminQmaxIsTheCustomizedRangeOrTheDtypeRange() {
    assertArrayEquals(new int[] {-127, 127}, UniformQuantizationObserverBase.calculateQminQmax(-127, 127, DType.I8));
    assertArrayEquals(new int[] {-128, 127}, UniformQuantizationObserverBase.calculateQminQmax(null, null, DType.I8));
    // only one bound given: not customized, the dtype's range
    assertArrayEquals(new int[] {-128, 127}, UniformQuantizationObserverBase.calculateQminQmax(-5, null, DType.I8));
    assertArrayEquals(new int[] {0, 255}, UniformQuantizationObserverBase.calculateQminQmax(null, null, DType.U8));
    assertArrayEquals(new int[] {-32768, 32767}, UniformQuantizationObserverBase.calculateQminQmax(null, null, DType.I16));
    assertArrayEquals(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE},
        UniformQuantizationObserverBase.calculateQminQmax(null, null, DType.I32));
    // 257 values do not fit int8
    assertThrows(IllegalArgumentException.class,
        () -> UniformQuantizationObserverBase.calculateQminQmax(-128, 128, DType.I8));
  }

  @Test
  void customizedRangeMustContainZeroAndBeNonEmpty() {
    assertThrows(IllegalArgumentException.class, () -> observer(DType.I8, 1, 10, Qscheme.PER_TENSOR_AFFINE));
    assertThrows(IllegalArgumentException.class, () -> observer(DType.I8, 0, 0, Qscheme.PER_TENSOR_AFFINE));
    assertThrows(IllegalArgumentException.class, () -> observer(DType.F32, null, null, Qscheme.PER_TENSOR_AFFINE));
    MinMaxObserver o = observer(DType.U8, 0, 100, Qscheme.PER_TENSOR_AFFINE);
    assertEquals(0, o.quantMin());
    assertEquals(100, o.quantMax());
    assertTrue(o.hasCustomizedQRange());
    assertFalse(observer(DType.U8, null, 100, Qscheme.PER_TENSOR_AFFINE).hasCustomizedQRange());
  }

  @Test
  void affineZeroPointRoundsHalfToEven() {
    // scale = (15.78125 + 0.15625) / 255 = 0.0625; min/scale = -2.5 -> rint = -2 (half away would give -3)
    QParams q = qparams(INT8_AFFINE, -0.15625f, 15.78125f);
    assertEquals(0.0625f, q.scale());
    assertEquals(-128 + 2, q.zeroPoint());
    // min/scale = -3.5 -> rint = -4
    q = qparams(INT8_AFFINE, -0.21875f, 15.71875f);
    assertEquals(0.0625f, q.scale());
    assertEquals(-128 + 4, q.zeroPoint());
    // uint8 0..255: zp = 0 - rint(-2.5) = 2
    q = qparams(observer(DType.U8, null, null, Qscheme.PER_TENSOR_AFFINE), -0.15625f, 15.78125f);
    assertEquals(0.0625f, q.scale());
    assertEquals(2, q.zeroPoint());
  }

  @Test
  void affineUsesMinNegativeAndMaxPositive() {
    // all positive: min_neg = 0, so the zero point is qmin
    QParams q = qparams(INT8_AFFINE, 1f, 15.9375f);
    assertEquals(0.0625f, q.scale());
    assertEquals(-128, q.zeroPoint());
    // all negative: max_pos = 0, zp = -128 - rint(-255) = 127
    q = qparams(INT8_AFFINE, -15.9375f, -1f);
    assertEquals(0.0625f, q.scale());
    assertEquals(127, q.zeroPoint());
  }

  @Test
  void scaleIsFlooredAtEps() {
    // 0.01 / 255 < 2^-12
    QParams q = qparams(INT8_AFFINE, 0f, 0.01f);
    assertEquals(EPS, q.scale());
    assertEquals(-128, q.zeroPoint());
    // zp with the eps scale: -0.01f / 2^-12 = -40.959999... -> rint -41 -> -128 + 41
    q = qparams(INT8_AFFINE, -0.01f, 0.01f);
    assertEquals(EPS, q.scale());
    assertEquals(-87, q.zeroPoint());
    // symmetric: 0.01 / 127 < 2^-12
    q = qparams(INT8_SYMMETRIC_127, -0.01f, 0.005f);
    assertEquals(EPS, q.scale());
    assertEquals(0, q.zeroPoint());
  }

  @Test
  void symmetricScaleDividesTheLargerMagnitudeByHalfTheRange() {
    // max(|-7.9375|, 1) / ((127 - -127) / 2) = 0.0625
    QParams q = qparams(INT8_SYMMETRIC_127, -7.9375f, 1f);
    assertEquals(0.0625f, q.scale());
    assertEquals(0, q.zeroPoint());
    q = qparams(INT8_SYMMETRIC_127, -1f, 7.9375f);
    assertEquals(0.0625f, q.scale());
    // -128..127: half the range is 127.5, and 7.96875 / 127.5 = 0.0625
    q = qparams(observer(DType.I8, -128, 127, Qscheme.PER_TENSOR_SYMMETRIC), -7.96875f, 2f);
    assertEquals(0.0625f, q.scale());
    assertEquals(0, q.zeroPoint());
  }

  @Test
  void symmetricUint8ZeroPointIs128OrTheCustomizedMidpoint() {
    assertEquals(128, qparams(observer(DType.U8, null, null, Qscheme.PER_TENSOR_SYMMETRIC), -1f, 1f).zeroPoint());
    // (0 + 255) // 2 = 127 when the range is given explicitly
    assertEquals(127, qparams(observer(DType.U8, 0, 255, Qscheme.PER_TENSOR_SYMMETRIC), -1f, 1f).zeroPoint());
    // 7.96875 / 127.5
    assertEquals(0.0625f, qparams(observer(DType.U8, null, null, Qscheme.PER_TENSOR_SYMMETRIC), -1f, 7.96875f).scale());
  }

  @Test
  void allZeroInputGivesEpsAndTheMinimumZeroPoint() {
    MinMaxObserver affine = observer(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE);
    affine.observe(Tensor.ofFloats(new float[4], 2, 2));
    assertEquals(0f, affine.minVal());
    assertEquals(0f, affine.maxVal());
    assertEquals(EPS, affine.calculateQParams().scale());
    assertEquals(-128, affine.calculateQParams().zeroPoint());
    MinMaxObserver symmetric = observer(DType.I8, -127, 127, Qscheme.PER_TENSOR_SYMMETRIC);
    symmetric.observe(Tensor.ofFloats(new float[4], 4));
    assertEquals(EPS, symmetric.calculateQParams().scale());
    assertEquals(0, symmetric.calculateQParams().zeroPoint());
  }

  @Test
  void nothingObservedGivesOneAndZero() {
    QParams q = observer(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE).calculateQParams();
    assertArrayEquals(new float[] {1.0f}, q.scales());
    assertArrayEquals(new long[] {0}, q.zeroPoints());
    assertFalse(UniformQuantizationObserverBase.checkMinMaxValid(
        new float[] {Float.POSITIVE_INFINITY}, new float[] {Float.NEGATIVE_INFINITY}, true));
    assertFalse(UniformQuantizationObserverBase.checkMinMaxValid(new float[0], new float[0], false));
    assertTrue(UniformQuantizationObserverBase.checkMinMaxValid(new float[] {1f}, new float[] {1f}, true));
  }

  @Test
  void minAboveMaxIsAnAssertionFailure() {
    assertThrows(IllegalStateException.class, () -> qparams(INT8_AFFINE, 2f, 1f));
    assertThrows(IllegalStateException.class, () -> qparams(INT8_AFFINE, Float.NaN, 1f));
    assertThrows(IllegalStateException.class, () -> UniformQuantizationObserverBase.checkMinMaxValid(
        new float[] {0f, 3f}, new float[] {1f, 2f}, false));
    // per channel, +inf/-inf is not "uninitialized" but min > max
    assertThrows(IllegalStateException.class, () -> UniformQuantizationObserverBase.checkMinMaxValid(
        new float[] {Float.POSITIVE_INFINITY}, new float[] {Float.NEGATIVE_INFINITY}, false));
  }

  @Test
  void floatQParamsUseTheRawRangeAndAFloatZeroPoint() {
    PerChannelMinMaxObserver o = new PerChannelMinMaxObserver(
        new ObserverSettings(DType.U8, null, null, Qscheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS, 0, false), EPS);
    // channel 0: (15.78125 - -0.15625) / 255 = 0.0625, zp = 0.15625 / 0.0625 = 2.5
    // channel 1: 3..3 has a zero scale, which is replaced by 1.0; zp = -3 / 1
    o.observe(Tensor.ofFloats(new float[] {-0.15625f, 15.78125f, 3f, 3f}, 2, 2));
    FloatQParams q = o.calculateFloatQParams();
    assertArrayEquals(new float[] {0.0625f, 1.0f}, q.scales());
    assertArrayEquals(new float[] {2.5f, -3f}, q.zeroPoints());
    assertThrows(IllegalStateException.class, o::calculateQParams);
  }
}
