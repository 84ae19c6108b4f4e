package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/** The histogram observer's bookkeeping on cases small enough to follow by hand. */
class HistogramObserverTest {
  private static final float EPS = 0x1p-12f;
  private static final ObserverSettings ACT =
      new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, false);

  private static Tensor t(float... v) {
    return Tensor.ofFloats(v, v.length);
  }

  private static float sum(float[] h) {
    float s = 0;
    for (float f : h) {
      s += f;
    }
    return s;
  }

  @Test
  void firstObservationSetsTheRangeAndBinsLinearly() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    o.observe(t(1f, 2f, 3f));
    assertEquals(1f, o.minVal());
    assertEquals(3f, o.maxVal());
    float[] h = o.histogram();
    assertEquals(2048, h.length);
    assertEquals(1f, h[0]); // 1 = min
    assertEquals(1f, h[1024]); // (2 - 1) * 2048 / 2
    assertEquals(1f, h[2047]); // max goes to the last bin
    assertEquals(3f, sum(h));
  }

  @Test
  void infinitiesAreDroppedAndAllInfiniteTensorsIgnored() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    o.observe(t(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
    assertEquals(Float.POSITIVE_INFINITY, o.minVal());
    assertEquals(1.0f, o.calculateQParams().scale());
    assertEquals(0, o.calculateQParams().zeroPoint());
    o.observe(t(Float.NEGATIVE_INFINITY, 1f, 2f, Float.POSITIVE_INFINITY, 3f));
    assertEquals(1f, o.minVal());
    assertEquals(3f, o.maxVal());
    assertEquals(3f, sum(o.histogram()));
    o.observe(t(Float.POSITIVE_INFINITY));
    assertEquals(3f, sum(o.histogram()));
    assertEquals(3f, o.maxVal());
  }

  @Test
  void sameRangeAddsCounts() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    o.observe(t(1f, 3f));
    o.observe(t(2f, 2f, 3f));
    float[] h = o.histogram();
    assertEquals(1f, h[0]);
    assertEquals(2f, h[1024]);
    assertEquals(2f, h[2047]);
    assertEquals(5f, sum(h));
  }

  @Test
  void singleValueIsBinnedInTheWidenedRangeAndGivesItsOwnQParams() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    o.observe(t(15.9375f, 15.9375f, 15.9375f));
    assertEquals(15.9375f, o.minVal());
    assertEquals(15.9375f, o.maxVal());
    // histc widens [v, v] to [v - 1, v + 1]: (v - (v - 1)) * 2048 / 2 = 1024
    assertEquals(3f, o.histogram()[1024]);
    // a zero bin width keeps the range: (15.9375, 15.9375) -> scale 15.9375 / 255, zp qmin
    assertEquals(new HistogramObserver.Range(15.9375f, 15.9375f), o.nonLinearParamSearch());
    assertEquals(0.0625f, o.calculateQParams().scale());
    assertEquals(-128, o.calculateQParams().zeroPoint());
  }

  @Test
  void allZeroInputGivesEpsScale() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    o.observe(Tensor.ofFloats(new float[8], 2, 4));
    assertEquals(8f, o.histogram()[1024]);
    assertEquals(EPS, o.calculateQParams().scale());
    assertEquals(-128, o.calculateQParams().zeroPoint());
  }

  @Test
  void widerRangeUpscalesTheOldHistogram() {
    HistogramObserver o = new HistogramObserver(ACT, EPS, 4);
    o.observe(t(0f, 1f)); // [1, 0, 0, 1] over [0, 1]
    assertArrayEquals(new float[] {1f, 0f, 0f, 1f}, o.histogram());
    o.observe(t(2f)); // update [0, 0, 0, 1] over [0, 2]
    // The old bins split in 16 pieces of 1/16 with midpoints (2k+1)/128: pieces of old bin 0 lie in
    // [0, 0.25) -> new bin 0, pieces of old bin 3 in (0.75, 1) -> new bin 1.
    assertArrayEquals(new float[] {1f, 1f, 0f, 1f}, o.histogram());
    assertEquals(0f, o.minVal());
    assertEquals(2f, o.maxVal());
  }

  @Test
  void upscalingMakesTheHistogramFractional() {
    HistogramObserver o = new HistogramObserver(ACT, EPS, 4);
    o.observe(t(0f, 0.5f, 1f)); // [1, 0, 1, 1] over [0, 1]
    assertArrayEquals(new float[] {1f, 0f, 1f, 1f}, o.histogram());
    // New range [0, 1.5], edges 0, 0.375, 0.75, 1.125, 1.5. The 64 pieces of the old histogram have
    // midpoints (2k+1)/128: old bin 0 (k < 16) -> new bin 0, old bin 2 (0.51..0.74) -> new bin 1,
    // old bin 3 (0.76..0.99) -> new bin 2; the update puts 1.5 in the last bin.
    o.observe(t(1.5f));
    assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, o.histogram());
    // New range [0, 2], edges 0, 0.5, 1, 1.5, 2. Midpoints are now (2k+1) * 3/256 (exact in float32):
    // old bin 1 (k = 16..31) splits at 0.5 (2k+1 < 42.67: k <= 20): 5 pieces to bin 0, 11 to bin 1;
    // old bin 2 (k = 32..47) splits at 1.0 (k <= 42): 11 pieces to bin 1, 5 to bin 2.
    o.observe(t(2f));
    assertArrayEquals(new float[] {21f / 16, 22f / 16, 21f / 16, 1f}, o.histogram());
    assertEquals(0f, o.minVal());
    assertEquals(2f, o.maxVal());
  }

  @Test
  void singlePointHistogramIsWeightedByTheUpdatesTotal() {
    HistogramObserver o = new HistogramObserver(ACT, EPS, 4);
    o.observe(t(1f, 1f, 1f)); // three counts at a single point
    o.observe(t(3f, 4f)); // range [1, 4]: 3 -> (3 - 1) * 4 / 3 = 2.67 -> bin 2; 4 -> bin 3
    // PyTorch's _combine_histograms puts the old point in its new bin weighted by sum(update_hist),
    // which is 2 here, not the old histogram's 3.
    assertArrayEquals(new float[] {2f, 0f, 1f, 1f}, o.histogram());
  }

  @Test
  void nanIsRejectedLikeHistcDoes() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    assertThrows(IllegalArgumentException.class, () -> o.observe(t(1f, Float.NaN)));
  }

  @Test
  void loadStateChecksTheBinCount() {
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    assertThrows(IllegalArgumentException.class, () -> o.loadState(new float[10], 0f, 1f));
    float[] h = new float[2048];
    h[0] = 7;
    o.loadState(h, -1f, 2f);
    assertEquals(-1f, o.minVal());
    assertEquals(2f, o.maxVal());
    assertEquals(7f, o.histogram()[0]);
  }

  @Test
  void searchDropsAnOutlierButStopsWhenTheErrorGrows() {
    // 1000 counts in bin 0 and one in bin 2047 of [0, 2048) (bin width 1). The first step drops the
    // outlier's bin (its cumulative sum 1001 is above 0.99999 * 1001): error ~ 1000 * (4^3 - 3^3) / 3.
    // Nothing then moves until beta * 1001 < 1000, when the end jumps to bin 0: the outlier, ~2047
    // away from the only quantization bin, costs ~2047^2 > 12000, so the search stops at end bin 2046.
    HistogramObserver o = new HistogramObserver(ACT, EPS);
    float[] h = new float[2048];
    h[0] = 1000;
    h[2047] = 1;
    o.loadState(h, 0f, 2048f);
    assertEquals(new HistogramObserver.Range(0f, 2047f), o.nonLinearParamSearch());
    double kept = o.computeQuantizationError(0, 2046);
    double collapsed = o.computeQuantizationError(0, 0);
    assertTrue(kept > 12000 && kept < 12500, "error with end bin 2046: " + kept);
    assertTrue(collapsed > 4.0e6, "error with end bin 0: " + collapsed);
  }

  @Test
  void dstBinsFollowTheDtypeWidth() {
    assertEquals(256, new HistogramObserver(ACT, EPS).dstNbins());
    assertEquals(65536, new HistogramObserver(
        new ObserverSettings(DType.I16, null, null, Qscheme.PER_TENSOR_AFFINE, null, false), EPS).dstNbins());
    assertThrows(IllegalArgumentException.class, () -> new HistogramObserver(
        new ObserverSettings(DType.I8, null, null, Qscheme.PER_CHANNEL_AFFINE, 0, false), EPS));
    assertThrows(IllegalArgumentException.class, () -> new HistogramObserver(
        new ObserverSettings(DType.I8, null, null, Qscheme.PER_TENSOR_AFFINE, null, true), EPS));
  }
}
