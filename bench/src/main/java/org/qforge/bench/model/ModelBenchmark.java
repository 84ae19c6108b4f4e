package org.qforge.bench.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Tensor;

/**
 * One model, one engine, batch 1, one thread: the time of one {@code run} on the first test
 * sample. {@code bench/run} sets the parameters; this class can also be run with JMH directly:
 * {@code java -jar bench/target/benchmarks.jar ModelBenchmark -p modelDir=... -p engine=...}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ModelBenchmark {
  @Param("../shared/reference/digits_mlp")
  public String modelDir;

  @Param("qforge-interpreter-fp32")
  public String engine;

  private Engine e;
  private float[] input;
  private float[] output;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path dir = Path.of(modelDir);
    Path work = Files.createTempDirectory("qforge-bench");
    e = Engines.open(engine, dir, work);
    int[] in = Engines.inputShape(dir);
    int[] out = Engines.outputShape(dir);
    Tensor x = Npy.read(dir.resolve("test_inputs.npy"));
    input = new float[product(in)];
    System.arraycopy(x.floats(), 0, input, 0, input.length);
    output = new float[product(out)];
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    e.close();
  }

  @Benchmark
  public float[] run() throws Exception {
    e.run(input, output);
    return output;
  }

  static int product(int[] dims) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
