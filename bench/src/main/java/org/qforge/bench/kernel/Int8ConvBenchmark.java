package org.qforge.bench.kernel;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The study behind issue 7's integer conv kernel: resnet20_cifar's commonest layer, a 3×3 convolution
 * 16 → 16 channels on 32×32 with padding 1 (2.36 M multiply-adds), i8 input with zero point −128 and
 * i8 weights, computing the exact int accumulators. Every variant returns the same {@code int[]}
 * (checked in {@link #setUp}):
 *
 * <ul>
 *   <li>{@code direct}: the loop codegen emits today — per output pixel, a sum over (ci, ky, kx) with
 *       bounds tests for the padding;
 *   <li>{@code rows}: the input widened to int, centred and zero-padded once into a [C, 34, 34]
 *       scratch (centred padding is 0, so no bounds tests), then for each weight one long loop
 *       {@code acc[p] += w · xi[base + p]} over the 32 × 34 output positions (2 columns per row are
 *       computed and dropped) — int × int with a scalar weight, a shape C2 can vectorize;
 *   <li>{@code rows9}: the same, the nine taps of one input channel summed in one pass over {@code acc}.
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar Int8ConvBenchmark}; results in {@code bench/README.md}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Int8ConvBenchmark {
  private static final int CI = 16;
  private static final int CO = 16;
  private static final int H = 32;
  private static final int W = 32;
  private static final int PADDED_W = W + 2;
  private static final int PADDED_H = H + 2;
  private static final int X_ZERO_POINT = -128;

  private final byte[] x = new byte[CI * H * W];
  private final byte[] w = new byte[CO * CI * 9];
  private final int[] padded = new int[CI * PADDED_H * PADDED_W + 2];
  private final int[] acc = new int[H * PADDED_W];
  private final int[] out = new int[CO * H * W];

  @Setup
  public void setUp() {
    Random random = new Random(7);
    random.nextBytes(x);
    random.nextBytes(w);
    int[] want = direct().clone();
    if (!Arrays.equals(want, rows()) || !Arrays.equals(want, rows9())) {
      throw new AssertionError("a variant disagrees with direct");
    }
  }

  @Benchmark
  public int[] direct() {
    for (int o = 0; o < CO; o++) {
      for (int oy = 0; oy < H; oy++) {
        for (int ox = 0; ox < W; ox++) {
          int a = 0;
          for (int ci = 0; ci < CI; ci++) {
            for (int ky = 0; ky < 3; ky++) {
              int iy = oy - 1 + ky;
              if (iy >= 0 && iy < H) {
                for (int kx = 0; kx < 3; kx++) {
                  int ix = ox - 1 + kx;
                  if (ix >= 0 && ix < W) {
                    a += (x[(ci * H + iy) * W + ix] - X_ZERO_POINT) * w[((o * CI + ci) * 3 + ky) * 3 + kx];
                  }
                }
              }
            }
          }
          out[(o * H + oy) * W + ox] = a;
        }
      }
    }
    return out;
  }

  private void widenCentreAndPad() {
    for (int ci = 0; ci < CI; ci++) {
      for (int iy = 0; iy < H; iy++) {
        int src = (ci * H + iy) * W;
        int dst = (ci * PADDED_H + iy + 1) * PADDED_W + 1;
        for (int ix = 0; ix < W; ix++) {
          padded[dst + ix] = x[src + ix] - X_ZERO_POINT;
        }
      }
    }
  }

  private void dropPaddingColumns(int o) {
    for (int oy = 0; oy < H; oy++) {
      System.arraycopy(acc, oy * PADDED_W, out, (o * H + oy) * W, W);
    }
  }

  @Benchmark
  public int[] rows() {
    widenCentreAndPad();
    for (int o = 0; o < CO; o++) {
      Arrays.fill(acc, 0);
      for (int ci = 0; ci < CI; ci++) {
        for (int ky = 0; ky < 3; ky++) {
          for (int kx = 0; kx < 3; kx++) {
            int wv = w[((o * CI + ci) * 3 + ky) * 3 + kx];
            int base = (ci * PADDED_H + ky) * PADDED_W + kx;
            for (int p = 0; p < H * PADDED_W; p++) {
              acc[p] += wv * padded[base + p];
            }
          }
        }
      }
      dropPaddingColumns(o);
    }
    return out;
  }

  @Benchmark
  public int[] rows9() {
    widenCentreAndPad();
    for (int o = 0; o < CO; o++) {
      Arrays.fill(acc, 0);
      for (int ci = 0; ci < CI; ci++) {
        int wb = (o * CI + ci) * 9;
        int w0 = w[wb];
        int w1 = w[wb + 1];
        int w2 = w[wb + 2];
        int w3 = w[wb + 3];
        int w4 = w[wb + 4];
        int w5 = w[wb + 5];
        int w6 = w[wb + 6];
        int w7 = w[wb + 7];
        int w8 = w[wb + 8];
        int b0 = ci * PADDED_H * PADDED_W;
        int b1 = b0 + PADDED_W;
        int b2 = b1 + PADDED_W;
        for (int p = 0; p < H * PADDED_W; p++) {
          acc[p] += w0 * padded[b0 + p] + w1 * padded[b0 + p + 1] + w2 * padded[b0 + p + 2]
              + w3 * padded[b1 + p] + w4 * padded[b1 + p + 1] + w5 * padded[b1 + p + 2]
              + w6 * padded[b2 + p] + w7 * padded[b2 + p + 1] + w8 * padded[b2 + p + 2];
        }
      }
      dropPaddingColumns(o);
    }
    return out;
  }
}
