package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/**
 * The QAT fake quantizer's three parts against values worked out by hand from FBGEMM's
 * {@code ChooseQuantizationParams}, ATen's CPU fake-quantize kernels and the fused op's moving
 * average (issue 8).
 */
class FusedMovingAvgObsFakeQuantizeTest {
  private static final ObserverSettings ACT =
      new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, false);
  private static final ObserverSettings WEIGHT_PER_CHANNEL =
      new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 0, false);

  @Test
  void affineRangeTakesTheZeroPointFromTheEndWithSmallerTerms() {
    // scale = 4 / 255; from min: -128 + 63.75 = -64.25 (terms 128 + 63.75) beats from max
    // (127 + 191.25): nearbyint(-64.25) = -64.
    ChooseQuantizationParams.Result r = ChooseQuantizationParams.choose(-1f, 3f, -128, 127, false);
    assertEquals((float) (4.0 / 255), r.scale());
    assertEquals(-64, r.zeroPoint());
  }

  @Test
  void symmetricRangeWidensToMinus128StepsAndCentresTheZeroPoint() {
    // qmin -127, qmax 127: symmetric steps -128..127; max scale = max(0.5/128, 0.25/127) = 2^-8, so
    // the range becomes [-0.5, 0.49609375] and scale = 0.99609375 / 254; zero point (−127+127)/2 = 0.
    ChooseQuantizationParams.Result r = ChooseQuantizationParams.choose(-0.5f, 0.25f, -127, 127, true);
    assertEquals((float) (0.99609375 / 254), r.scale());
    assertEquals(0, r.zeroPoint());
  }

  @Test
  void emptyAndTinyRanges() {
    // Zero range: scale 0.1; both ends give zero points -128 (terms 128) and 127 (terms 127): 127 wins.
    ChooseQuantizationParams.Result zero = ChooseQuantizationParams.choose(0f, 0f, -128, 127, false);
    assertEquals(0.1f, zero.scale());
    assertEquals(127, zero.zeroPoint());
    // 0.001 / 255 is below 6.1e-5: the scale is raised to it and max to 6.1e-5 · 255; min 0 gives -128.
    ChooseQuantizationParams.Result tiny = ChooseQuantizationParams.choose(0f, 0.001f, -128, 127, false);
    assertEquals(6.1e-5f, tiny.scale());
    assertEquals(-128, tiny.zeroPoint());
    assertThrows(IllegalArgumentException.class, () -> ChooseQuantizationParams.choose(0f, 1f, 3, 3, false));
  }

  @Test
  void fakeQuantizeRoundsHalfToEvenClampsAndMapsNaNToTheLowerBound() {
    float s = 0.1f; // 1.0f / 0.1f rounds to exactly 10.0f
    assertEquals(3 * s, FakeQuantize.element(0.3f, s, 0, -128, 127));
    assertEquals(2 * s, FakeQuantize.element(0.25f, s, 0, -128, 127)); // 2.5 → 2
    assertEquals(4 * s, FakeQuantize.element(0.35f, s, 0, -128, 127)); // 3.5 → 4
    assertEquals((127 - 5) * s, FakeQuantize.element(100f, s, 5, -128, 127)); // clamped to qmax
    assertEquals((-128 - 5) * s, FakeQuantize.element(Float.NaN, s, 5, -128, 127));
    assertArrayEquals(new float[] {s, -2 * 0.5f}, FakeQuantize.perChannel(new float[] {0.1f, -1f}, new float[] {s, 0.5f},
        new long[] {0, 0}, -127, 127));
  }

  @Test
  void perTensorForwardMovesTheRunningRangeAndFakeQuantizes() {
    FusedMovingAvgObsFakeQuantize fq = new FusedMovingAvgObsFakeQuantize(ACT, 0x1p-12f, 0.01f);
    // First batch: the running range is the batch's, [-1, 3]: scale 4/255, zero point -64.
    Tensor y = fq.forward(Tensor.ofFloats(new float[] {-1f, 3f, 0.5f}, 3));
    float s = (float) (4.0 / 255);
    assertArrayEquals(new float[] {s}, fq.trainingScales());
    assertArrayEquals(new long[] {-64}, fq.trainingZeroPoints());
    // 3 / s = 191.25 → 191 steps above the zero point; -1 / s = -63.75 → -64; 0.5 / s = 31.875 → 32.
    assertArrayEquals(new float[] {-64 * s, 191 * s, 32 * s}, y.floats());
    // Second batch [0, 5]: min -1 + 0.01f·(0 − (−1)), max 3 + 0.01f·(5 − 3), in float.
    fq.forward(Tensor.ofFloats(new float[] {0f, 5f}, 2));
    assertArrayEquals(new float[] {-1f + 0.01f * (0f - -1f)}, fq.minVal());
    assertArrayEquals(new float[] {3f + 0.01f * (5f - 3f)}, fq.maxVal());
  }

  @Test
  void perChannelForwardAndTheConvertTimeQParams() {
    FusedMovingAvgObsFakeQuantize fq = new FusedMovingAvgObsFakeQuantize(WEIGHT_PER_CHANNEL, 0x1p-12f, 0.01f);
    // Channel 0: [-0.5, 0.25]; channel 1: [-0.1, 0.2].
    fq.forward(Tensor.ofFloats(new float[] {-0.5f, 0.25f, -0.1f, 0.2f}, 2, 2));
    // Channel 1: max scale 0.2f/127 (it beats 0.1/128), range [-128·s, 127·s] rounded to float, / 254.
    double s1 = 0.2f / 127f;
    double s1Range = (double) (float) (s1 * 127) - (float) (s1 * -128); // in double, divided in double
    assertArrayEquals(new float[] {(float) (0.99609375 / 254), (float) (s1Range / 254)}, fq.trainingScales());
    // Convert uses the Python rule on the same range: max(|min|, max) / 127 per channel, zero point 0.
    QParams q = fq.calculateQParams();
    assertArrayEquals(new float[] {0.5f / 127f, 0.2f / 127f}, q.scales());
    assertArrayEquals(new long[] {0, 0}, q.zeroPoints());
    assertThrows(IllegalArgumentException.class, () -> new FusedMovingAvgObsFakeQuantize(
        new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 1, false), 0x1p-12f, 0.01f));
  }
}
