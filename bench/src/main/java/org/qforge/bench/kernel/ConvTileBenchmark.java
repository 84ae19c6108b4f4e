package org.qforge.bench.kernel;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
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
import org.qforge.codegen.runtime.Int8VectorKernels;

/**
 * The conv tile's weights as bytes or as ints. resnet20_cifar's 16 → 16 3×3 layer in the row form the
 * jars use (taps = 144, 32 rows of the 34-wide padded input = 1,088 positions, 2.5 M multiply-adds):
 *
 * <ul>
 *   <li>{@code byteWeights}: the eight-channel × two-vector tile as it was, each tap's eight weights
 *       read from the int8 weight array ({@code movsx}, then moved into a vector register to broadcast);
 *   <li>{@code runtimeIntWeights}: what the jars run now — {@code Int8VectorKernels.widen} the weights
 *       into ints, then {@code convTaps}, whose broadcasts read ints straight from memory.
 * </ul>
 *
 * Both give the same sums (checked in {@link #setUp}). Run: {@code java -jar bench/target/benchmarks.jar
 * ConvTileBenchmark}; results in bench/README.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ConvTileBenchmark {
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final int LANES = INTS.length();
  private static final int TAPS = 144;
  private static final int OUTS = 16;
  private static final int PADDED_W = 34;
  private static final int PLANE = PADDED_W * PADDED_W;
  private static final int LEN = 32 * PADDED_W;

  private final byte[] w = new byte[OUTS * TAPS];
  /** The tap table, then the padded input (16 planes of 34 × 34 and slack), then the widened weights. */
  private final int[] ints = new int[TAPS + 16 * PLANE + 2 * PADDED_W + OUTS * TAPS];
  private final int[] acc = new int[OUTS * LEN];
  private static final int TABLE = 0;
  private static final int INPUT = TAPS;
  private static final int WEIGHTS = TAPS + 16 * PLANE + 2 * PADDED_W;

  @Setup
  public void setUp() {
    Random random = new Random(7);
    for (int i = 0; i < w.length; i++) {
      w[i] = (byte) (random.nextInt(255) - 127);
    }
    for (int t = 0; t < TAPS; t++) {
      ints[TABLE + t] = (t / 9) * PLANE + (t % 9 / 3) * PADDED_W + t % 3;
    }
    for (int i = INPUT; i < WEIGHTS; i++) {
      ints[i] = random.nextInt(511) - 255;
    }
    int[] want = byteWeights().clone();
    if (!Arrays.equals(want, runtimeIntWeights())) {
      throw new AssertionError("int weights disagree with byte weights");
    }
  }

  @Benchmark
  public int[] byteWeights() {
    for (int o = 0; o < OUTS; o += 8) {
      byteTile(w, ints, acc, o * TAPS, INPUT, o * LEN, TABLE, TAPS, LEN, LEN);
    }
    return acc;
  }

  @Benchmark
  public int[] runtimeIntWeights() {
    Int8VectorKernels.widen(w, ints, 0, WEIGHTS, OUTS * TAPS);
    Int8VectorKernels.convTaps(ints, ints, acc, WEIGHTS, INPUT, 0, TABLE, OUTS, TAPS, LEN);
    return acc;
  }

  private static void byteTile(byte[] w, int[] in, int[] acc, int w0, int inOff, int out0, int tableOff,
      int taps, int len, int tiled) {
    for (int p = 0; p < tiled; p += 2 * LANES) {
      IntVector a00 = IntVector.zero(INTS);
      IntVector a01 = IntVector.zero(INTS);
      IntVector a10 = IntVector.zero(INTS);
      IntVector a11 = IntVector.zero(INTS);
      IntVector a20 = IntVector.zero(INTS);
      IntVector a21 = IntVector.zero(INTS);
      IntVector a30 = IntVector.zero(INTS);
      IntVector a31 = IntVector.zero(INTS);
      IntVector a40 = IntVector.zero(INTS);
      IntVector a41 = IntVector.zero(INTS);
      IntVector a50 = IntVector.zero(INTS);
      IntVector a51 = IntVector.zero(INTS);
      IntVector a60 = IntVector.zero(INTS);
      IntVector a61 = IntVector.zero(INTS);
      IntVector a70 = IntVector.zero(INTS);
      IntVector a71 = IntVector.zero(INTS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        int at = base + in[tableOff + t];
        IntVector x0 = IntVector.fromArray(INTS, in, at);
        IntVector x1 = IntVector.fromArray(INTS, in, at + LANES);
        int wt = w0 + t;
        int v0 = w[wt];
        int v1 = w[wt + taps];
        int v2 = w[wt + 2 * taps];
        int v3 = w[wt + 3 * taps];
        int v4 = w[wt + 4 * taps];
        int v5 = w[wt + 5 * taps];
        int v6 = w[wt + 6 * taps];
        int v7 = w[wt + 7 * taps];
        a00 = a00.add(x0.mul(v0));
        a01 = a01.add(x1.mul(v0));
        a10 = a10.add(x0.mul(v1));
        a11 = a11.add(x1.mul(v1));
        a20 = a20.add(x0.mul(v2));
        a21 = a21.add(x1.mul(v2));
        a30 = a30.add(x0.mul(v3));
        a31 = a31.add(x1.mul(v3));
        a40 = a40.add(x0.mul(v4));
        a41 = a41.add(x1.mul(v4));
        a50 = a50.add(x0.mul(v5));
        a51 = a51.add(x1.mul(v5));
        a60 = a60.add(x0.mul(v6));
        a61 = a61.add(x1.mul(v6));
        a70 = a70.add(x0.mul(v7));
        a71 = a71.add(x1.mul(v7));
      }
      int q = out0 + p;
      a00.intoArray(acc, q);
      a01.intoArray(acc, q + LANES);
      q += len;
      a10.intoArray(acc, q);
      a11.intoArray(acc, q + LANES);
      q += len;
      a20.intoArray(acc, q);
      a21.intoArray(acc, q + LANES);
      q += len;
      a30.intoArray(acc, q);
      a31.intoArray(acc, q + LANES);
      q += len;
      a40.intoArray(acc, q);
      a41.intoArray(acc, q + LANES);
      q += len;
      a50.intoArray(acc, q);
      a51.intoArray(acc, q + LANES);
      q += len;
      a60.intoArray(acc, q);
      a61.intoArray(acc, q + LANES);
      q += len;
      a70.intoArray(acc, q);
      a71.intoArray(acc, q + LANES);
    }
  }
}
