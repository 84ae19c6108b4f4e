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
 * The two routes from a batch-1 linear layer's int sums to its int8 outputs, on the runtime kernels
 * themselves, by the number of output channels (digits_mlp's 128, mlp_784_1024's 1,024):
 *
 * <ul>
 *   <li>{@code doubles}: {@code Int8VectorKernels.requantizeChannels}, the interpreter's double
 *       operations (scalar lanes on JDK 17, double lanes on JDK 25), what linear layers ran before step 45;
 *   <li>{@code floats}: {@code Int8VectorKernels.requantizeChannelsInFloats}, what they run since:
 *       16 float lanes, each channel's slope and offset computed from its scale and bias.
 * </ul>
 *
 * <p>Sums, scales and biases like mlp_784_1024's first layer (outputs spread over the int8 range, a
 * ReLU's zero point); each gives the interpreter's bytes (checked in {@link #setUp}). Run: {@code java -jar
 * bench/target/benchmarks.jar LinearRequantizationBenchmark}; results in {@code bench/README.md} (step 45).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class LinearRequantizationBenchmark {
  private static final double IN_SCALE = (float) 0.02;
  private static final double OUT_SCALE = (float) 0.03;
  private static final double ZERO_POINT = -128;

  /** Output channels. */
  @Param({"128", "1024"})
  public int channels;

  /**
   * {@code doubles} or {@code floats}: one route a fork, so that its JVM runs no other route's vector
   * conversions (the shared Vector API methods' profiles would see them: bench/README.md, step 45).
   */
  @Param({"doubles", "floats"})
  public String route;

  private int[] acc;
  private float[] sums;
  private float[] scales;
  private float[] bias;
  private byte[] out;

  @Setup
  public void setUp() {
    Random random = new Random(45);
    acc = new int[channels];
    sums = new float[channels];
    scales = new float[channels];
    bias = new float[channels];
    for (int o = 0; o < channels; o++) {
      scales[o] = 0.0005f + random.nextFloat() * 0.001f;
      bias[o] = (float) random.nextGaussian() * 0.1f;
      // t = sum · m / s_out + β over about [−200, 200]: some outputs clamped at each end.
      double m = IN_SCALE * scales[o];
      acc[o] = (int) Math.rint(random.nextGaussian() * 100 * OUT_SCALE / m);
    }
    out = new byte[channels];
    // The interpreter's formula, in plain Java: calling the other route here would run its vector
    // conversions in this fork too, and the shared Vector API methods' profiles would see them.
    byte[] want = new byte[channels];
    for (int o = 0; o < channels; o++) {
      double real = (double) acc[o] * (IN_SCALE * (double) scales[o]) + (double) bias[o];
      want[o] = (byte) (int) Math.min(Math.max(Math.rint(real / OUT_SCALE) + ZERO_POINT, -128), 127);
    }
    if (!Arrays.equals(want, requantize())) {
      throw new AssertionError("the " + route + " route's bytes differ from the formula's for " + channels
          + " channels");
    }
  }

  @Benchmark
  public byte[] requantize() {
    if (route.equals("doubles")) {
      Int8VectorKernels.requantizeChannels(acc, scales, bias, out, 0, 0, channels, 0, 0, IN_SCALE, OUT_SCALE,
          ZERO_POINT, -128, 127);
    } else {
      Int8VectorKernels.requantizeChannelsInFloats(acc, sums, scales, bias, out, 0, 0, 0, channels, 0, 0, IN_SCALE,
          OUT_SCALE, ZERO_POINT, -128, 127);
    }
    return out;
  }
}
