package org.qforge.codegen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The float route of the requantizing kernels ({@link FloatRequantization}) against the double
 * formula they must repeat, {@code (byte) (int) min(max(rint(real / outScale) + zeroPoint, min), max)},
 * on data chosen so that a float route without the margin would round some lanes the other way:
 * each test first shows such lanes exist (a plain {@code Math.fma} route in floats gets them wrong),
 * then that the kernel gets every lane right.
 */
class FloatRequantizationTest {
  private static final double MAGIC = 0x1.8p52;
  /** Float lanes in a 512-bit vector: the channels of the linear kernel's first step. */
  private static final int LANES_512 = 16;

  /** The double route: the generated scalar code's formula. */
  private static byte doubleRoute(double real, double outScale, double zeroPoint, double min, double max) {
    return (byte) (int) Math.min(Math.max(Math.rint(real / outScale) + zeroPoint, min), max);
  }

  /** A float route without the margin: what the kernels would do if they trusted every lane. */
  private static byte naiveFloatRoute(float sum, float slope, float offset, double min, double max) {
    return (byte) (int) Math.min(Math.max(Math.rint(Math.fma(sum, slope, offset)), min), max);
  }

  @Test
  void quantizedAddsOfEveryBytePairMatchTheDoubleRoute() {
    // All 65,536 pairs (a, b), for scales drawn until 24 triples have near-ties a margin-less float
    // route would round the wrong way, plus exact ties (out scale the sum of two equal scales).
    byte[] a = new byte[65_536];
    byte[] b = new byte[65_536];
    for (int i = 0; i < a.length; i++) {
      a[i] = (byte) (i >> 8);
      b[i] = (byte) i;
    }
    SplittableRandom random = new SplittableRandom(31);
    int adversarial = 0;
    int tries = 0;
    while (adversarial < 24) {
      assertTrue(++tries < 2_000, "found only " + adversarial + " scale triples with near-ties");
      double sa = (float) (0.01 + 0.09 * random.nextDouble());
      double sb = tries == 1 ? sa : (float) (0.01 + 0.09 * random.nextDouble());
      double so = tries == 1 ? (float) (2 * sa) : (float) (0.02 + 0.15 * random.nextDouble());
      double za = random.nextInt(-20, 21);
      double zb = random.nextInt(-20, 21);
      double zo = random.nextInt(-128, 128);
      float alpha = (float) (sa / so);
      float beta = (float) (sb / so);
      float gamma = (float) (zo - za * sa / so - zb * sb / so);
      byte[] want = new byte[a.length];
      int naiveWrong = 0;
      for (int i = 0; i < a.length; i++) {
        double real = ((double) a[i] - za) * sa + ((double) b[i] - zb) * sb;
        want[i] = doubleRoute(real, so, zo, -128, 127);
        float t = Math.fma((float) a[i], alpha, Math.fma((float) b[i], beta, gamma));
        naiveWrong += (byte) (int) Math.min(Math.max(Math.rint(t), -128), 127) != want[i] ? 1 : 0;
      }
      if (naiveWrong == 0 && tries > 1) {
        continue;
      }
      adversarial++;
      byte[] out = new byte[a.length];
      Int8VectorKernels.quantizedAdd(a, b, out, 0, 0, 0, a.length, sa, za, sb, zb, so, zo, -128, 127);
      for (int i = 0; i < a.length; i++) {
        assertEquals(want[i], out[i], "a " + a[i] + ", b " + b[i] + " at scales " + sa + ", " + sb + " → " + so);
      }
    }
  }

  @Test
  void convRequantizationOfWideSumRangesMatchesTheDoubleRoute() {
    // Rows of 32 columns 40 apart (the run of whole vectors walks rows), then unpadded rows of 8
    // (taken as one row).
    convRequantizationMatchesTheDoubleRoute(64, 32, 40);
    convRequantizationMatchesTheDoubleRoute(1024, 8, 8);
  }

  /**
   * Sums over ±2^20 around the output range (and far past it), starts and biases nonzero, for
   * channels drawn until 8 have near-ties a margin-less float route rounds wrongly.
   */
  private static void convRequantizationMatchesTheDoubleRoute(int rows, int cols, int rowStride) {
    SplittableRandom random = new SplittableRandom(47 + cols);
    float[] acc = new float[rows * rowStride];
    float[] scales = new float[1];
    float[] bias = new float[1];
    int[] start = new int[1];
    int adversarial = 0;
    int tries = 0;
    while (adversarial < 8) {
      assertTrue(++tries < 2_000, "found only " + adversarial + " channels with near-ties");
      double inScale = (float) (0.01 + 0.05 * random.nextDouble());
      scales[0] = (float) (1e-4 + 1e-2 * random.nextDouble());
      bias[0] = (float) (random.nextDouble() - 0.5);
      start[0] = random.nextInt(-400_000, 400_000);
      double outScale = (float) (0.01 + 0.1 * random.nextDouble());
      double zeroPoint = random.nextInt(-128, 128);
      double m = inScale * (double) scales[0];
      // Centre the sums where the outputs are in range, then spread them.
      double centre = (outScale * -zeroPoint - bias[0]) / m - start[0];
      for (int i = 0; i < acc.length; i++) {
        acc[i] = (float) Math.rint(centre + random.nextDouble(-1, 1) * Math.min(1 << 20, 300 * outScale / m));
      }
      acc[5] = 1 << 24;
      acc[6] = -(1 << 24);
      float slope = FloatRequantization.slope(m, 1 / outScale);
      float offset = FloatRequantization.offset(m, start[0], bias[0], 1 / outScale, zeroPoint);
      byte[] want = new byte[rows * cols];
      int naiveWrong = 0;
      for (int y = 0; y < rows; y++) {
        for (int x = 0; x < cols; x++) {
          float s = acc[y * rowStride + x];
          double real = ((double) s + start[0]) * m + (double) bias[0];
          want[y * cols + x] = doubleRoute(real, outScale, zeroPoint, -128, 127);
          naiveWrong += naiveFloatRoute(s, slope, offset, -128, 127) != want[y * cols + x] ? 1 : 0;
        }
      }
      if (naiveWrong == 0) {
        continue;
      }
      adversarial++;
      byte[] out = new byte[rows * cols];
      Int8VectorKernels.requantize(acc, scales, bias, out, start, 0, 0, rowStride, 0, 1, rows, cols, 0, 0, 0,
          inScale, outScale, zeroPoint, -128, 127);
      for (int i = 0; i < out.length; i++) {
        assertEquals(want[i], out[i], "output " + i + ", sum " + acc[i / cols * rowStride + i % cols]);
      }
    }
  }

  /**
   * F(2,3)'s four sums of 24 channels, {@code per} positions a channel {@code len} apart, planes
   * {@code block} apart: even integers chosen so that both outputs of a pair, (m_0 + m_1 + m_2)/2 and
   * (m_1 − m_2 − m_3)/2, spread over the output range and past it; channel 0's scale makes every
   * odd sum a tie (outScale = 2·m).
   */
  private record WinogradSums(float[] m, float[] scales, float[] bias, int[] start, int len, int block) {
    static final int CHANNELS = 24;
    static final double IN_SCALE = 0.03;
    static final double OUT_SCALE = 0.05;
    static final double ZERO_POINT = -7;

    static WinogradSums draw(long seed, int len) {
      SplittableRandom random = new SplittableRandom(seed);
      int block = CHANNELS * len;
      float[] m = new float[4 * block + 16];
      float[] scales = new float[CHANNELS];
      float[] bias = new float[CHANNELS];
      int[] start = new int[CHANNELS];
      for (int o = 0; o < CHANNELS; o++) {
        scales[o] = o == 0 ? (float) (OUT_SCALE / IN_SCALE / 2) : (float) (1e-4 + 5e-3 * random.nextDouble());
        bias[o] = o == 0 ? 0 : (float) (random.nextDouble() - 0.5);
        start[o] = o == 0 ? 0 : random.nextInt(-20_000, 20_000);
        double mul = IN_SCALE * (double) scales[o];
        double centre = (OUT_SCALE * -ZERO_POINT - bias[o]) / mul - start[o];
        double spread = Math.min(1 << 20, 300 * OUT_SCALE / mul);
        for (int i = 0; i < len; i++) {
          int at = o * len + i;
          m[at] = 2 * (float) Math.rint((centre + random.nextDouble(-1, 1) * spread) / 2);
          m[at + block] = 2 * (float) Math.rint(random.nextDouble(-1, 1) * spread / 4);
          m[at + 2 * block] = 2 * (float) Math.rint(random.nextDouble(-1, 1) * spread / 4);
          m[at + 3 * block] = 2 * (float) Math.rint(-centre / 2 + random.nextDouble(-1, 1) * spread / 4);
        }
      }
      return new WinogradSums(m, scales, bias, start, len, block);
    }

    double mul(int o) {
      return IN_SCALE * (double) scales[o];
    }

    float first(int at) {
      return (m[at] + (m[at + block] + m[at + 2 * block])) * 0.5f;
    }

    float second(int at) {
      return (m[at + block] - m[at + 2 * block] - m[at + 3 * block]) * 0.5f;
    }

    byte doubleRoute(int o, float sum) {
      return FloatRequantizationTest.doubleRoute(((double) sum + start[o]) * mul(o) + (double) bias[o], OUT_SCALE,
          ZERO_POINT, -128, 127);
    }

    boolean naiveRoundsWrongly(int o, float sum) {
      float slope = FloatRequantization.slope(mul(o), 1 / OUT_SCALE);
      float offset = FloatRequantization.offset(mul(o), start[o], bias[o], 1 / OUT_SCALE, ZERO_POINT);
      return naiveFloatRoute(sum, slope, offset, -128, 127) != doubleRoute(o, sum);
    }
  }

  @Test
  void winogradRowRequantizationMatchesTheDoubleRoute() {
    // Rows of 32 columns (two steps), 8 pairs of them 34 apart.
    int pairs = 8;
    int cols = 32;
    int width = 34;
    WinogradSums sums = WinogradSums.draw(53, pairs * width + 16);
    byte[] want = new byte[WinogradSums.CHANNELS * 2 * pairs * cols];
    int naiveWrong = 0;
    for (int o = 0; o < WinogradSums.CHANNELS; o++) {
      for (int r = 0; r < pairs; r++) {
        for (int x = 0; x < cols; x++) {
          int at = o * sums.len() + r * width + x;
          int q = (o * 2 * pairs + 2 * r) * cols + x;
          want[q] = sums.doubleRoute(o, sums.first(at));
          want[q + cols] = sums.doubleRoute(o, sums.second(at));
          naiveWrong += (sums.naiveRoundsWrongly(o, sums.first(at)) ? 1 : 0) + (sums.naiveRoundsWrongly(o, sums.second(at)) ? 1 : 0);
        }
      }
    }
    assertTrue(naiveWrong > 0, "the data should have near-ties a margin-less float route rounds wrongly");
    byte[] out = new byte[want.length];
    Int8VectorKernels.requantizeWinograd(sums.m(), sums.scales(), sums.bias(), out, sums.start(), 0, sums.block(),
        sums.len(), width, 0, WinogradSums.CHANNELS, pairs, cols, 0, 0, 0, WinogradSums.IN_SCALE,
        WinogradSums.OUT_SCALE, WinogradSums.ZERO_POINT, -128, 127);
    for (int i = 0; i < out.length; i++) {
      assertEquals(want[i], out[i], "output " + i);
    }
  }

  @Test
  void winogradColumnRequantizationMatchesTheDoubleRoute() {
    // 40 positions a channel: two whole steps and a rest of 8; a position's outputs adjacent bytes.
    int positions = 40;
    WinogradSums sums = WinogradSums.draw(59, positions + 8);
    byte[] want = new byte[WinogradSums.CHANNELS * 2 * positions];
    int naiveWrong = 0;
    for (int o = 0; o < WinogradSums.CHANNELS; o++) {
      for (int p = 0; p < positions; p++) {
        int at = o * sums.len() + p;
        int q = o * 2 * positions + 2 * p;
        want[q] = sums.doubleRoute(o, sums.first(at));
        want[q + 1] = sums.doubleRoute(o, sums.second(at));
        naiveWrong += (sums.naiveRoundsWrongly(o, sums.first(at)) ? 1 : 0) + (sums.naiveRoundsWrongly(o, sums.second(at)) ? 1 : 0);
      }
    }
    assertTrue(naiveWrong > 0, "the data should have near-ties a margin-less float route rounds wrongly");
    byte[] out = new byte[want.length];
    Int8VectorKernels.requantizeWinogradColumns(sums.m(), sums.scales(), sums.bias(), out, sums.start(), 0,
        sums.block(), sums.len(), 0, WinogradSums.CHANNELS, positions, 0, 0, 0, WinogradSums.IN_SCALE,
        WinogradSums.OUT_SCALE, WinogradSums.ZERO_POINT, -128, 127);
    for (int i = 0; i < out.length; i++) {
      assertEquals(want[i], out[i], "output " + i);
    }
  }

  @Test
  void linearRequantizationMatchesTheDoubleRoute() {
    // 1,000 channels (62 whole steps and a rest of 8, as one more vector overlapping the last), then
    // 10 (fewer than a vector: the double route), then 16 without a bias (zero point 0).
    linearRequantizationMatchesTheDoubleRoute(1_000, 61, true, 0.02, 0.05, 1e-4, 1e-2);
    linearRequantizationMatchesTheDoubleRoute(10, 67, true, 0.02, 0.05, 1e-4, 1e-2);
    linearRequantizationMatchesTheDoubleRoute(16, 71, false, 0.02, 0.05, 1e-4, 1e-2);
    // s_in / s_out a subnormal float (A = 918 · 2^-149 errs by 2^-11 of itself), the weight scales huge:
    // a float route would get lanes wrong anywhere, not only near ties, so the sums stay as drawn; the
    // kernel must take the double route for the whole layer.
    linearRequantizationMatchesTheDoubleRoute(1_024, 73, true, 9e-42, 7.0, 1e38, 1e38);
  }

  /**
   * A linear layer's sums, one per channel, each channel its own scale and bias: drawn until 8 (one
   * per 16 channels, at least one, if fewer) have near-ties a margin-less float route rounds wrongly;
   * channel 3's sum, 2^24 + 1, is not a float (the float route sees 2^24) and its slope is 1, with a
   * bias that brings t into range: the float sum alone would give the other byte; channel 4's sum
   * is the int range's end.
   */
  private static void linearRequantizationMatchesTheDoubleRoute(int n, long seed, boolean withBias,
      double inScaleValue, double outScaleValue, double scaleLow, double scaleSpan) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] acc = new int[n];
    float[] scales = new float[n];
    float[] bias = new float[n];
    double inScale = (float) inScaleValue;
    double outScale = (float) outScaleValue;
    // Without a bias and with zero point 0, β is 0: only the limit's part for |t| can catch a near-tie.
    double zeroPoint = withBias ? -5 : 0;
    int adversarial = 0;
    int lanes = 0;
    for (int o = 0; o < n; o++) {
      scales[o] = (float) (scaleLow + scaleSpan * random.nextDouble());
      bias[o] = withBias ? (float) (random.nextDouble() - 0.5) : 0f;
      double m = inScale * (double) scales[o];
      double centre = (outScale * -zeroPoint - bias[o]) / m;
      acc[o] = (int) Math.rint(centre + random.nextDouble(-1, 1) * 100 * outScale / m);
    }
    // Channels 3 and 4 as described, where a weight scale of s_out / s_in is a float.
    boolean special = n > 4 && withBias && Float.isFinite((float) (outScale / inScale));
    if (special) {
      // α = 1: the float sum 2^24 moves t by a whole unit from the double route's 2^24 + 1.
      scales[3] = (float) (outScale / inScale);
      acc[3] = (1 << 24) + 1;
      bias[3] = (float) (-(double) acc[3] * (inScale * (double) scales[3]) + 20.25 * outScale);
      acc[4] = Integer.MIN_VALUE;
    }
    // Redraw sums until enough lanes are near-ties the margin-less route gets wrong.
    // The kernel's slopes and offsets: α = scale · (float) (inScale / outScale), β = fma(bias, (float) (1 /
    // outScale), zeroPoint).
    float[] slopes = new float[n];
    float[] offsets = new float[n];
    for (int o = 0; o < n; o++) {
      slopes[o] = scales[o] * (float) (inScale * (1 / outScale));
      offsets[o] = withBias ? Math.fma(bias[o], (float) (1 / outScale), (float) zeroPoint) : (float) zeroPoint;
    }
    boolean[] nearTie = new boolean[n];
    int tries = 0;
    // Near-ties only where A is a normal float (elsewhere the drawn sums suffice).
    int target = Float.isFinite((float) (outScale / inScale)) ? Math.max(1, Math.min(8, n / 16)) : 0;
    while (adversarial < target) {
      assertTrue(++tries < 200_000, "found only " + adversarial + " channels with near-ties");
      int o = random.nextInt(n);
      if (nearTie[o] || special && (o == 3 || o == 4 || n > LANES_512 && o < LANES_512)) {
        continue;
      }
      double m = inScale * (double) scales[o];
      // The sum whose t lies nearest a half-integer in the output range (within α/2 of it).
      double half = random.nextInt(-100, 100) + 0.5;
      int s = (int) Math.rint(((half - zeroPoint) * outScale - bias[o]) / m);
      // Not an exact tie in floats either: only the margin can send it the double route.
      float t = Math.fma((float) s, slopes[o], offsets[o]);
      if (Math.abs(t - Math.rint(t)) < 0.5 && naiveFloatRoute(s, slopes[o], offsets[o], -128, 127)
          != linearDoubleRoute(s, m, bias[o], withBias, outScale, zeroPoint)) {
        acc[o] = s;
        nearTie[o] = true;
        adversarial++;
      }
    }
    byte[] want = new byte[n];
    int naiveWrong = 0;
    for (int o = 0; o < n; o++) {
      double m = inScale * (double) scales[o];
      want[o] = linearDoubleRoute(acc[o], m, bias[o], withBias, outScale, zeroPoint);
      naiveWrong += naiveFloatRoute((float) acc[o], slopes[o], offsets[o], -128, 127) != want[o] ? 1 : 0;
      lanes += want[o] > -128 && want[o] < 127 ? 1 : 0;
    }
    assertTrue(naiveWrong >= Math.max(1, target), "the data should have lanes a margin-less float route rounds wrongly");
    assertTrue(lanes > n / 2, "most outputs should lie inside the range, not at its bounds: " + lanes + " of " + n);
    if (special) {
      assertTrue(naiveFloatRoute((float) acc[3], slopes[3], offsets[3], -128, 127) != want[3],
          "channel 3's float sum should round the other way");
    }
    byte[] out = new byte[n];
    float[] sums = new float[n + 2];
    Int8VectorKernels.requantizeChannelsInFloats(acc, sums, scales, bias, out, 0, 2, 0, n, 0,
        withBias ? 0 : -1, inScale, outScale, zeroPoint, -128, 127);
    for (int o = 0; o < n; o++) {
      assertEquals(want[o], out[o], "channel " + o + ", sum " + acc[o]);
    }
  }

  /** The double route of a linear layer's output: {@code Int8VectorKernels.requantizeChannels}' formula. */
  private static byte linearDoubleRoute(int sum, double m, float bias, boolean withBias, double outScale,
      double zeroPoint) {
    double real = (double) sum * m;
    if (withBias) {
      real = real + (double) bias;
    }
    return doubleRoute(real, outScale, zeroPoint, -128, 127);
  }
}
