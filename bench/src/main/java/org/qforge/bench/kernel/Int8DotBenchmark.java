package org.qforge.bench.kernel;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.qforge.codegen.runtime.Int8VectorKernels;
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
 * The study behind issue 7's integer linear kernel: one batch-1 int8 layer, {@code out[o] = Σ_k (x[k]
 * - x_zp) · w[o, k]} with K = O = 1024 (mlp_784_1024's middle layer), written the ways a generated
 * kernel could be. Every variant returns the same {@code int[]} (checked in {@link #setUp}), so the
 * comparison is of loop shapes only:
 *
 * <ul>
 *   <li>{@code scalarDot}: today's generated loop, a byte·byte reduction per output row;
 *   <li>{@code scalarDot4}: four output rows per pass, sharing each input load;
 *   <li>{@code scalarAxpy4}: weights packed transposed [K, O], four input elements per pass added into
 *       an int row of accumulators;
 *   <li>{@code vectorDot256} / {@code vectorDot512}: the Vector API, 16 / 32 bytes of a weight row
 *       widened to shorts, multiplied by the centred input (|product| ≤ 255 · 128 fits a short), widened
 *       to ints and accumulated;
 *   <li>{@code vectorDot256x4} / {@code vectorDot512x4}: the same with four output rows per pass,
 *       sharing each input load;
 *   <li>{@code runtimeDotRows}: the kernel the jars run ({@code Int8VectorKernels.dotRows}: eight rows,
 *       16 bytes of each widened to ints, int multiply-add), on the input centred into ints;
 *       {@code runtimeDotRowsFromL3}: the same over four copies of the weights in turn (4 MiB, more
 *       than this machine's 1 MiB L2, as mlp_784_1024's 1.8 MiB of weights are at run time);
 *       {@code runtimeDotRowsPackedFromL3}: {@code Int8VectorKernels.dotRowsPacked}, what the jars run
 *       now, on the same copies stored in blocks of eight rows interleaved in chunks of 16 inputs;
 *   <li>{@code pairSums512x4}: fewer widenings — int16 products of the raw int8 input (|w·x| ≤ 127·128),
 *       two summed in int16 (≤ 32,512), each pair of such sums read as one int lane; XOR 0x80008000 makes
 *       both 16-bit halves non-negative, so Σ lanes and Σ (lane >>> 16) give both halves' sums exactly
 *       (2 widenings per 64 multiply-adds instead of 4); the zero point is taken off as x_zp · Σ_k w[o, k].
 * </ul>
 *
 * <p>A bound, not a variant (its sums are not the product): {@code boundWidenAddOnly} is
 * {@code runtimeDotRows} without the multiply — if it takes as long, the multiply is not what limits it.
 *
 * <p>The vector code is written out in each method with constant species, as generated code would
 * be: factored into a helper that takes the species as a parameter, C2 stops intrinsifying it when
 * the helper is compiled on its own and the variant runs 30–70× slower (boxed vectors).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar Int8DotBenchmark}. Results and what they mean
 * for codegen are in {@code bench/README.md}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class Int8DotBenchmark {
  private static final int K = 1024;
  private static final int O = 1024;
  private static final int X_ZERO_POINT = -128;
  private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
  private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
  private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
  private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
  private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
  private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;

  private final byte[] x = new byte[K];
  private final short[] centred = new short[K];
  private final byte[] w = new byte[O * K];
  private final byte[] wTransposed = new byte[K * O];
  private final int[] out = new int[O];
  private final int[] centredInts = new int[K];
  private final short[] rawShorts = new short[K];
  private final int[] weightRowSums = new int[O];
  private final byte[][] weightCopies = new byte[4][];
  private final byte[][] packedCopies = new byte[4][];
  private int copy;

  @Setup
  public void setUp() {
    Random random = new Random(7);
    random.nextBytes(x);
    random.nextBytes(w);
    for (int i = 0; i < w.length; i++) {
      // Symmetric int8 weights, as the XNNPACK config quantizes them (the pair-sum kernels need it).
      w[i] = (byte) Math.max(w[i], -127);
    }
    for (int o = 0; o < O; o++) {
      for (int k = 0; k < K; k++) {
        wTransposed[k * O + o] = w[o * K + k];
      }
    }
    for (int k = 0; k < K; k++) {
      centredInts[k] = x[k] - X_ZERO_POINT;
      rawShorts[k] = x[k];
    }
    for (int o = 0; o < O; o++) {
      for (int k = 0; k < K; k++) {
        weightRowSums[o] += w[o * K + k];
      }
    }
    weightCopies[0] = w;
    for (int c = 1; c < weightCopies.length; c++) {
      weightCopies[c] = w.clone();
    }
    // The layout dotRowsPacked documents: element (o, k) at (o/8)·8K + (k/16)·128 + (o%8)·16 + k%16 (O = 1024
    // leaves no row-major rest).
    for (int c = 0; c < packedCopies.length; c++) {
      packedCopies[c] = new byte[O * K];
      for (int o = 0; o < O; o++) {
        for (int k = 0; k < K; k++) {
          packedCopies[c][(o / 8) * 8 * K + (k / 16) * 128 + (o % 8) * 16 + k % 16] = w[o * K + k];
        }
      }
    }
    int[] want = scalarDot().clone();
    for (int[] got : new int[][] {scalarDot4(), scalarAxpy4(), vectorDot256(), vectorDot512(), vectorDot256x4(),
        vectorDot512x4(), runtimeDotRows(), runtimeDotRowsFromL3(), runtimeDotRowsPackedFromL3(), pairSums512x4()}) {
      if (!java.util.Arrays.equals(want, got)) {
        throw new AssertionError("a variant disagrees with scalarDot");
      }
    }
  }

  @Benchmark
  public int[] scalarDot() {
    for (int o = 0; o < O; o++) {
      int row = o * K;
      int acc = 0;
      for (int k = 0; k < K; k++) {
        acc += (x[k] - X_ZERO_POINT) * w[row + k];
      }
      out[o] = acc;
    }
    return out;
  }

  @Benchmark
  public int[] scalarDot4() {
    for (int o = 0; o < O; o += 4) {
      int r0 = o * K;
      int r1 = r0 + K;
      int r2 = r1 + K;
      int r3 = r2 + K;
      int a0 = 0;
      int a1 = 0;
      int a2 = 0;
      int a3 = 0;
      for (int k = 0; k < K; k++) {
        int xk = x[k] - X_ZERO_POINT;
        a0 += xk * w[r0 + k];
        a1 += xk * w[r1 + k];
        a2 += xk * w[r2 + k];
        a3 += xk * w[r3 + k];
      }
      out[o] = a0;
      out[o + 1] = a1;
      out[o + 2] = a2;
      out[o + 3] = a3;
    }
    return out;
  }

  @Benchmark
  public int[] scalarAxpy4() {
    java.util.Arrays.fill(out, 0);
    for (int k = 0; k < K; k += 4) {
      int x0 = x[k] - X_ZERO_POINT;
      int x1 = x[k + 1] - X_ZERO_POINT;
      int x2 = x[k + 2] - X_ZERO_POINT;
      int x3 = x[k + 3] - X_ZERO_POINT;
      int r0 = k * O;
      int r1 = r0 + O;
      int r2 = r1 + O;
      int r3 = r2 + O;
      for (int o = 0; o < O; o++) {
        out[o] += x0 * wTransposed[r0 + o] + x1 * wTransposed[r1 + o] + x2 * wTransposed[r2 + o]
            + x3 * wTransposed[r3 + o];
      }
    }
    return out;
  }

  private void centreInput() {
    for (int k = 0; k < K; k++) {
      centred[k] = (short) (x[k] - X_ZERO_POINT);
    }
  }

  @Benchmark
  public int[] vectorDot256() {
    centreInput();
    for (int o = 0; o < O; o++) {
      int row = o * K;
      IntVector acc = IntVector.zero(I256);
      for (int k = 0; k < K; k += S256.length()) {
        ShortVector p = ShortVector.fromArray(S256, centred, k).mul((ShortVector) ByteVector.fromArray(B128, w, row + k).convertShape(VectorOperators.B2S, S256, 0));
        acc = acc.add(p.convertShape(VectorOperators.S2I, I256, 0)).add(p.convertShape(VectorOperators.S2I, I256, 1));
      }
      out[o] = acc.reduceLanes(VectorOperators.ADD);
    }
    return out;
  }

  @Benchmark
  public int[] vectorDot512() {
    centreInput();
    for (int o = 0; o < O; o++) {
      int row = o * K;
      IntVector acc = IntVector.zero(I512);
      for (int k = 0; k < K; k += S512.length()) {
        ShortVector p = ShortVector.fromArray(S512, centred, k).mul((ShortVector) ByteVector.fromArray(B256, w, row + k).convertShape(VectorOperators.B2S, S512, 0));
        acc = acc.add(p.convertShape(VectorOperators.S2I, I512, 0)).add(p.convertShape(VectorOperators.S2I, I512, 1));
      }
      out[o] = acc.reduceLanes(VectorOperators.ADD);
    }
    return out;
  }

  @Benchmark
  public int[] vectorDot256x4() {
    centreInput();
    for (int o = 0; o < O; o += 4) {
      int r0 = o * K;
      int r1 = r0 + K;
      int r2 = r1 + K;
      int r3 = r2 + K;
      IntVector a0 = IntVector.zero(I256);
      IntVector a1 = IntVector.zero(I256);
      IntVector a2 = IntVector.zero(I256);
      IntVector a3 = IntVector.zero(I256);
      for (int k = 0; k < K; k += S256.length()) {
        ShortVector xv = ShortVector.fromArray(S256, centred, k);
        ShortVector p0 = xv.mul((ShortVector) ByteVector.fromArray(B128, w, r0 + k).convertShape(VectorOperators.B2S, S256, 0));
        ShortVector p1 = xv.mul((ShortVector) ByteVector.fromArray(B128, w, r1 + k).convertShape(VectorOperators.B2S, S256, 0));
        ShortVector p2 = xv.mul((ShortVector) ByteVector.fromArray(B128, w, r2 + k).convertShape(VectorOperators.B2S, S256, 0));
        ShortVector p3 = xv.mul((ShortVector) ByteVector.fromArray(B128, w, r3 + k).convertShape(VectorOperators.B2S, S256, 0));
        a0 = a0.add(p0.convertShape(VectorOperators.S2I, I256, 0)).add(p0.convertShape(VectorOperators.S2I, I256, 1));
        a1 = a1.add(p1.convertShape(VectorOperators.S2I, I256, 0)).add(p1.convertShape(VectorOperators.S2I, I256, 1));
        a2 = a2.add(p2.convertShape(VectorOperators.S2I, I256, 0)).add(p2.convertShape(VectorOperators.S2I, I256, 1));
        a3 = a3.add(p3.convertShape(VectorOperators.S2I, I256, 0)).add(p3.convertShape(VectorOperators.S2I, I256, 1));
      }
      out[o] = a0.reduceLanes(VectorOperators.ADD);
      out[o + 1] = a1.reduceLanes(VectorOperators.ADD);
      out[o + 2] = a2.reduceLanes(VectorOperators.ADD);
      out[o + 3] = a3.reduceLanes(VectorOperators.ADD);
    }
    return out;
  }

  @Benchmark
  public int[] vectorDot512x4() {
    centreInput();
    for (int o = 0; o < O; o += 4) {
      int r0 = o * K;
      int r1 = r0 + K;
      int r2 = r1 + K;
      int r3 = r2 + K;
      IntVector a0 = IntVector.zero(I512);
      IntVector a1 = IntVector.zero(I512);
      IntVector a2 = IntVector.zero(I512);
      IntVector a3 = IntVector.zero(I512);
      for (int k = 0; k < K; k += S512.length()) {
        ShortVector xv = ShortVector.fromArray(S512, centred, k);
        ShortVector p0 = xv.mul((ShortVector) ByteVector.fromArray(B256, w, r0 + k).convertShape(VectorOperators.B2S, S512, 0));
        ShortVector p1 = xv.mul((ShortVector) ByteVector.fromArray(B256, w, r1 + k).convertShape(VectorOperators.B2S, S512, 0));
        ShortVector p2 = xv.mul((ShortVector) ByteVector.fromArray(B256, w, r2 + k).convertShape(VectorOperators.B2S, S512, 0));
        ShortVector p3 = xv.mul((ShortVector) ByteVector.fromArray(B256, w, r3 + k).convertShape(VectorOperators.B2S, S512, 0));
        a0 = a0.add(p0.convertShape(VectorOperators.S2I, I512, 0)).add(p0.convertShape(VectorOperators.S2I, I512, 1));
        a1 = a1.add(p1.convertShape(VectorOperators.S2I, I512, 0)).add(p1.convertShape(VectorOperators.S2I, I512, 1));
        a2 = a2.add(p2.convertShape(VectorOperators.S2I, I512, 0)).add(p2.convertShape(VectorOperators.S2I, I512, 1));
        a3 = a3.add(p3.convertShape(VectorOperators.S2I, I512, 0)).add(p3.convertShape(VectorOperators.S2I, I512, 1));
      }
      out[o] = a0.reduceLanes(VectorOperators.ADD);
      out[o + 1] = a1.reduceLanes(VectorOperators.ADD);
      out[o + 2] = a2.reduceLanes(VectorOperators.ADD);
      out[o + 3] = a3.reduceLanes(VectorOperators.ADD);
    }
    return out;
  }

  @Benchmark
  public int[] runtimeDotRows() {
    Int8VectorKernels.dotRows(w, centredInts, out, 0, 0, 0, O, K);
    return out;
  }

  @Benchmark
  public int[] runtimeDotRowsFromL3() {
    copy = (copy + 1) % weightCopies.length;
    Int8VectorKernels.dotRows(weightCopies[copy], centredInts, out, 0, 0, 0, O, K);
    return out;
  }

  @Benchmark
  public int[] runtimeDotRowsPackedFromL3() {
    copy = (copy + 1) % packedCopies.length;
    Int8VectorKernels.dotRowsPacked(packedCopies[copy], centredInts, out, 0, 0, 0, O, K);
    return out;
  }

  @Benchmark
  public int[] pairSums512x4() {
    // Each 16-bit half of a lane carries 32,768 too after the XOR: 2 halves × 16 lanes × K/64 steps.
    int offsets = 2 * I512.length() * (K / 64) * 32_768;
    for (int o = 0; o < O; o += 4) {
      int r0 = o * K;
      int r1 = r0 + K;
      int r2 = r1 + K;
      int r3 = r2 + K;
      IntVector a0 = IntVector.zero(I512);
      IntVector a1 = IntVector.zero(I512);
      IntVector a2 = IntVector.zero(I512);
      IntVector a3 = IntVector.zero(I512);
      IntVector h0 = IntVector.zero(I512);
      IntVector h1 = IntVector.zero(I512);
      IntVector h2 = IntVector.zero(I512);
      IntVector h3 = IntVector.zero(I512);
      for (int k = 0; k < K; k += 64) {
        ShortVector x0 = ShortVector.fromArray(S512, rawShorts, k);
        ShortVector x1 = ShortVector.fromArray(S512, rawShorts, k + 32);
        IntVector l0 = widenedShorts(r0 + k).mul(x0).add(widenedShorts(r0 + k + 32).mul(x1)).reinterpretAsInts()
            .lanewise(VectorOperators.XOR, 0x80008000);
        IntVector l1 = widenedShorts(r1 + k).mul(x0).add(widenedShorts(r1 + k + 32).mul(x1)).reinterpretAsInts()
            .lanewise(VectorOperators.XOR, 0x80008000);
        IntVector l2 = widenedShorts(r2 + k).mul(x0).add(widenedShorts(r2 + k + 32).mul(x1)).reinterpretAsInts()
            .lanewise(VectorOperators.XOR, 0x80008000);
        IntVector l3 = widenedShorts(r3 + k).mul(x0).add(widenedShorts(r3 + k + 32).mul(x1)).reinterpretAsInts()
            .lanewise(VectorOperators.XOR, 0x80008000);
        a0 = a0.add(l0);
        h0 = h0.add(l0.lanewise(VectorOperators.LSHR, 16));
        a1 = a1.add(l1);
        h1 = h1.add(l1.lanewise(VectorOperators.LSHR, 16));
        a2 = a2.add(l2);
        h2 = h2.add(l2.lanewise(VectorOperators.LSHR, 16));
        a3 = a3.add(l3);
        h3 = h3.add(l3.lanewise(VectorOperators.LSHR, 16));
      }
      // Σ low halves = Σ lanes − 65536 · Σ high halves (mod 2^32, exact as the true sum fits an int).
      out[o] = a0.reduceLanes(VectorOperators.ADD) - 65_535 * h0.reduceLanes(VectorOperators.ADD) - offsets
          - X_ZERO_POINT * weightRowSums[o];
      out[o + 1] = a1.reduceLanes(VectorOperators.ADD) - 65_535 * h1.reduceLanes(VectorOperators.ADD) - offsets
          - X_ZERO_POINT * weightRowSums[o + 1];
      out[o + 2] = a2.reduceLanes(VectorOperators.ADD) - 65_535 * h2.reduceLanes(VectorOperators.ADD) - offsets
          - X_ZERO_POINT * weightRowSums[o + 2];
      out[o + 3] = a3.reduceLanes(VectorOperators.ADD) - 65_535 * h3.reduceLanes(VectorOperators.ADD) - offsets
          - X_ZERO_POINT * weightRowSums[o + 3];
    }
    return out;
  }

  private ShortVector widenedShorts(int at) {
    return (ShortVector) ByteVector.fromArray(B256, w, at).convertShape(VectorOperators.B2S, S512, 0);
  }

  @Benchmark
  public int[] boundWidenAddOnly() {
    for (int o = 0; o < O; o += 8) {
      int r = o * K;
      IntVector a0 = IntVector.zero(I512);
      IntVector a1 = IntVector.zero(I512);
      IntVector a2 = IntVector.zero(I512);
      IntVector a3 = IntVector.zero(I512);
      IntVector a4 = IntVector.zero(I512);
      IntVector a5 = IntVector.zero(I512);
      IntVector a6 = IntVector.zero(I512);
      IntVector a7 = IntVector.zero(I512);
      for (int k = 0; k < K; k += 16) {
        IntVector xv = IntVector.fromArray(I512, centredInts, k);
        a0 = a0.add(xv.add(widenedInts(r + k)));
        a1 = a1.add(xv.add(widenedInts(r + K + k)));
        a2 = a2.add(xv.add(widenedInts(r + 2 * K + k)));
        a3 = a3.add(xv.add(widenedInts(r + 3 * K + k)));
        a4 = a4.add(xv.add(widenedInts(r + 4 * K + k)));
        a5 = a5.add(xv.add(widenedInts(r + 5 * K + k)));
        a6 = a6.add(xv.add(widenedInts(r + 6 * K + k)));
        a7 = a7.add(xv.add(widenedInts(r + 7 * K + k)));
      }
      out[o] = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }
    return out;
  }

  private IntVector widenedInts(int at) {
    return (IntVector) ByteVector.fromArray(B128, w, at).convertShape(VectorOperators.B2I, I512, 0);
  }
}
