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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.qforge.codegen.runtime.Int8VectorKernels;

/**
 * One of resnet20_cifar's 3×3 stride-1 layers (C → C channels on an H × H input, padding 1, int8 in and
 * out) on the runtime kernels the jars call, the two ways the compiler can lay it out:
 *
 * <ul>
 *   <li>{@code rowForm}: the row form as before step 27 — the input's rows widened into a padded float
 *       block, the weights widened, {@code convTaps} over C·9 taps and H rows of H + 2 positions, then
 *       {@code requantize};
 *   <li>{@code winogradRows}: F(2,3) along the height (steps 27–28) — {@code winogradWeights}, {@code
 *       winogradInput} straight from the bytes, four {@code convTaps} over C·3 taps and H/2 rows, then
 *       {@code requantizeWinograd};
 *   <li>{@code winogradColumns}: F(2,3) along the width (step 30) — {@code winogradWeights} on weights
 *       stored by kernel column, {@code winogradColumnsInput}, four {@code convTaps} over C·3 taps and H
 *       rows of H/2 pairs, then {@code requantizeWinogradColumns}.
 * </ul>
 *
 * All three write the same bytes (checked in {@link #setUp}). Run: {@code java -jar bench/target/benchmarks.jar
 * WinogradRowsBenchmark}; results in bench/README.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class WinogradRowsBenchmark {
  /** Channels and height: resnet20's three stages. */
  @Param({"16x32", "32x16", "64x8"})
  public String layer;

  private static final int SLACK = 64;
  private static final float ZERO_POINT = -3;

  private int c;
  private int h;
  private int pw;
  private byte[] x;
  private byte[] w;
  private byte[] rows;
  private float[] scales;
  private float[] bias;
  private int[] starts;
  private byte[] out;

  // The row form: padded input, sums, widened weights in one float array; the table of taps.
  private float[] direct;
  private int[] directTable;
  private int len;
  private int sumsAt;
  private int weightsAt;

  // F(2,3): transformed weights, transformed input blocks, sums.
  private float[] transformed;
  private int[] rowTable;
  private int pairs;
  private int plane;
  private int rowLen;
  private int block;
  private int inputAt;
  private int wSums;

  // F(2,3) along the width: the same arrays' roles, planes of H + 2 rows of H/2 pairs.
  private byte[] columns;
  private float[] transformedColumns;
  private int[] columnTable;
  private int half;
  private int columnPlane;
  private int columnLen;
  private int columnBlock;
  private int columnSums;

  @Setup
  public void setUp() {
    String[] parts = layer.split("x");
    c = Integer.parseInt(parts[0]);
    h = Integer.parseInt(parts[1]);
    pw = h + 2;
    Random random = new Random(7);
    x = new byte[c * h * h];
    random.nextBytes(x);
    w = new byte[c * c * 9];
    for (int i = 0; i < w.length; i++) {
      w[i] = (byte) Math.max(-127, Math.min(127, Math.round(random.nextGaussian() * 25)));
    }
    scales = new float[c];
    bias = new float[c];
    starts = new int[c];
    for (int o = 0; o < c; o++) {
      scales[o] = 0.001f * (1 + random.nextFloat());
      bias[o] = random.nextFloat();
      int sum = 0;
      for (int t = 0; t < c * 9; t++) {
        sum += w[o * c * 9 + t];
      }
      starts[o] = (int) (-ZERO_POINT * sum);
    }
    out = new byte[c * h * h];

    int paddedElements = c * pw * pw;
    len = (h * pw + 15) / 16 * 16;
    sumsAt = paddedElements + SLACK;
    weightsAt = sumsAt + c * len;
    direct = new float[weightsAt + c * c * 9];
    Arrays.fill(direct, 0, paddedElements, ZERO_POINT);
    directTable = new int[c * 9];
    for (int t = 0; t < c * 9; t++) {
      directTable[t] = (t / 9) * pw * pw + (t % 9 / 3) * pw + t % 3;
    }

    int n = c * c * 3;
    rows = relaid(false);
    pairs = h / 2;
    plane = pairs * pw;
    rowLen = (plane + 15) / 16 * 16;
    block = c * plane + rowLen + 2 + SLACK;
    inputAt = 4 * n;
    wSums = inputAt + 4 * block;
    transformed = new float[wSums + 4 * c * rowLen + SLACK];
    rowTable = new int[c * 3];
    for (int t = 0; t < c * 3; t++) {
      rowTable[t] = (t / 3) * plane + t % 3;
    }

    columns = relaid(true);
    half = h / 2;
    columnPlane = (h + 2) * half;
    columnLen = (h * half + 15) / 16 * 16;
    columnBlock = c * columnPlane + columnLen + 32 + SLACK;
    columnSums = inputAt + 4 * columnBlock;
    transformedColumns = new float[columnSums + 4 * c * columnLen + SLACK];
    columnTable = new int[c * 3];
    for (int t = 0; t < c * 3; t++) {
      columnTable[t] = (t / 3) * columnPlane + (t % 3) * half;
    }

    byte[] want = rowForm().clone();
    if (!Arrays.equals(want, winogradRows())) {
      throw new AssertionError("F(2,3) along the height disagrees with the row form");
    }
    if (!Arrays.equals(want, winogradColumns())) {
      throw new AssertionError("F(2,3) along the width disagrees with the row form");
    }
  }

  /**
   * The weights as the F(2,3) forms store them: three blocks, one per kernel row ([kH][O][C][kW]), or
   * with {@code byColumn} one per kernel column ([kW][O][C][kH]).
   */
  private byte[] relaid(boolean byColumn) {
    int n = c * c * 3;
    byte[] relaid = new byte[w.length];
    for (int o = 0; o < c; o++) {
      for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < 3; ky++) {
          for (int kx = 0; kx < 3; kx++) {
            int at = byColumn ? kx * n + (o * c + ci) * 3 + ky : ky * n + (o * c + ci) * 3 + kx;
            relaid[at] = w[((o * c + ci) * 3 + ky) * 3 + kx];
          }
        }
      }
    }
    return relaid;
  }

  @Benchmark
  public byte[] rowForm() {
    for (int ci = 0; ci < c; ci++) {
      for (int y = 0; y < h; y++) {
        Int8VectorKernels.widen(x, direct, (ci * h + y) * h, ci * pw * pw + (y + 1) * pw + 1, h);
      }
    }
    Int8VectorKernels.widen(w, direct, 0, weightsAt, c * c * 9);
    Int8VectorKernels.convTaps(direct, direct, directTable, direct, weightsAt, 0, sumsAt, 0, c, c * 9, len);
    Int8VectorKernels.requantize(direct, scales, bias, out, starts, sumsAt, len, pw, 0, c, h, h, 0, 0, 0, 0.02,
        0.05, -3, -128, 127);
    return out;
  }

  @Benchmark
  public byte[] winogradRows() {
    int n = c * c * 3;
    Int8VectorKernels.winogradWeights(rows, transformed, 0, 0, n);
    Int8VectorKernels.winogradInput(x, transformed, 0, inputAt, c, h, h, 1, 1, pw, pairs, plane, block, ZERO_POINT);
    for (int i = 0; i < 4; i++) {
      Int8VectorKernels.convTaps(transformed, transformed, rowTable, transformed, i * n, inputAt + i * block,
          wSums + i * c * rowLen, 0, c, c * 3, rowLen);
    }
    Int8VectorKernels.requantizeWinograd(transformed, scales, bias, out, starts, wSums, c * rowLen, rowLen, pw, 0, c,
        pairs, h, 0, 0, 0, 0.02, 0.05, -3, -128, 127);
    return out;
  }

  @Benchmark
  public byte[] winogradColumns() {
    int n = c * c * 3;
    float[] t = transformedColumns;
    Int8VectorKernels.winogradWeights(columns, t, 0, 0, n);
    Int8VectorKernels.winogradColumnsInput(x, t, 0, inputAt, c, h, 1, half, h + 2, columnBlock, ZERO_POINT);
    for (int i = 0; i < 4; i++) {
      Int8VectorKernels.convTaps(t, t, columnTable, t, i * n, inputAt + i * columnBlock, columnSums + i * c * columnLen,
          0, c, c * 3, columnLen);
    }
    Int8VectorKernels.requantizeWinogradColumns(t, scales, bias, out, starts, columnSums, c * columnLen, columnLen, 0,
        c, h * half, 0, 0, 0, 0.02, 0.05, -3, -128, 127);
    return out;
  }
}
