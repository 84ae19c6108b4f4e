package org.qforge.bench.kernel;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This machine's peak for the instructions the generated int8 kernels make C2 emit: the inner loop
 * of {@code Int8VectorKernels.convTaps} is a broadcast weight times a vector of ints added into an
 * int accumulator ({@code vpmulld} + {@code vpaddd} on the preferred species). Here the same
 * operations run on registers only, eight independent chains {@code a = a·w + x} ({@code a + x·w}
 * would let C2 hoist the loop-invariant product), no loads. Not a ceiling for the int line, it turned
 * out: each chain waits on its multiply, and the conv tile itself, with 16 accumulators whose
 * multiplies do not depend on them, runs faster than this (100 against 96 GMAC/s, {@code
 * ConvTileBenchmark}). The fp32 FMA line is
 * the same for {@code FloatVector.fma}, the instruction ONNX Runtime's fp32 GEMM lives on.
 *
 * <p>Each invocation does {@link #STEPS} × 8 vector operations; GMAC/s = {@link #STEPS} × 8 × lanes
 * / time. Run: {@code java -jar bench/target/benchmarks.jar VectorPeakBenchmark}; results in
 * {@code bench/README.md}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class VectorPeakBenchmark {
  /** Vector operations per accumulator and invocation. */
  public static final int STEPS = 100_000;
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  private int weight = 3;
  private float floatWeight = 1.0000001f;

  @Benchmark
  public int intMulAdd() {
    IntVector x = IntVector.broadcast(INTS, 7).addIndex(1);
    IntVector a0 = IntVector.zero(INTS);
    IntVector a1 = IntVector.zero(INTS);
    IntVector a2 = IntVector.zero(INTS);
    IntVector a3 = IntVector.zero(INTS);
    IntVector a4 = IntVector.zero(INTS);
    IntVector a5 = IntVector.zero(INTS);
    IntVector a6 = IntVector.zero(INTS);
    IntVector a7 = IntVector.zero(INTS);
    int w = weight;
    for (int s = 0; s < STEPS; s++) {
      a0 = a0.mul(w).add(x);
      a1 = a1.mul(w + 1).add(x);
      a2 = a2.mul(w + 2).add(x);
      a3 = a3.mul(w + 3).add(x);
      a4 = a4.mul(w + 4).add(x);
      a5 = a5.mul(w + 5).add(x);
      a6 = a6.mul(w + 6).add(x);
      a7 = a7.mul(w + 7).add(x);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
  }

  @Benchmark
  public float floatFma() {
    FloatVector x = FloatVector.broadcast(FLOATS, 0.5f);
    FloatVector a0 = FloatVector.zero(FLOATS);
    FloatVector a1 = FloatVector.zero(FLOATS);
    FloatVector a2 = FloatVector.zero(FLOATS);
    FloatVector a3 = FloatVector.zero(FLOATS);
    FloatVector a4 = FloatVector.zero(FLOATS);
    FloatVector a5 = FloatVector.zero(FLOATS);
    FloatVector a6 = FloatVector.zero(FLOATS);
    FloatVector a7 = FloatVector.zero(FLOATS);
    FloatVector w = FloatVector.broadcast(FLOATS, floatWeight);
    for (int s = 0; s < STEPS; s++) {
      a0 = x.fma(w, a0);
      a1 = x.fma(w, a1);
      a2 = x.fma(w, a2);
      a3 = x.fma(w, a3);
      a4 = x.fma(w, a4);
      a5 = x.fma(w, a5);
      a6 = x.fma(w, a6);
      a7 = x.fma(w, a7);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
  }
}
