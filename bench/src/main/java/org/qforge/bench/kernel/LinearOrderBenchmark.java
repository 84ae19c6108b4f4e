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
 * The two stored orders of a batch-1 linear layer's int8 weight that the jars choose between
 * ({@code IntegerLinearKernel.WeightOrder}), on the runtime kernels themselves, by the layer's shape
 * (outputs × inputs): digits_mlp's 128 × 64 and 64 × 128, then larger ones up to mlp_784_1024's 1,024 ×
 * 1,024.
 *
 * <ul>
 *   <li>{@code packedRows}: {@code Int8VectorKernels.dotRowsPacked}, blocks of eight rows interleaved in
 *       chunks of 16 inputs, each row's vector of sums reduced across its lanes at the end;
 *   <li>{@code columns}: {@code Int8VectorKernels.dotColumns}, the weight input-major in panels of 128
 *       rows, the outputs in the lanes, each input broadcast once, no reduction.
 * </ul>
 *
 * <p>Both return the same sums (checked in {@link #setUp}). Run: {@code java -jar
 * bench/target/benchmarks.jar LinearOrderBenchmark}; results in {@code bench/README.md} (step 44).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class LinearOrderBenchmark {
  /** Outputs x inputs. */
  @Param({"128x64", "64x128", "256x256", "256x512", "512x512", "1024x784", "1024x1024"})
  public String shape;

  private int rows;
  private int depth;
  private byte[] packed;
  private byte[] columns;
  private int[] x;
  private int[] sums;

  @Setup
  public void setUp() {
    String[] dims = shape.split("x");
    rows = Integer.parseInt(dims[0]);
    depth = Integer.parseInt(dims[1]);
    Random random = new Random(44);
    byte[] w = new byte[rows * depth];
    random.nextBytes(w);
    packed = new byte[w.length];
    columns = new byte[w.length];
    for (int o = 0; o < rows; o++) {
      for (int k = 0; k < depth; k++) {
        // The shapes here are whole blocks of eight rows and chunks of 16 inputs: no row-major rest.
        packed[(o / 8) * 8 * depth + (k / 16) * 128 + (o % 8) * 16 + k % 16] = w[o * depth + k];
        // Panels of 128 rows, each input-major; the shapes here are whole panels or one narrower one.
        int start = o / 128 * 128;
        columns[start * depth + k * Math.min(128, rows - start) + o - start] = w[o * depth + k];
      }
    }
    x = new int[depth];
    for (int k = 0; k < depth; k++) {
      x[k] = random.nextInt(256);
    }
    sums = new int[rows];
    int[] fromRows = packedRows().clone();
    if (!Arrays.equals(fromRows, columns())) {
      throw new AssertionError("the two orders' sums differ for " + shape);
    }
  }

  @Benchmark
  public int[] packedRows() {
    Int8VectorKernels.dotRowsPacked(packed, x, sums, 0, 0, 0, rows, depth);
    return sums;
  }

  @Benchmark
  public int[] columns() {
    Int8VectorKernels.dotColumns(columns, x, sums, 0, 0, 0, rows, depth);
    return sums;
  }
}
