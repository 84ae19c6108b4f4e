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
    // Sums over ±2^20 around the output range (and far past it), starts and biases nonzero, for
    // channels drawn until 16 have near-ties; rows of 32 columns, two rows a channel plus a padded
    // row stride, so the run of whole vectors walks rows.
    SplittableRandom random = new SplittableRandom(47);
    int rows = 64;
    int cols = 32;
    int rowStride = 40;
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
      start[0] = random.nextInt(-50_000, 50_000);
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
      float slope = FloatRequantization.slope(m, outScale);
      float offset = FloatRequantization.offset(m, start[0], bias[0], outScale, zeroPoint);
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

  @Test
  void winogradRowRequantizationMatchesTheDoubleRoute() {
    // F(2,3)'s pairs of rows: m_0 … m_3 even integers chosen so that both outputs of a pair, (m_0 + m_1
    // + m_2)/2 and (m_1 − m_2 − m_3)/2, spread over the output range and past it; ties included
    // (outScale = 2·m for one channel makes every odd sum a tie).
    SplittableRandom random = new SplittableRandom(53);
    int channels = 24;
    int pairs = 8;
    int cols = 32;
    int width = 34;
    int len = pairs * width + 16;
    int block = channels * len;
    float[] m = new float[4 * block + 16];
    float[] scales = new float[channels];
    float[] bias = new float[channels];
    int[] start = new int[channels];
    double inScale = 0.03;
    double outScale = 0.05;
    double zeroPoint = -7;
    for (int o = 0; o < channels; o++) {
      scales[o] = o == 0 ? (float) (outScale / inScale / 2) : (float) (1e-4 + 5e-3 * random.nextDouble());
      bias[o] = o == 0 ? 0 : (float) (random.nextDouble() - 0.5);
      start[o] = o == 0 ? 0 : random.nextInt(-20_000, 20_000);
      double mul = inScale * (double) scales[o];
      double centre = (outScale * -zeroPoint - bias[o]) / mul - start[o];
      double spread = Math.min(1 << 20, 300 * outScale / mul);
      for (int i = 0; i < len; i++) {
        int at = o * len + i;
        m[at] = 2 * (float) Math.rint((centre + random.nextDouble(-1, 1) * spread) / 2);
        m[at + block] = 2 * (float) Math.rint(random.nextDouble(-1, 1) * spread / 4);
        m[at + 2 * block] = 2 * (float) Math.rint(random.nextDouble(-1, 1) * spread / 4);
        m[at + 3 * block] = 2 * (float) Math.rint(-centre / 2 + random.nextDouble(-1, 1) * spread / 4);
      }
    }
    byte[] want = new byte[channels * 2 * pairs * cols];
    int naiveWrong = 0;
    for (int o = 0; o < channels; o++) {
      double mul = inScale * (double) scales[o];
      float slope = FloatRequantization.slope(mul, outScale);
      float offset = FloatRequantization.offset(mul, start[o], bias[o], outScale, zeroPoint);
      for (int r = 0; r < pairs; r++) {
        for (int x = 0; x < cols; x++) {
          int at = o * len + r * width + x;
          float first = (m[at] + (m[at + block] + m[at + 2 * block])) * 0.5f;
          float second = (m[at + block] - m[at + 2 * block] - m[at + 3 * block]) * 0.5f;
          int q = (o * 2 * pairs + 2 * r) * cols + x;
          want[q] = doubleRoute(((double) first + start[o]) * mul + (double) bias[o], outScale, zeroPoint, -128, 127);
          want[q + cols] =
              doubleRoute(((double) second + start[o]) * mul + (double) bias[o], outScale, zeroPoint, -128, 127);
          naiveWrong += naiveFloatRoute(first, slope, offset, -128, 127) != want[q] ? 1 : 0;
          naiveWrong += naiveFloatRoute(second, slope, offset, -128, 127) != want[q + cols] ? 1 : 0;
        }
      }
    }
    assertTrue(naiveWrong > 0, "the data should have near-ties a margin-less float route rounds wrongly");
    byte[] out = new byte[want.length];
    Int8VectorKernels.requantizeWinograd(m, scales, bias, out, start, 0, block, len, width, 0, channels, pairs, cols,
        0, 0, 0, inScale, outScale, zeroPoint, -128, 127);
    for (int i = 0; i < out.length; i++) {
      assertEquals(want[i], out[i], "output " + i);
    }
  }
}
