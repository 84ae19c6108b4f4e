package org.qforge.codegen.runtime;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integer matrix products of conv and linear layers on the Vector API — int8 weights times
 * centred int activations, summed exactly in int32 — and their requantization. Generated kernels
 * call these only when {@link VectorSupport#ENABLED} (loading this class needs {@code
 * jdk.incubator.vector}); they widen, centre and pad the input before, in generated code. An int
 * sum is exact in any order and the requantization repeats the scalar double operations lane by
 * lane, so the results are bit-identical to the scalar loops'.
 *
 * <p>Why these shapes (measured in bench/README.md): C2 does not auto-vectorize byte-to-int
 * multiply-adds, and a generated method per layer would compile the vector code once per layer.
 * Shared methods with the species as constants compile once and keep every accumulator in a
 * register: 8 (or 4, or 1) output channels × 2 vectors of positions for convolutions, 8 (4, 1)
 * output rows × 1 vector of the reduction for batch-1 linear layers. What C2 needs to keep them
 * intrinsified, learnt from profiles: one loop per method, no vectors in arrays, and one int vector
 * shape in the whole program. The caller guarantees that sums cannot overflow an int.
 */
public final class Int8VectorKernels {
  /** The widest int species the CPU prefers, at least 256 bits (a byte species a quarter as wide must exist). */
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256
      ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_256;
  /** As many bytes as {@link #INTS} has lanes. */
  private static final VectorSpecies<Byte> BYTES =
      ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(INTS.vectorBitSize() / 4));
  private static final int LANES = INTS.length();
  /**
   * The rows of a panel of an input-major linear weight ({@link #dotColumns}); the compiler stores
   * them so ({@code IntegerLinearKernel.COLUMN_PANEL} is this constant).
   */
  public static final int COLUMN_PANEL = 128;
  /**
   * Twice as many bytes as {@link #INTS} has lanes, read as that many pairs ({@link #phases}): loaded as
   * bytes and reinterpreted as shorts, as {@code ShortVector.fromByteArray} is not in JDK 22 and later.
   */
  private static final VectorSpecies<Byte> PAIRS = ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(INTS.vectorBitSize() / 2));
  /** Shorts as wide as {@link #PAIRS}: an int vector narrowed to 16-bit lanes ({@link #requantizeWinogradColumns}). */
  private static final VectorSpecies<Short> PAIR_SHORTS = PAIRS.vectorShape().withLanes(short.class);
  /** Floats of {@link #INTS}' shape: the exact float sums ({@link #convTaps(float[], float[], int[], float[], int, int, int, int, int, int, int)}). */
  private static final VectorSpecies<Float> SUM_FLOATS = INTS.vectorShape().withLanes(float.class);

  /**
   * Requantization runs 8 double lanes at a time, on 512-bit machines only (scalar elsewhere). It
   * loads ints and floats 16 at a time and uses the first half: with a second int shape (256 bits)
   * in one program, the Vector API's shared methods see two vector classes, C2 stopped intrinsifying
   * {@link #convTaps} and it ran 4× slower (bench/README.md).
   */
  private static final boolean WIDE = INTS.vectorBitSize() == 512;
  private static final VectorSpecies<Double> DOUBLES_8 = DoubleVector.SPECIES_512;
  private static final VectorSpecies<Byte> BYTES_8 = ByteVector.SPECIES_64;
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;
  /**
   * 1.5·2^52, even: t + MAGIC is MAGIC + rint(t) exactly for |t| &lt; 2^51 (the sum lands where
   * doubles are the integers, and a tie goes to the even one, as {@code Math.rint} does), and
   * MAGIC + n holds the integer n, two's complement, in the low bits of its representation.
   */
  private static final double MAGIC = 0x1.8p52;
  /** 1.5·2^23: {@link #MAGIC} for floats ({@link #quantize}). */
  private static final float FLOAT_MAGIC = 0x1.8p23f;
  /**
   * Steps of {@link #LANES} a float loop stores before it tests whether their rounding was certain:
   * each lane's margin and the test (a mask made a vector, compared, tested) cost more than the step
   * itself on JDK 17 (16 K quantized adds 2.7 µs with them every step, 1.05 without, 1.7 with one
   * bound a loop and a test every four steps); an uncertain group is stored again by
   * the double route, so a loop's output must not overlap its input. Not in the width form's loop
   * ({@link #requantizeWinogradColumnsInFloats}): there the folded test pushed C2 past its inlining
   * node budget (NodeCountInliningCutoff), the Vector API calls after it were compiled as calls with
   * boxed vectors, and its layer's requantization took 5.5 µs instead of 1.4.
   */
  private static final int STEPS_PER_TEST = 4;
  /**
   * For each half dividing {@link #LANES}: two vectors of 0/1, 0 in the lanes ≡ 0 and in the lanes ≡
   * half − 1 (mod half) ({@code winogradColumnsInputWithBorderLanes}).
   */
  private static final float[][] BORDER_LANES_KEEP = borderLanes();

  /**
   * Whether {@link #requantizeChannels} (linear layers) runs on vector lanes: only on JDK 25 and later.
   * Its conversions (F2D, I2D, L2B and doubles reinterpreted as longs) go through the same JDK methods
   * as the linear kernels' byte-to-int widening ({@code AbstractVector.convertShapeTemplate}, {@code
   * convert0}), whose profiles and trap counts every caller in the JVM shares. On JDK 17, in the JVMs where
   * C2's speculation at those shared sites had failed four times during warm-up, it compiled {@code
   * dotEightPackedRows} without exact vector types and every vector boxed, for the life of the JVM:
   * mlp_784_1024 at 134–460 µs instead of ~38 in 3 of 37 JVMs ({@code -XX:+LogCompilation}: class_check
   * traps at those methods, bench/README.md, "Known problems"). With this loop scalar: 0 of 158, for
   * ~4 µs more on mlp (2,058 outputs) and ~0.4 on digits_mlp (202). Since step 45 linear layers
   * call {@link #requantizeChannelsInFloats}, which has no such conversion and comes here only for
   * the steps it cannot prove. {@code
   * -Dqforge.vectorChannelRequantize=true} forces the vector lanes (the tests run both on JDK 17).
   */
  private static final boolean VECTOR_CHANNEL_REQUANTIZE =
      WIDE && (Runtime.version().feature() >= 25 || Boolean.getBoolean("qforge.vectorChannelRequantize"));

  /**
   * Whether {@link #convTaps} uses its eight-channel tile: only on JDK 25 and later. On JDK 17 C2
   * compiles that tile with boxed vectors in a fraction of JVMs (2 of 50 to 10 of 34 in our runs,
   * then resnet20 takes 5–15 ms instead of 0.85; bench/README.md, "Known problems"); the
   * four-channel tile was boxed in none of 22 (resnet20 1.04–1.43 ms). JDK 21–24 are not measured
   * and take the four-channel tile. {@code -Dqforge.eightChannelTiles=true} forces the eight-channel
   * tile (the tests run both on JDK 17).
   */
  private static final boolean EIGHT_CHANNEL_TILES =
      Runtime.version().feature() >= 25 || Boolean.getBoolean("qforge.eightChannelTiles");

  private Int8VectorKernels() {}

  private static float[][] borderLanes() {
    float[][] tables = new float[LANES + 1][];
    for (int half = 1; half <= LANES; half++) {
      if (LANES % half == 0) {
        float[] t = new float[2 * LANES];
        for (int lane = 0; lane < LANES; lane++) {
          t[lane] = lane % half == 0 ? 0 : 1;
          t[LANES + lane] = lane % half == half - 1 ? 0 : 1;
        }
        tables[half] = t;
      }
    }
    return tables;
  }

  /**
   * Requantizes convolution sums to int8 or uint8 (stored as bytes), channel by channel: for
   * {@code o < channels, y < rows, x < cols},
   *
   * <pre>
   *   a = acc[accOff + o·channelStride + y·rowStride + x] + start[startOff + o]   (+ 0 if startOff &lt; 0)
   *   m = inScale · (double) scales[scalesOff + o]                       // exact
   *   real = (double) a · m,  then + (double) bias[biasOff + o] unless biasOff &lt; 0
   *   out[outOff + (o·rows + y)·cols + x] = (byte) (int) min(max(rint(real / outScale) + zeroPoint, min), max)
   * </pre>
   *
   * — the start a channel's zero-point correction where {@code convTaps} summed an uncentred input
   * (the caller knows the exact sum fits an int, so the int add's wrapping does no harm) — and then
   * the generated scalar requantization's double operations in its order, so the same bits, for
   * real values that cannot be NaN (the caller's guarantee): every lane rounds products, sums and
   * quotients as scalar code does; then, with t the quotient, u = (t + MAGIC) + zeroPoint clamped to
   * [MAGIC + min, MAGIC + max] is exactly MAGIC + the scalar result, and the byte is u's low bits.
   * Why that is exact: for |t| &lt; 2^51 − 2^32, t + MAGIC = MAGIC + rint(t) and adding the zero
   * point (below 2^32) stays exact; beyond, including ±∞, u lies past the bound on t's side, as
   * rint(t) + zeroPoint does, and the clamp gives the same bound. Four operations fewer than
   * rint, add, clamp and add MAGIC (the conv requantization, 16% of resnet20's time: 1.0 → 0.6 ns an
   * element). Not {@code convertShape(D2I)}: JDK 17 does not intrinsify it (2.2 ns an element
   * against 0.04 for this route; bench/README.md). The clamp compares u's bits as longs ({@link
   * #quantizedLanes}), not the doubles.
   */
  public static void requantize(int[] acc, float[] scales, float[] bias, byte[] out, int[] start, int accOff,
      int channelStride, int rowStride, int outOff, int channels, int rows, int cols, int startOff, int scalesOff,
      int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    for (int o = 0; o < channels; o++) {
      double m = inScale * (double) scales[scalesOff + o];
      double b = hasBias ? (double) bias[biasOff + o] : 0.0;
      int c = startOff >= 0 ? start[startOff + o] : 0;
      for (int y = 0; y < rows; y++) {
        int a = accOff + o * channelStride + y * rowStride;
        int q = outOff + (o * rows + y) * cols;
        int x = 0;
        if (WIDE) {
          for (; x + 8 <= cols && a + x + LANES <= acc.length; x += 8) {
            DoubleVector real = ((DoubleVector) IntVector.fromArray(INTS, acc, a + x).add(c)
                .convertShape(VectorOperators.I2D, DOUBLES_8, 0)).mul(m);
            if (hasBias) {
              real = real.add(b);
            }
            quantizedLanes(real, outScale, zeroPoint, low, high).intoArray(out, q + x);
          }
        }
        for (; x < cols; x++) {
          double real = (double) (acc[a + x] + c) * m;
          if (hasBias) {
            real = real + b;
          }
          out[q + x] = quantizedLane(real, outScale, zeroPoint, low, high);
        }
      }
    }
  }

  /**
   * {@link #requantize(int[], float[], float[], byte[], int[], int, int, int, int, int, int, int, int, int, int, double, double, double, double, double)}
   * on the integer sums {@link #convTaps(float[], float[], int[], float[], int, int, int, int, int, int, int)}
   * holds in floats: {@code (double) acc + start} is the int sum + start exactly (both below 2^31 in
   * magnitude, the caller's guarantee), so the same real values and the same bytes. In float lanes
   * where the rows are whole vectors or unpadded ({@link #requantizeInFloats}).
   */
  public static void requantize(float[] acc, float[] scales, float[] bias, byte[] out, int[] start, int accOff,
      int channelStride, int rowStride, int outOff, int channels, int rows, int cols, int startOff, int scalesOff,
      int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    if (WIDE && accOff + (channels - 1) * channelStride + (rows - 1) * rowStride + cols <= acc.length) {
      if (cols % LANES == 0) {
        requantizeInFloats(acc, scales, bias, out, start, accOff, channelStride, rowStride, outOff, channels, rows,
            cols, startOff, scalesOff, biasOff, inScale, outScale, zeroPoint, min, max);
        return;
      }
      if (rowStride == cols && rows * cols % LANES == 0) {
        // Unpadded rows are one row of rows·cols (resnet20's 1×1 convs on 8 × 8).
        requantizeInFloats(acc, scales, bias, out, start, accOff, channelStride, rows * cols, outOff, channels, 1,
            rows * cols, startOff, scalesOff, biasOff, inScale, outScale, zeroPoint, min, max);
        return;
      }
    }
    requantizeInDoubles(acc, scales, bias, out, start, accOff, channelStride, rowStride, outOff, channels, rows, cols,
        startOff, scalesOff, biasOff, inScale, outScale, zeroPoint, min, max);
  }

  /**
   * {@link #requantize(float[], float[], float[], byte[], int[], int, int, int, int, int, int, int, int, int, int, double, double, double, double, double)}
   * by the double formula, eight lanes at a time on 512-bit machines: rows that are not whole vectors.
   * A method of its own, so that C2 compiles its loops apart from the float route's: in one method, an
   * on-stack replacement of this loop left the helpers of the float route uninlined in some JVMs, and
   * digits_dwnet's first conv (rows of 8) took 3.4 µs instead of 0.6 (bench/README.md).
   */
  private static void requantizeInDoubles(float[] acc, float[] scales, float[] bias, byte[] out, int[] start,
      int accOff, int channelStride, int rowStride, int outOff, int channels, int rows, int cols, int startOff,
      int scalesOff, int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    for (int o = 0; o < channels; o++) {
      double m = inScale * (double) scales[scalesOff + o];
      double b = hasBias ? (double) bias[biasOff + o] : 0.0;
      double c = startOff >= 0 ? start[startOff + o] : 0;
      for (int y = 0; y < rows; y++) {
        int a = accOff + o * channelStride + y * rowStride;
        int q = outOff + (o * rows + y) * cols;
        int x = 0;
        if (WIDE) {
          for (; x + 8 <= cols && a + x + LANES <= acc.length; x += 8) {
            DoubleVector real = ((DoubleVector) FloatVector.fromArray(SUM_FLOATS, acc, a + x)
                .convertShape(VectorOperators.F2D, DOUBLES_8, 0)).add(c).mul(m);
            if (hasBias) {
              real = real.add(b);
            }
            quantizedLanes(real, outScale, zeroPoint, low, high).intoArray(out, q + x);
          }
        }
        requantizeLanes(acc, out, a, q, x, cols, c, m, b, hasBias, outScale, zeroPoint, low, high);
      }
    }
  }

  /**
   * {@link #requantize(float[], float[], float[], byte[], int[], int, int, int, int, int, int, int, int, int, int, double, double, double, double, double)}
   * where the rows are whole vectors: each channel's rows as one run of {@link #LANES} outputs a step,
   * in float lanes, as {@link #requantizeWinogradInFloats} does (the same proof, the same bytes).
   */
  private static void requantizeInFloats(float[] acc, float[] scales, float[] bias, byte[] out, int[] start,
      int accOff, int channelStride, int rowStride, int outOff, int channels, int rows, int cols, int startOff,
      int scalesOff, int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    int steps = rows * cols;
    double inverse = 1 / outScale;
    for (int o = 0; o < channels; o++) {
      double m = inScale * (double) scales[scalesOff + o];
      double b = hasBias ? (double) bias[biasOff + o] : 0.0;
      double c = startOff >= 0 ? start[startOff + o] : 0;
      int a = accOff + o * channelStride;
      int q = outOff + o * steps;
      int k = 0;
      while ((k = requantizeRowsInFloats(acc, out, a, q, k, steps, cols, rowStride, m, c, b, inverse, zeroPoint, min,
          max, STEPS_PER_TEST)) < steps) {
        // The group again, a test a step, and the uncertain steps by the double route.
        int end = Math.min(steps, k + STEPS_PER_TEST * LANES);
        while ((k = requantizeRowsInFloats(acc, out, a, q, k, end, cols, rowStride, m, c, b, inverse, zeroPoint, min,
            max, 1)) < end) {
          int row = k / cols;
          requantizeLanes(acc, out, a + row * rowStride, q + row * cols, k % cols, k % cols + LANES, c, m, b, hasBias,
              outScale, zeroPoint, low, high);
          k += LANES;
        }
      }
    }
  }

  /**
   * One channel's rows of {@link #requantizeInFloats} from output k (a multiple of {@link #LANES}) to
   * {@code steps}, testing every {@code group} steps (a power of two) and at the end whether their
   * rounding was certain ({@link #STEPS_PER_TEST}); returns the start of the first group that was
   * not, or {@code steps}. The caller runs that group again with a test a step and takes the
   * uncertain steps by the double route: a call in this loop would make C2 keep the vectors on the
   * stack.
   */
  private static int requantizeRowsInFloats(float[] acc, byte[] out, int a, int q, int k, int steps, int cols,
      int rowStride, double m, double c, double b, double inverse, double zeroPoint, double min, double max,
      int group) {
    int lowBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) min);
    int highBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) max);
    FloatVector slopes = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.slope(m, inverse));
    FloatVector offsets = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.offset(m, c, b, inverse, zeroPoint));
    int limitBits = Float.floatToRawIntBits(
        FloatRequantization.limit(min, max, FloatRequantization.fixedMargin(m, c, b, inverse, zeroPoint)));
    int x = k % cols;
    a += k / cols * rowStride;
    IntVector worst = IntVector.zero(INTS);
    int first = k;
    for (int s = 0; k < steps; k += LANES, s++) {
      FloatVector t = FloatVector.fromArray(SUM_FLOATS, acc, a + x).fma(slopes, offsets);
      FloatVector magic = t.add(FLOAT_MAGIC);
      worst = worst.max(roundingDoubt(t, magic));
      floatQuantizedBytes(magic, lowBits, highBits).intoArray(out, q + k);
      x += LANES;
      if (x == cols) {
        x = 0;
        a += rowStride;
      }
      if ((s & (group - 1)) == group - 1 || k + LANES >= steps) {
        if (!certain(worst, limitBits)) {
          return first;
        }
        worst = IntVector.zero(INTS);
        first = k + LANES;
      }
    }
    return k;
  }

  /** The double route of {@link #requantize(float[], float[], float[], byte[], int[], int, int, int, int, int, int, int, int, int, int, double, double, double, double, double)} for the columns {@code from ≤ x < to} of one row. */
  private static void requantizeLanes(float[] acc, byte[] out, int a, int q, int from, int to, double c, double m,
      double b, boolean hasBias, double outScale, double zeroPoint, long low, long high) {
    for (int x = from; x < to; x++) {
      double real = ((double) acc[a + x] + c) * m;
      if (hasBias) {
        real = real + b;
      }
      out[q + x] = quantizedLane(real, outScale, zeroPoint, low, high);
    }
  }

  /**
   * Requantizes a linear layer's sums to int8 or uint8 (stored as bytes), one per output channel: for
   * {@code o < channels}, with a = {@code acc[accOff + o]}, m = {@code inScale · (double) scales[scalesOff + o]}
   * and b = {@code (double) bias[biasOff + o]}, {@code out[outOff + o]} as {@link #requantize} computes
   * it — the same operations, with the channel's scale and bias in each lane. Compiled linear layers
   * call {@link #requantizeChannelsInFloats}, which comes here for the steps it cannot prove.
   */
  public static void requantizeChannels(int[] acc, float[] scales, float[] bias, byte[] out, int accOff, int outOff,
      int channels, int scalesOff, int biasOff, double inScale, double outScale, double zeroPoint, double min,
      double max) {
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    int o = 0;
    if (VECTOR_CHANNEL_REQUANTIZE) {
      for (; o + 8 <= channels && accOff + o + LANES <= acc.length && scalesOff + o + LANES <= scales.length
          && (!hasBias || biasOff + o + LANES <= bias.length); o += 8) {
        // scale · inScale: IEEE products commute exactly.
        DoubleVector m = ((DoubleVector) FloatVector.fromArray(FLOATS, scales, scalesOff + o)
            .convertShape(VectorOperators.F2D, DOUBLES_8, 0)).mul(inScale);
        DoubleVector real = ((DoubleVector) IntVector.fromArray(INTS, acc, accOff + o)
            .convertShape(VectorOperators.I2D, DOUBLES_8, 0)).mul(m);
        if (hasBias) {
          real = real.add(FloatVector.fromArray(FLOATS, bias, biasOff + o).convertShape(VectorOperators.F2D, DOUBLES_8, 0));
        }
        quantizedLanes(real, outScale, zeroPoint, low, high).intoArray(out, outOff + o);
      }
    }
    int lowInt = (int) min;
    int highInt = (int) max;
    for (; o < channels; o++) {
      double real = (double) acc[accOff + o] * (inScale * (double) scales[scalesOff + o]);
      if (hasBias) {
        real = real + (double) bias[biasOff + o];
      }
      out[outOff + o] = quantizedLaneIntClamp(real, outScale, zeroPoint, lowInt, highInt);
    }
  }

  /**
   * {@link #requantizeChannels} in float lanes where the rounding is provably the double route's
   * ({@link FloatRequantization}, "Linear layers"), {@link #LANES} channels a step: s = (float) acc,
   * α = scale · A and β = fma(bias, R, zeroPoint) (β = zeroPoint without a bias) in the lanes, with A =
   * (float) (inScale / outScale) and R = (float) (1 / outScale) once a call, t = fma(s, α, β), then
   * {@link #quantize}'s route to the byte. The sums are first written as floats into {@code sums} (a
   * scalar loop: no Vector API conversion). A step with a lane whose t lies within the margin of a
   * half-integer (~1 lane in 4,000), channels short of a vector, and layers whose A or R is not a
   * positive normal float, go the double route ({@link #requantizeChannels}); on machines without 512-bit
   * vectors, that route for all. No constants beyond the layer's own scales and bias: a model's
   * weights keep their size.
   *
   * <p>Why: {@code requantizeChannels}' scalar loop, which linear layers take on JDK 17, divides by
   * the output scale in doubles, ~6 cycles an output (0.22 µs for 128; mlp_784_1024's 2,058 outputs
   * ~3.5 µs of its ~39). The float route adds no conversion to the program but the ones {@link
   * #quantize} already makes (float bits as ints, int to byte), which matters on JDK 17: new
   * conversions are what made C2 box the linear kernels ({@link #VECTOR_CHANNEL_REQUANTIZE}).
   */
  public static void requantizeChannelsInFloats(int[] acc, float[] sums, float[] scales, float[] bias, byte[] out,
      int accOff, int sumsOff, int outOff, int channels, int scalesOff, int biasOff, double inScale,
      double outScale, double zeroPoint, double min, double max) {
    double r = 1 / outScale;
    float slopeFactor = (float) (inScale * r);
    float inverse = (float) r;
    if (!WIDE || channels < LANES || !positiveNormal(slopeFactor) || !positiveNormal(inverse)) {
      requantizeChannels(acc, scales, bias, out, accOff, outOff, channels, scalesOff, biasOff, inScale, outScale,
          zeroPoint, min, max);
      return;
    }
    floatSums(acc, sums, accOff, sumsOff, channels);
    int lowBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) min);
    int highBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) max);
    float limit = FloatRequantization.channelLimit(min, max, zeroPoint);
    int o = 0;
    while ((o = requantizeChannelLanes(sums, scales, bias, out, sumsOff, scalesOff, biasOff, outOff, o, channels,
        slopeFactor, inverse, (float) zeroPoint, limit, lowBits, highBits)) < channels) {
      int at = Math.min(o, channels - LANES);
      requantizeChannels(acc, scales, bias, out, accOff + at, outOff + at, LANES, scalesOff + at,
          biasOff < 0 ? -1 : biasOff + at, inScale, outScale, zeroPoint, min, max);
      o = at + LANES;
    }
  }

  /**
   * True if {@code f} is a positive normal float: then rounding to it errs by at most 2^-24 of it,
   * which the float route's proof needs of A and R (a subnormal one can err by far more).
   */
  private static boolean positiveNormal(float f) {
    return f >= Float.MIN_NORMAL && f <= Float.MAX_VALUE;
  }

  /** {@code sums[sumsOff + i] = (float) acc[accOff + i]} for {@code i < n}. */
  private static void floatSums(int[] acc, float[] sums, int accOff, int sumsOff, int n) {
    for (int i = 0; i < n; i++) {
      sums[sumsOff + i] = (float) acc[accOff + i];
    }
  }

  /**
   * The float lanes of {@link #requantizeChannelsInFloats} from channel {@code from} to {@code
   * channels} (at least a vector), a step at {@code min(o, channels − LANES)}: the last one overlaps
   * the one before, whose bytes it stores again. Returns the {@code o} of a step whose rounding was
   * not certain (its bytes not stored), or one past the end. Certain: |t − rint(t)| + 2^-21·|β| below
   * the limit. A method of its own so that the uncertain steps' call to the double route lies outside
   * the vector loop (a call in it makes C2 keep the vectors on the stack).
   */
  private static int requantizeChannelLanes(float[] sums, float[] scales, float[] bias, byte[] out, int sumsOff,
      int scalesOff, int biasOff, int outOff, int from, int channels, float slopeFactor, float inverse,
      float zeroPoint, float limit, int lowBits, int highBits) {
    // Without a bias, β = fma(scale, 0, zeroPoint) = zeroPoint exactly: one loop body for both cases.
    float[] offsetTerms = biasOff >= 0 ? bias : scales;
    int termsOff = biasOff >= 0 ? biasOff : scalesOff;
    float termFactor = biasOff >= 0 ? inverse : 0f;
    FloatVector margin = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.OFFSET_MARGIN);
    int o = from;
    for (; o < channels; o += LANES) {
      int at = Math.min(o, channels - LANES);
      FloatVector beta = FloatVector.fromArray(SUM_FLOATS, offsetTerms, termsOff + at).fma(termFactor, zeroPoint);
      FloatVector t = FloatVector.fromArray(SUM_FLOATS, sums, sumsOff + at)
          .fma(FloatVector.fromArray(SUM_FLOATS, scales, scalesOff + at).mul(slopeFactor), beta);
      FloatVector magic = t.add(FLOAT_MAGIC);
      FloatVector doubt = beta.abs().fma(margin, t.sub(magic.sub(FLOAT_MAGIC)).abs());
      if (!doubt.compare(VectorOperators.LT, limit).allTrue()) {
        return o;
      }
      floatQuantizedBytes(magic, lowBits, highBits).intoArray(out, outOff + at);
    }
    return o;
  }

  /**
   * {@code quantize_per_tensor} of floats into int8 or uint8 (stored as bytes): for {@code i < n},
   *
   * <pre>
   *   p = x[xOff + i] * inv                                   // float multiply
   *   t = min(max((float) (rint((double) p) + zeroPoint), min), max)
   *   out[outOff + i] = (byte) (int) (long) t                 // NaN gives 0
   * </pre>
   *
   * — the generated loop's float operations (PyTorch's), so the same bits, with the route to the byte
   * {@link #requantize} takes, in floats: with F = 1.5·2^23, p + F is F + rint(p) for |p| &lt; 2^22 (a
   * tie to the even one), adding the zero point stays exact, the clamp compares the bits as ints (as
   * {@link #quantizedLanes} does with longs), and the byte is the low bits. Beyond 2^22, ±∞ included,
   * u lies past the bound on p's side, as the formula's value does. A NaN lane gives 0 through an int
   * mask made of its bits ({@code (0x7f800000 − (bits & 0x7fffffff)) >> 31}), not a vector mask. The
   * caller guarantees |zeroPoint|, |min| and |max| &lt; 2^21 (byte outputs). mlp_784_1024's input
   * (784 floats): 2.1 µs as the generated loop, ~0.3 here (bench/README.md, step 25).
   */
  public static void quantize(float[] x, byte[] out, int xOff, int outOff, int n, float inv, float zeroPoint,
      float min, float max) {
    int low = Float.floatToRawIntBits(FLOAT_MAGIC + min);
    int high = Float.floatToRawIntBits(FLOAT_MAGIC + max);
    int i = 0;
    for (; i + LANES <= n; i += LANES) {
      FloatVector p = FloatVector.fromArray(SUM_FLOATS, x, xOff + i).mul(inv);
      IntVector bits = p.reinterpretAsInts();
      IntVector notNaN = bits.and(0x7fffffff).neg().add(0x7f800000).lanewise(VectorOperators.ASHR, 31).not();
      IntVector u = p.add(FLOAT_MAGIC).add(zeroPoint).reinterpretAsInts().max(low).min(high).and(notNaN);
      ((ByteVector) u.convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      float p = x[xOff + i] * inv;
      int u = Math.min(Math.max(Float.floatToRawIntBits(p + FLOAT_MAGIC + zeroPoint), low), high);
      out[outOff + i] = (byte) (Float.isNaN(p) ? 0 : u);
    }
  }

  /**
   * A quantized add of two same-shaped int8 tensors into an int8 or uint8 one (stored as bytes): for
   * {@code i < n}, with a = {@code a[aOff + i]} and b = {@code b[bOff + i]},
   *
   * <pre>
   *   real = (double) (a - aZeroPoint) · aScale + (double) (b - bZeroPoint) · bScale
   *   out[outOff + i] = (byte) (int) min(max(rint(real / outScale) + zeroPoint, min), max)
   * </pre>
   *
   * — the generated scalar loop's double operations in its order (each product exact: a 9-bit integer
   * times a float scale), then {@link #requantize}'s exact route to the byte, for finite scales and a
   * finite nonzero {@code outScale} (the caller's guarantee), so the same bits. Eight lanes at a time
   * on 512-bit machines, scalar elsewhere. resnet20's nine residual adds: 93 µs as table lookups (one
   * scalar load an element), ~25 µs here (bench/README.md, step 22). The float route
   * ({@link #quantizedAddInFloats}) stores a group of steps before it knows whether their rounding was
   * certain and reads the inputs again if not, so it runs only where {@code out} overlaps neither
   * input (the planner never shares a step's input and output); in place, the double route.
   */
  public static void quantizedAdd(byte[] a, byte[] b, byte[] out, int aOff, int bOff, int outOff, int n,
      double aScale, double aZeroPoint, double bScale, double bZeroPoint, double outScale, double zeroPoint,
      double min, double max) {
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    int i = 0;
    if (WIDE && apart(a, aOff, out, outOff, n) && apart(b, bOff, out, outOff, n)) {
      double alpha = aScale / outScale;
      double beta = bScale / outScale;
      double gamma = zeroPoint - aZeroPoint * alpha - bZeroPoint * beta;
      float fixedMargin = FloatRequantization.fixedMargin(128 * Math.abs(alpha) + 128 * Math.abs(beta) + Math.abs(gamma));
      int wholeSteps = n - n % LANES;
      while ((i = quantizedAddInFloats(a, b, out, aOff, bOff, outOff, i, wholeSteps, (float) alpha, (float) beta,
          (float) gamma, fixedMargin, min, max, STEPS_PER_TEST)) < wholeSteps) {
        // The group again, a test a step, and the uncertain steps by the double route.
        int end = Math.min(wholeSteps, i + STEPS_PER_TEST * LANES);
        while ((i = quantizedAddInFloats(a, b, out, aOff, bOff, outOff, i, end, (float) alpha, (float) beta,
            (float) gamma, fixedMargin, min, max, 1)) < end) {
          quantizedAddLanes(a, b, out, aOff + i, bOff + i, outOff + i, LANES, aScale, aZeroPoint, bScale, bZeroPoint,
              outScale, zeroPoint, low, high);
          i += LANES;
        }
      }
    }
    quantizedAddLanes(a, b, out, aOff + i, bOff + i, outOff + i, n - i, aScale, aZeroPoint, bScale, bZeroPoint,
        outScale, zeroPoint, low, high);
  }

  /** True if {@code n} elements from {@code xOff} in x and from {@code outOff} in out share none. */
  private static boolean apart(byte[] x, int xOff, byte[] out, int outOff, int n) {
    return x != out || xOff + n <= outOff || outOff + n <= xOff;
  }

  /**
   * {@link #quantizedAdd} in float lanes, {@link #LANES} elements a step from {@code i} to {@code n}
   * (whole steps), testing every {@code group} steps (a power of two) and at the end whether their
   * rounding was certain; returns the start of the first group that was not (stored already, to be
   * stored again), or {@code n}. With α =
   * aScale/outScale, β = bScale/outScale and γ = zeroPoint − aZeroPoint·α − bZeroPoint·β (doubles, then
   * floats), t = fma(a, α, fma(b, β, γ)) is within 2^-23·(128·|α| + 128·|β| + |γ|) + 2^-24·|t| of the
   * double route's quotient + zeroPoint (five float roundings of values no larger), so with eight
   * times that as the margin the reasoning of {@link FloatRequantization} holds and the bytes are
   * the same; |t| is taken at {@link FloatRequantization#limit}'s bound. The caller runs an uncertain
   * group again a step at a time and takes its uncertain steps (or NaNs) by the double route: a call
   * in this loop would make C2 keep the vectors on the stack. 16 K elements: 4.3–4.5 → 3.2–3.4 µs
   * (step 31), 2.5–2.6 → 1.9–2.0 with a test every four steps (step 32, bench/README.md).
   */
  private static int quantizedAddInFloats(byte[] a, byte[] b, byte[] out, int aOff, int bOff, int outOff, int i,
      int n, float alpha, float beta, float gamma, float fixedMargin, double min, double max, int group) {
    int lowBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) min);
    int highBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) max);
    FloatVector aSlope = FloatVector.broadcast(SUM_FLOATS, alpha);
    FloatVector bSlope = FloatVector.broadcast(SUM_FLOATS, beta);
    FloatVector offset = FloatVector.broadcast(SUM_FLOATS, gamma);
    int limitBits = Float.floatToRawIntBits(FloatRequantization.limit(min, max, fixedMargin));
    int steps = (n - i) / LANES;
    IntVector worst = IntVector.zero(INTS);
    for (int s = 0; s < steps; s++) {
      int j = i + s * LANES;
      FloatVector x = widenedFloats(a, aOff + j);
      FloatVector y = widenedFloats(b, bOff + j);
      FloatVector t = x.fma(aSlope, y.fma(bSlope, offset));
      FloatVector magic = t.add(FLOAT_MAGIC);
      worst = worst.max(roundingDoubt(t, magic));
      floatQuantizedBytes(magic, lowBits, highBits).intoArray(out, outOff + j);
      if ((s & (group - 1)) == group - 1 || s == steps - 1) {
        if (!certain(worst, limitBits)) {
          return j - (s & (group - 1)) * LANES;
        }
        worst = IntVector.zero(INTS);
      }
    }
    return i + steps * LANES;
  }

  /** {@link #quantizedAdd}'s double route, eight lanes at a time on 512-bit machines, then scalar. */
  private static void quantizedAddLanes(byte[] a, byte[] b, byte[] out, int aOff, int bOff, int outOff, int n,
      double aScale, double aZeroPoint, double bScale, double bZeroPoint, double outScale, double zeroPoint,
      long low, long high) {
    int i = 0;
    if (WIDE) {
      for (; i + 8 <= n; i += 8) {
        DoubleVector x = (DoubleVector) ByteVector.fromArray(BYTES_8, a, aOff + i)
            .convertShape(VectorOperators.B2D, DOUBLES_8, 0);
        DoubleVector y = (DoubleVector) ByteVector.fromArray(BYTES_8, b, bOff + i)
            .convertShape(VectorOperators.B2D, DOUBLES_8, 0);
        DoubleVector real = x.sub(aZeroPoint).mul(aScale).add(y.sub(bZeroPoint).mul(bScale));
        quantizedLanes(real, outScale, zeroPoint, low, high).intoArray(out, outOff + i);
      }
    }
    for (; i < n; i++) {
      double real = ((double) a[aOff + i] - aZeroPoint) * aScale + ((double) b[bOff + i] - bZeroPoint) * bScale;
      out[outOff + i] = quantizedLane(real, outScale, zeroPoint, low, high);
    }
  }

  /**
   * A linear layer's int8 input row centred for {@link #dotRows}: {@code out[outOff + i] = x[xOff + i]
   * − zeroPoint}, i &lt; {@code n}. On the linear kernels' own widening ({@code B2I}) and an add of a
   * broadcast int, which {@link #quantize} already runs, so that no other conversion or operator
   * enters the shared Vector API methods whose type profiles decide whether C2 boxes the linear
   * kernels on JDK 17 (see {@link #VECTOR_CHANNEL_REQUANTIZE}). The generated scalar loop took 0.4 µs
   * for 1,024 inputs, mlp_784_1024's three rows 1.1 µs (bench/README.md, step 36).
   */
  public static void centred(byte[] x, int[] out, int xOff, int outOff, int n, int zeroPoint) {
    int i = 0;
    for (; i + LANES <= n; i += LANES) {
      widened(x, xOff + i).add(-zeroPoint).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = x[xOff + i] - zeroPoint;
    }
  }

  /**
   * A batch-1 linear layer's sums: for {@code o < rows},
   * {@code acc[accOff + o] = Σ_{k < depth} w[wOff + o·depth + k] · x[xOff + k]}.
   */
  public static void dotRows(byte[] w, int[] x, int[] acc, int wOff, int xOff, int accOff, int rows, int depth) {
    int o = 0;
    for (; o + 8 <= rows; o += 8) {
      dotEightRows(w, x, acc, wOff + o * depth, xOff, accOff + o, depth);
    }
    for (; o + 4 <= rows; o += 4) {
      dotFourRows(w, x, acc, wOff + o * depth, xOff, accOff + o, depth);
    }
    for (; o < rows; o++) {
      acc[accOff + o] = dotOneRow(w, x, wOff + o * depth, xOff, depth);
    }
  }

  /**
   * {@link #dotRows} on weights stored in blocks of eight rows: rows {@code o < 8·⌊rows/8⌋} interleaved
   * in chunks of 16 inputs — element (o, k) at {@code wOff + (o/8)·8·depth + (k/16)·128 + (o%8)·16 + k%16}
   * — the rest row-major at {@code wOff + o·depth + k}; {@code depth} a multiple of 16. An eight-row
   * pass then reads one stream of bytes instead of eight: 12% faster with the weights in L3, as a
   * model's are (bench/README.md).
   */
  public static void dotRowsPacked(byte[] w, int[] x, int[] acc, int wOff, int xOff, int accOff, int rows,
      int depth) {
    int o = 0;
    for (; o + 8 <= rows; o += 8) {
      dotEightPackedRows(w, x, acc, wOff + o * depth, xOff, accOff + o, depth);
    }
    for (; o + 4 <= rows; o += 4) {
      dotFourRows(w, x, acc, wOff + o * depth, xOff, accOff + o, depth);
    }
    for (; o < rows; o++) {
      acc[accOff + o] = dotOneRow(w, x, wOff + o * depth, xOff, depth);
    }
  }

  /**
   * {@link #dotRows} on a weight stored input-major in panels of {@link #COLUMN_PANEL} rows: panel p
   * (rows 128p to 128p + 127) at {@code wOff + 128p·depth}, element (o, k) of it at {@code k·128 +
   * o%128}; the rows after the last whole panel, R of them, one panel of width R after it. Each
   * panel's outputs lie in the lanes, each input is broadcast once into eight vectors of them, and no
   * sum is reduced across lanes; a panel streams its bytes in order. Every panel must be at least a
   * vector wide (the caller's guarantee: R = 0 or R ≥ 16). Within a panel, blocks of eight vectors,
   * then four, then one; a rest shorter than a vector is summed by one more vector ending at the
   * panel's last row, whose lanes before the rest store again the sums already there.
   *
   * <p>Against {@code dotRowsPacked} ({@code LinearOrderBenchmark}, JMH, bench/README.md, step 44):
   * where reducing each row's vector of sums costs as much as summing it, 0.13 µs against 0.34 for
   * digits_mlp's 128 × 64 layer, and faster up to 512 × 512 (4.33 against 4.97 µs; the whole weight
   * input-major without panels, 5.17), slower from mlp_784_1024's 1,024 × 784 (19.5 against 14.8).
   */
  public static void dotColumns(byte[] w, int[] x, int[] acc, int wOff, int xOff, int accOff, int rows, int depth) {
    int whole = rows - rows % COLUMN_PANEL;
    for (int o = 0; o < whole; o += COLUMN_PANEL) {
      columnPanel(w, x, acc, wOff + o * depth, xOff, accOff + o, COLUMN_PANEL, depth);
    }
    if (whole < rows) {
      columnPanel(w, x, acc, wOff + whole * depth, xOff, accOff + whole, rows - whole, depth);
    }
  }

  /** One panel of {@link #dotColumns}, {@code width} rows, element (o, k) at {@code w0 + k·width + o}. */
  private static void columnPanel(byte[] w, int[] x, int[] acc, int w0, int xOff, int at, int width, int depth) {
    int o = 0;
    for (; o + 8 * LANES <= width; o += 8 * LANES) {
      dotEightColumnVectors(w, x, acc, w0 + o, xOff, at + o, width, depth);
    }
    for (; o + 4 * LANES <= width; o += 4 * LANES) {
      dotFourColumnVectors(w, x, acc, w0 + o, xOff, at + o, width, depth);
    }
    for (; o + LANES <= width; o += LANES) {
      dotOneColumnVector(w, x, acc, w0 + o, xOff, at + o, width, depth);
    }
    if (o < width) {
      dotOneColumnVector(w, x, acc, w0 + width - LANES, xOff, at + width - LANES, width, depth);
    }
  }

  private static void dotEightColumnVectors(byte[] w, int[] x, int[] acc, int w0, int xOff, int at, int width,
      int depth) {
    IntVector a0 = IntVector.zero(INTS);
    IntVector a1 = IntVector.zero(INTS);
    IntVector a2 = IntVector.zero(INTS);
    IntVector a3 = IntVector.zero(INTS);
    IntVector a4 = IntVector.zero(INTS);
    IntVector a5 = IntVector.zero(INTS);
    IntVector a6 = IntVector.zero(INTS);
    IntVector a7 = IntVector.zero(INTS);
    for (int k = 0; k < depth; k++) {
      IntVector xk = IntVector.broadcast(INTS, x[xOff + k]);
      int r = w0 + k * width;
      a0 = a0.add(xk.mul(widened(w, r)));
      a1 = a1.add(xk.mul(widened(w, r + LANES)));
      a2 = a2.add(xk.mul(widened(w, r + 2 * LANES)));
      a3 = a3.add(xk.mul(widened(w, r + 3 * LANES)));
      a4 = a4.add(xk.mul(widened(w, r + 4 * LANES)));
      a5 = a5.add(xk.mul(widened(w, r + 5 * LANES)));
      a6 = a6.add(xk.mul(widened(w, r + 6 * LANES)));
      a7 = a7.add(xk.mul(widened(w, r + 7 * LANES)));
    }
    a0.intoArray(acc, at);
    a1.intoArray(acc, at + LANES);
    a2.intoArray(acc, at + 2 * LANES);
    a3.intoArray(acc, at + 3 * LANES);
    a4.intoArray(acc, at + 4 * LANES);
    a5.intoArray(acc, at + 5 * LANES);
    a6.intoArray(acc, at + 6 * LANES);
    a7.intoArray(acc, at + 7 * LANES);
  }

  private static void dotFourColumnVectors(byte[] w, int[] x, int[] acc, int w0, int xOff, int at, int width,
      int depth) {
    IntVector a0 = IntVector.zero(INTS);
    IntVector a1 = IntVector.zero(INTS);
    IntVector a2 = IntVector.zero(INTS);
    IntVector a3 = IntVector.zero(INTS);
    for (int k = 0; k < depth; k++) {
      IntVector xk = IntVector.broadcast(INTS, x[xOff + k]);
      int r = w0 + k * width;
      a0 = a0.add(xk.mul(widened(w, r)));
      a1 = a1.add(xk.mul(widened(w, r + LANES)));
      a2 = a2.add(xk.mul(widened(w, r + 2 * LANES)));
      a3 = a3.add(xk.mul(widened(w, r + 3 * LANES)));
    }
    a0.intoArray(acc, at);
    a1.intoArray(acc, at + LANES);
    a2.intoArray(acc, at + 2 * LANES);
    a3.intoArray(acc, at + 3 * LANES);
  }

  private static void dotOneColumnVector(byte[] w, int[] x, int[] acc, int w0, int xOff, int at, int width,
      int depth) {
    IntVector a = IntVector.zero(INTS);
    for (int k = 0; k < depth; k++) {
      a = a.add(IntVector.broadcast(INTS, x[xOff + k]).mul(widened(w, w0 + k * width)));
    }
    a.intoArray(acc, at);
  }

  /**
   * Eight interleaved rows from {@code r0}, a chunk of 16 inputs a pass (one vector of 16 lanes or two
   * of 8). The chunk index is the loop variable so that every load's index is affine in it: indexed by
   * the input position instead ({@code (k/16)·128 + k%16}), C2 kept a bounds check on each of the eight
   * loads and the kernel ran slower than on row-major weights.
   */
  private static void dotEightPackedRows(byte[] w, int[] x, int[] acc, int r0, int xOff, int at, int depth) {
    IntVector a0 = IntVector.zero(INTS);
    IntVector a1 = IntVector.zero(INTS);
    IntVector a2 = IntVector.zero(INTS);
    IntVector a3 = IntVector.zero(INTS);
    IntVector a4 = IntVector.zero(INTS);
    IntVector a5 = IntVector.zero(INTS);
    IntVector a6 = IntVector.zero(INTS);
    IntVector a7 = IntVector.zero(INTS);
    int chunks = depth / 16;
    for (int c = 0; c < chunks; c++) {
      int r = r0 + c * 128;
      int xk = xOff + c * 16;
      IntVector xv = IntVector.fromArray(INTS, x, xk);
      a0 = a0.add(xv.mul(widened(w, r)));
      a1 = a1.add(xv.mul(widened(w, r + 16)));
      a2 = a2.add(xv.mul(widened(w, r + 32)));
      a3 = a3.add(xv.mul(widened(w, r + 48)));
      a4 = a4.add(xv.mul(widened(w, r + 64)));
      a5 = a5.add(xv.mul(widened(w, r + 80)));
      a6 = a6.add(xv.mul(widened(w, r + 96)));
      a7 = a7.add(xv.mul(widened(w, r + 112)));
      if (LANES < 16) {
        IntVector xh = IntVector.fromArray(INTS, x, xk + LANES);
        a0 = a0.add(xh.mul(widened(w, r + LANES)));
        a1 = a1.add(xh.mul(widened(w, r + 16 + LANES)));
        a2 = a2.add(xh.mul(widened(w, r + 32 + LANES)));
        a3 = a3.add(xh.mul(widened(w, r + 48 + LANES)));
        a4 = a4.add(xh.mul(widened(w, r + 64 + LANES)));
        a5 = a5.add(xh.mul(widened(w, r + 80 + LANES)));
        a6 = a6.add(xh.mul(widened(w, r + 96 + LANES)));
        a7 = a7.add(xh.mul(widened(w, r + 112 + LANES)));
      }
    }
    acc[at] = a0.reduceLanes(VectorOperators.ADD);
    acc[at + 1] = a1.reduceLanes(VectorOperators.ADD);
    acc[at + 2] = a2.reduceLanes(VectorOperators.ADD);
    acc[at + 3] = a3.reduceLanes(VectorOperators.ADD);
    acc[at + 4] = a4.reduceLanes(VectorOperators.ADD);
    acc[at + 5] = a5.reduceLanes(VectorOperators.ADD);
    acc[at + 6] = a6.reduceLanes(VectorOperators.ADD);
    acc[at + 7] = a7.reduceLanes(VectorOperators.ADD);
  }

  // The four-row and one-row loops are methods of their own: compiled as one method, a hot one-row
  // loop (a 10-output last layer) left the four-row loop 35% slower (mlp_784_1024, bench/README.md).
  private static void dotFourRows(byte[] w, int[] x, int[] acc, int r0, int xOff, int at, int depth) {
    int vectorDepth = depth - depth % LANES;
    int r1 = r0 + depth;
    int r2 = r1 + depth;
    int r3 = r2 + depth;
    IntVector a0 = IntVector.zero(INTS);
    IntVector a1 = IntVector.zero(INTS);
    IntVector a2 = IntVector.zero(INTS);
    IntVector a3 = IntVector.zero(INTS);
    for (int k = 0; k < vectorDepth; k += LANES) {
      IntVector xv = IntVector.fromArray(INTS, x, xOff + k);
      a0 = a0.add(xv.mul(widened(w, r0 + k)));
      a1 = a1.add(xv.mul(widened(w, r1 + k)));
      a2 = a2.add(xv.mul(widened(w, r2 + k)));
      a3 = a3.add(xv.mul(widened(w, r3 + k)));
    }
    acc[at] = a0.reduceLanes(VectorOperators.ADD) + tail(w, x, r0, xOff, vectorDepth, depth);
    acc[at + 1] = a1.reduceLanes(VectorOperators.ADD) + tail(w, x, r1, xOff, vectorDepth, depth);
    acc[at + 2] = a2.reduceLanes(VectorOperators.ADD) + tail(w, x, r2, xOff, vectorDepth, depth);
    acc[at + 3] = a3.reduceLanes(VectorOperators.ADD) + tail(w, x, r3, xOff, vectorDepth, depth);
  }

  private static void dotEightRows(byte[] w, int[] x, int[] acc, int r0, int xOff, int at, int depth) {
    int vectorDepth = depth - depth % LANES;
    IntVector a0 = IntVector.zero(INTS);
    IntVector a1 = IntVector.zero(INTS);
    IntVector a2 = IntVector.zero(INTS);
    IntVector a3 = IntVector.zero(INTS);
    IntVector a4 = IntVector.zero(INTS);
    IntVector a5 = IntVector.zero(INTS);
    IntVector a6 = IntVector.zero(INTS);
    IntVector a7 = IntVector.zero(INTS);
    for (int k = 0; k < vectorDepth; k += LANES) {
      IntVector xv = IntVector.fromArray(INTS, x, xOff + k);
      int r = r0 + k;
      a0 = a0.add(xv.mul(widened(w, r)));
      a1 = a1.add(xv.mul(widened(w, r + depth)));
      a2 = a2.add(xv.mul(widened(w, r + 2 * depth)));
      a3 = a3.add(xv.mul(widened(w, r + 3 * depth)));
      a4 = a4.add(xv.mul(widened(w, r + 4 * depth)));
      a5 = a5.add(xv.mul(widened(w, r + 5 * depth)));
      a6 = a6.add(xv.mul(widened(w, r + 6 * depth)));
      a7 = a7.add(xv.mul(widened(w, r + 7 * depth)));
    }
    // Each sum reduced on its own: vectors kept in an array would be boxed (100× slower).
    acc[at] = a0.reduceLanes(VectorOperators.ADD) + tail(w, x, r0, xOff, vectorDepth, depth);
    acc[at + 1] = a1.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + depth, xOff, vectorDepth, depth);
    acc[at + 2] = a2.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + 2 * depth, xOff, vectorDepth, depth);
    acc[at + 3] = a3.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + 3 * depth, xOff, vectorDepth, depth);
    acc[at + 4] = a4.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + 4 * depth, xOff, vectorDepth, depth);
    acc[at + 5] = a5.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + 5 * depth, xOff, vectorDepth, depth);
    acc[at + 6] = a6.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + 6 * depth, xOff, vectorDepth, depth);
    acc[at + 7] = a7.reduceLanes(VectorOperators.ADD) + tail(w, x, r0 + 7 * depth, xOff, vectorDepth, depth);
  }

  /** The scalar rest of a row's sum, from {@code from} to {@code depth}. */
  private static int tail(byte[] w, int[] x, int r, int xOff, int from, int depth) {
    int s = 0;
    for (int k = from; k < depth; k++) {
      s += x[xOff + k] * w[r + k];
    }
    return s;
  }

  private static int dotOneRow(byte[] w, int[] x, int r, int xOff, int depth) {
    int vectorDepth = depth - depth % LANES;
    IntVector a = IntVector.zero(INTS);
    for (int k = 0; k < vectorDepth; k += LANES) {
      a = a.add(IntVector.fromArray(INTS, x, xOff + k).mul(widened(w, r + k)));
    }
    return a.reduceLanes(VectorOperators.ADD) + tail(w, x, r, xOff, vectorDepth, depth);
  }

  /** {@code ints[to + i] = w[from + i]} for {@code i < n}: int8 weights widened for {@link #convTaps}. */
  public static void widen(byte[] w, int[] ints, int from, int to, int n) {
    int i = 0;
    for (; i + LANES <= n; i += LANES) {
      widened(w, from + i).intoArray(ints, to + i);
    }
    for (; i < n; i++) {
      ints[to + i] = w[from + i];
    }
  }

  /**
   * A convolution's sums over taps of a prepared int input: for {@code o < outs} and {@code p < len},
   *
   * <pre>
   *   acc[accOff + o·len + p] = Σ_{t < taps} w[wOff + o·taps + t] · in[inOff + in[tableOff + t] + p]
   * </pre>
   *
   * where the table holds each tap's offset in the input. The row form of a stride-1 convolution (a
   * padded input, tap (c, ky, kx) at {@code c·plane + ky·rowStep + kx·colStep}, positions p along its
   * rows) and an im2col matrix (tap t's row at {@code t·len}) both have this shape. One loop over a
   * table, not loops over c, ky and kx: C2 keeps the accumulators in registers only across a single
   * loop (nested, it boxes them, and the kernel ran 13× slower; bench/README.md).
   *
   * <p>The weights are ints ({@link #widen} them first, into scratch): C2 broadcasts an int array
   * element straight from memory, a byte it loads, sign-extends and moves into a vector register
   * first, and those moves held the eight-channel tile at 70 GMAC/s against 100 with int weights
   * (bench/README.md).
   */
  public static void convTaps(int[] w, int[] in, int[] acc, int wOff, int inOff, int accOff, int tableOff,
      int outs, int taps, int len) {
    int o = 0;
    int tiled = len - len % (2 * LANES);
    for (; EIGHT_CHANNEL_TILES && o + 8 <= outs; o += 8) {
      int w0 = wOff + o * taps;
      int out0 = accOff + o * len;
      convEightChannels(w, in, acc, w0, inOff, out0, tableOff, taps, len, tiled);
      if (tiled < len) {
        convFourChannelsFrom(w, in, acc, w0, inOff, out0, tableOff, taps, len, tiled);
        convFourChannelsFrom(w, in, acc, w0 + 4 * taps, inOff, out0 + 4 * len, tableOff, taps, len, tiled);
      }
    }
    for (; o + 4 <= outs; o += 4) {
      int w0 = wOff + o * taps;
      int out0 = accOff + o * len;
      convFourChannels(w, in, acc, w0, inOff, out0, tableOff, taps, len, tiled);
      if (tiled < len) {
        convFourChannelsFrom(w, in, acc, w0, inOff, out0, tableOff, taps, len, tiled);
      }
    }
    for (; o < outs; o++) {
      convOneChannel(w, in, acc, wOff + o * taps, inOff, accOff + o * len, tableOff, taps, len);
    }
  }

  /**
   * Eight channels × two vectors of positions: 16 accumulators, and per tap two input loads and eight
   * weights for 16 multiply-adds (63.7 GMAC/s on resnet20's 16→16 layer against 52.4 for 4 × 2,
   * bench/README.md; the whole model 840 µs against 970), positions up to {@code tiled}, a multiple
   * of two vectors. It calls nothing. On JDK 17 C2 sometimes compiles it with the stores of the last
   * channels unintrinsified and every vector boxed, for the life of the JVM (likely the shared-method
   * traps {@link #VECTOR_CHANNEL_REQUANTIZE} describes; bench/README.md): hence {@link #EIGHT_CHANNEL_TILES}.
   */
  private static void convEightChannels(int[] w, int[] in, int[] acc, int w0, int inOff, int out0, int tableOff,
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

  /**
   * Four channels × two vectors of positions, up to {@code tiled}: every block of channels without
   * {@link #EIGHT_CHANNEL_TILES}, else the four left after the blocks of eight. Tails are {@link #convFourChannelsFrom}'s, in a method of their own, so
   * that neither grows past C2's inlining budget.
   */
  private static void convFourChannels(int[] w, int[] in, int[] acc, int w0, int inOff, int out0, int tableOff,
      int taps, int len, int tiled) {
    int w1 = w0 + taps;
    int w2 = w1 + taps;
    int w3 = w2 + taps;
    int out1 = out0 + len;
    int out2 = out1 + len;
    int out3 = out2 + len;
    for (int p = 0; p < tiled; p += 2 * LANES) {
      IntVector a00 = IntVector.zero(INTS);
      IntVector a01 = IntVector.zero(INTS);
      IntVector a10 = IntVector.zero(INTS);
      IntVector a11 = IntVector.zero(INTS);
      IntVector a20 = IntVector.zero(INTS);
      IntVector a21 = IntVector.zero(INTS);
      IntVector a30 = IntVector.zero(INTS);
      IntVector a31 = IntVector.zero(INTS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        int at = base + in[tableOff + t];
        IntVector x0 = IntVector.fromArray(INTS, in, at);
        IntVector x1 = IntVector.fromArray(INTS, in, at + LANES);
        int v0 = w[w0 + t];
        int v1 = w[w1 + t];
        int v2 = w[w2 + t];
        int v3 = w[w3 + t];
        a00 = a00.add(x0.mul(v0));
        a01 = a01.add(x1.mul(v0));
        a10 = a10.add(x0.mul(v1));
        a11 = a11.add(x1.mul(v1));
        a20 = a20.add(x0.mul(v2));
        a21 = a21.add(x1.mul(v2));
        a30 = a30.add(x0.mul(v3));
        a31 = a31.add(x1.mul(v3));
      }
      a00.intoArray(acc, out0 + p);
      a01.intoArray(acc, out0 + p + LANES);
      a10.intoArray(acc, out1 + p);
      a11.intoArray(acc, out1 + p + LANES);
      a20.intoArray(acc, out2 + p);
      a21.intoArray(acc, out2 + p + LANES);
      a30.intoArray(acc, out3 + p);
      a31.intoArray(acc, out3 + p + LANES);
    }
  }

  /** Four channels, one vector of positions at a time and then one position, {@code from} to {@code len}. */
  private static void convFourChannelsFrom(int[] w, int[] in, int[] acc, int w0, int inOff, int out0, int tableOff,
      int taps, int len, int from) {
    int w1 = w0 + taps;
    int w2 = w1 + taps;
    int w3 = w2 + taps;
    int out1 = out0 + len;
    int out2 = out1 + len;
    int out3 = out2 + len;
    int p = from;
    for (; p + LANES <= len; p += LANES) {
      IntVector a0 = IntVector.zero(INTS);
      IntVector a1 = IntVector.zero(INTS);
      IntVector a2 = IntVector.zero(INTS);
      IntVector a3 = IntVector.zero(INTS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        IntVector x0 = IntVector.fromArray(INTS, in, base + in[tableOff + t]);
        a0 = a0.add(x0.mul(w[w0 + t]));
        a1 = a1.add(x0.mul(w[w1 + t]));
        a2 = a2.add(x0.mul(w[w2 + t]));
        a3 = a3.add(x0.mul(w[w3 + t]));
      }
      a0.intoArray(acc, out0 + p);
      a1.intoArray(acc, out1 + p);
      a2.intoArray(acc, out2 + p);
      a3.intoArray(acc, out3 + p);
    }
    for (; p < len; p++) {
      acc[out0 + p] = scalarTaps(w, in, w0, inOff + p, tableOff, taps);
      acc[out1 + p] = scalarTaps(w, in, w1, inOff + p, tableOff, taps);
      acc[out2 + p] = scalarTaps(w, in, w2, inOff + p, tableOff, taps);
      acc[out3 + p] = scalarTaps(w, in, w3, inOff + p, tableOff, taps);
    }
  }

  private static void convOneChannel(int[] w, int[] in, int[] acc, int w0, int inOff, int out0, int tableOff,
      int taps, int len) {
    int p = 0;
    for (; p + LANES <= len; p += LANES) {
      IntVector a0 = IntVector.zero(INTS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        a0 = a0.add(IntVector.fromArray(INTS, in, base + in[tableOff + t]).mul(w[w0 + t]));
      }
      a0.intoArray(acc, out0 + p);
    }
    for (; p < len; p++) {
      acc[out0 + p] = scalarTaps(w, in, w0, inOff + p, tableOff, taps);
    }
  }

  private static int scalarTaps(int[] w, int[] in, int w0, int at, int tableOff, int taps) {
    int s = 0;
    for (int t = 0; t < taps; t++) {
      s += w[w0 + t] * in[at + in[tableOff + t]];
    }
    return s;
  }

  /** {@code floats[to + i] = w[from + i]} for {@code i < n}: int8 values as the floats {@link #convTaps(float[], float[], int[], float[], int, int, int, int, int, int, int)} sums. */
  public static void widen(byte[] w, float[] floats, int from, int to, int n) {
    int i = 0;
    for (; i + LANES <= n; i += LANES) {
      ((FloatVector) ByteVector.fromArray(BYTES, w, from + i).convertShape(VectorOperators.B2F, SUM_FLOATS, 0))
          .intoArray(floats, to + i);
    }
    for (; i < n; i++) {
      floats[to + i] = w[from + i];
    }
  }

  /**
   * A conv's int8 weights stored row-major, {@code w[from + o·taps + t]}, widened into the float
   * kernel's order: {@code v[to + blocked(o, t)]} (see {@link #convTaps(float[], float[], int[], float[],
   * int, int, int, int, int, int, int)}). Once a run, for a weight the compiler could not store in
   * that order because two convs read it; scalar, a transposition of each block of eight rows.
   */
  public static void widenInChannelBlocks(byte[] w, float[] v, int from, int to, int outs, int taps) {
    int blocked = outs - outs % 8;
    for (int o = 0; o < blocked; o++) {
      int row = from + o * taps;
      int at = to + (o / 8) * 8 * taps + o % 8;
      for (int t = 0; t < taps; t++) {
        v[at + 8 * t] = w[row + t];
      }
    }
    widen(w, v, from + blocked * taps, to + blocked * taps, (outs - blocked) * taps);
  }

  /**
   * A stride-2 convolution's input as its four phases ({@code PhaseRows}): the int8 input padded by
   * {@code top} rows and {@code left} columns with the zero point to {@code rows × width} (both even),
   * padded element (2i + a, 2j + b) of channel c at {@code p[pOff + (c·4 + 2a + b)·planeStride + i·width/2 + j]}.
   * A phase plane is {@code rows/2 × width/2}; {@code planeStride} leaves room after it for what the
   * whole vectors write past a row (up to {@code LANES − 1} elements).
   *
   * <p>Each input row is split into its even and odd bytes with shifts of shorts (two bytes a lane,
   * the even one low: the Vector API reinterprets lanes in little-endian order), widened to floats: a whole vector of shorts covers {@code 2·LANES} bytes, and a
   * row's last vector writes past the row's phase row into the next one of the same phase, which a
   * later input row (two rows down) writes again; the border cells are written last. Scalar where
   * the vector would read past the input's array.
   */
  public static void phases(byte[] x, float[] p, int xOff, int pOff, int channels, int h, int w, int top, int left,
      int rows, int width, int planeStride, float zeroPoint) {
    int half = width / 2;
    int evenPhase = left & 1;
    int oddPhase = (left + 1) & 1;
    int evenAt = left >> 1;
    int oddAt = (left + 1) >> 1;
    for (int c = 0; c < channels; c++) {
      for (int iy = 0; iy < h; iy++) {
        int padded = iy + top;
        int phaseRow = (c * 4 + 2 * (padded & 1)) * planeStride + (padded >> 1) * half;
        int even = pOff + phaseRow + evenPhase * planeStride + evenAt;
        int odd = pOff + phaseRow + oddPhase * planeStride + oddAt;
        int from = xOff + (c * h + iy) * w;
        int ix = 0;
        for (; ix < w && from + ix + 2 * LANES <= x.length; ix += 2 * LANES) {
          ShortVector pairs = ByteVector.fromArray(PAIRS, x, from + ix).reinterpretAsShorts();
          evenBytes(pairs).intoArray(p, even + ix / 2);
          oddBytes(pairs).intoArray(p, odd + ix / 2);
        }
        for (; ix < w; ix++) {
          p[(ix & 1) == 0 ? even + ix / 2 : odd + ix / 2] = x[from + ix];
        }
      }
      // The border cells of each phase plane: whole padding rows, then each row's columns outside the input.
      for (int phase = 0; phase < 4; phase++) {
        int a = phase >> 1;
        int b = phase & 1;
        int plane = pOff + (c * 4 + phase) * planeStride;
        // Phase columns j with left <= 2j + b < left + w.
        int first = Math.max(0, (left - b + 1) >> 1);
        int end = Math.min(half, (left + w - b + 1) >> 1);
        for (int i = 0; i < rows / 2; i++) {
          int padded = 2 * i + a;
          int row = plane + i * half;
          boolean inside = padded >= top && padded < top + h;
          for (int j = 0; j < (inside ? first : half); j++) {
            p[row + j] = zeroPoint;
          }
          for (int j = inside ? Math.max(first, end) : half; j < half; j++) {
            p[row + j] = zeroPoint;
          }
        }
      }
    }
  }

  /**
   * The weights of F(2,3) along the height ({@code WinogradRows}): from int8 weights stored as three
   * blocks of {@code n} bytes, g_k = {@code w[wOff + k·n + j]} the row ky = k of every (o, c, kx), four
   * blocks of {@code n} floats from {@code vOff}: V_0 = 2·g_0, V_1 = g_0 + g_1 + g_2, V_2 = g_0 − g_1 + g_2,
   * V_3 = 2·g_2 (the rows of 2G, so that the sums come out twice the convolution's). Each an integer
   * below 2^10 in magnitude, so exact.
   */
  public static void winogradWeights(byte[] w, float[] v, int wOff, int vOff, int n) {
    int j = 0;
    for (; j + LANES <= n; j += LANES) {
      FloatVector g0 = widenedFloats(w, wOff + j);
      FloatVector g1 = widenedFloats(w, wOff + n + j);
      FloatVector g2 = widenedFloats(w, wOff + 2 * n + j);
      FloatVector outer = g0.add(g2);
      g0.add(g0).intoArray(v, vOff + j);
      outer.add(g1).intoArray(v, vOff + n + j);
      outer.sub(g1).intoArray(v, vOff + 2 * n + j);
      g2.add(g2).intoArray(v, vOff + 3 * n + j);
    }
    for (; j < n; j++) {
      float g0 = w[wOff + j];
      float g1 = w[wOff + n + j];
      float g2 = w[wOff + 2 * n + j];
      v[vOff + j] = g0 + g0;
      v[vOff + n + j] = g0 + g2 + g1;
      v[vOff + 2 * n + j] = g0 + g2 - g1;
      v[vOff + 3 * n + j] = g2 + g2;
    }
  }

  /**
   * The input of F(2,3) along the height, from the stored int8 input: for every channel c &lt;
   * {@code channels} and pair of output rows r &lt; {@code pairs}, with d_k row 2r + k of the input
   * padded by {@code top} rows and {@code left} columns with the zero point (an input row is {@code
   * x[xOff + (c·h + iy)·w + ix]}, {@code width} padded columns), four rows u_i at {@code u[uOff + i·block
   * + c·plane + r·width + j]}, j &lt; {@code width}: u_0 = d_0 − d_2, u_1 = d_1 + d_2, u_2 = d_2 − d_1,
   * u_3 = d_1 − d_3 (the rows of Bᵀ). Integers of at most 256 in magnitude, so exact.
   *
   * <p>Straight from the bytes: the padded input is never stored (step 28: its widening and reading
   * back cost resnet20 ~40 µs). Whole vectors where the bytes allow: a row's last vector runs up to
   * {@code LANES − 1} elements past it, writing the next row's start, which a later iteration writes
   * again (rows go in order, the border cells after the inside), so the caller leaves that many
   * writable elements after each block's last plane. Where the rows are whole vectors (resnet20's 32
   * and 16 wide), the border cells come first instead, a vector a run of them ({@link #borderVector}).
   */
  public static void winogradInput(byte[] x, float[] u, int xOff, int uOff, int channels, int h, int w, int top,
      int left, int width, int pairs, int plane, int block, float zeroPoint) {
    int whole = w - w % LANES;
    int border = width - w;
    // Rows of whole vectors, at least one, and borders no wider than a vector: each run of border cells
    // (a row's right, the next row's left) is written first, by one vector a plane that ends where the
    // next row's inputs begin, its other lanes inside the row before, which the inputs then overwrite;
    // the first row's left border and the last row's right one the same way.
    boolean borderVectors = whole == w && w >= LANES && border <= LANES && pairs > 0;
    float twice = zeroPoint + zeroPoint;
    for (int c = 0; c < channels; c++) {
      int image = xOff + c * h * w;
      int to = uOff + c * plane + left;
      if (borderVectors) {
        int first = to - left;
        borderVector(u, first, block, twice);
        for (int r = 1; r < pairs; r++) {
          borderVector(u, first + r * width + left - LANES, block, twice);
        }
        borderVector(u, first + pairs * width - LANES, block, twice);
      }
      // A last part-vector first, so that the whole vectors of the next row overwrite what it runs past.
      if (whole < w) {
        winogradColumns(x, u, image, to, h, w, top, width, pairs, block, zeroPoint, whole);
      }
      for (int ix = 0; ix < whole; ix += LANES) {
        winogradColumns(x, u, image, to, h, w, top, width, pairs, block, zeroPoint, ix);
      }
      if (borderVectors) {
        continue;
      }
      for (int r = 0; r < pairs; r++) {
        int row = to - left + r * width;
        for (int j = 0; j < left; j++) {
          paddingColumn(u, row + j, block, twice);
        }
        for (int j = left + w; j < width; j++) {
          paddingColumn(u, row + j, block, twice);
        }
      }
    }
  }

  /**
   * {@link #winogradInput}'s rows of one channel at input columns ix … ix + LANES − 1, pair after pair,
   * each input row widened once: rows 2r + 2 and 2r + 3 are the next pair's first two. Scalar where
   * the vector would read past the input's array.
   */
  private static void winogradColumns(byte[] x, float[] u, int image, int to, int h, int w, int top, int width,
      int pairs, int block, float zeroPoint, int ix) {
    FloatVector zp = FloatVector.broadcast(SUM_FLOATS, zeroPoint);
    if (image + (h - 1) * w + ix + LANES > x.length) {
      for (int j = ix; j < w; j++) {
        for (int r = 0; r < pairs; r++) {
          float d0 = inputOrZeroPoint(x, image, h, w, 2 * r - top, j, zeroPoint);
          float d1 = inputOrZeroPoint(x, image, h, w, 2 * r + 1 - top, j, zeroPoint);
          float d2 = inputOrZeroPoint(x, image, h, w, 2 * r + 2 - top, j, zeroPoint);
          float d3 = inputOrZeroPoint(x, image, h, w, 2 * r + 3 - top, j, zeroPoint);
          int at = to + r * width + j;
          u[at] = d0 - d2;
          u[at + block] = d1 + d2;
          u[at + 2 * block] = d2 - d1;
          u[at + 3 * block] = d1 - d3;
        }
      }
      return;
    }
    FloatVector d0 = inputRow(x, image, h, w, -top, ix, zp);
    FloatVector d1 = inputRow(x, image, h, w, 1 - top, ix, zp);
    for (int r = 0; r < pairs; r++) {
      FloatVector d2 = inputRow(x, image, h, w, 2 * r + 2 - top, ix, zp);
      FloatVector d3 = inputRow(x, image, h, w, 2 * r + 3 - top, ix, zp);
      int at = to + r * width + ix;
      d0.sub(d2).intoArray(u, at);
      d1.add(d2).intoArray(u, at + block);
      d2.sub(d1).intoArray(u, at + 2 * block);
      d1.sub(d3).intoArray(u, at + 3 * block);
      d0 = d2;
      d1 = d3;
    }
  }

  /** Input row iy (of a channel's image at {@code image}) at columns ix …, widened; the zero point outside. */
  private static FloatVector inputRow(byte[] x, int image, int h, int w, int iy, int ix, FloatVector zp) {
    return iy >= 0 && iy < h ? widenedFloats(x, image + iy * w + ix) : zp;
  }

  private static float inputOrZeroPoint(byte[] x, int image, int h, int w, int iy, int ix, float zeroPoint) {
    return iy >= 0 && iy < h ? x[image + iy * w + ix] : zeroPoint;
  }

  /**
   * Bᵀ of the zero point in {@link #LANES} cells of each plane from {@code at}: 0, 2·zeroPoint, 0, 0.
   * Written a cell at a time, a pair row's border columns cost resnet20's 16→16 layers' input
   * transform ~1.6 of its 3.7 µs and the 32→32 ones' ~1.8 of 2.8; a vector a run of them, 3.2 and 1.7
   * (bench/README.md, step 34).
   */
  private static void borderVector(float[] u, int at, int block, float twice) {
    FloatVector zero = FloatVector.zero(SUM_FLOATS);
    zero.intoArray(u, at);
    FloatVector.broadcast(SUM_FLOATS, twice).intoArray(u, at + block);
    zero.intoArray(u, at + 2 * block);
    zero.intoArray(u, at + 3 * block);
  }

  private static void paddingColumn(float[] u, int at, int block, float twice) {
    u[at] = 0;
    u[at + block] = twice;
    u[at + 2 * block] = 0;
    u[at + 3 * block] = 0;
  }

  /**
   * The output of F(2,3) along the height, requantized: from the four sums m_i of each channel o &lt;
   * {@code channels} and pair of rows r &lt; {@code pairs} ({@code m[mOff + i·block + o·len + r·width + x]}),
   * the convolution's sums of rows 2r and 2r + 1, (m_0 + (m_1 + m_2)) / 2 and ((m_1 − m_2) − m_3) / 2
   * (the rows of Aᵀ, halved for 2G), requantized as {@link #requantize(float[], float[], float[], byte[], int[], int, int, int, int, int, int, int, int, int, int, double, double, double, double, double)}
   * does into {@code out[outOff + (o·2·pairs + 2r + a)·cols + x]}, x &lt; {@code cols}.
   *
   * <p>Exact where the caller has bounded the sums ({@code WinogradRows}): every m_i is an integer below
   * 2^24 in magnitude; m_0, m_3, m_1 + m_2, m_1 − m_2 and both results before halving are twice a sum of
   * weight × input products, so even integers below 2^25, which floats hold. Fused so that the rows are
   * not stored and read again (bench/README.md, step 27). In float lanes where the rows are whole
   * vectors ({@link #requantizeWinogradInFloats}), in double lanes elsewhere.
   */
  public static void requantizeWinograd(float[] m, float[] scales, float[] bias, byte[] out, int[] start, int mOff,
      int block, int len, int width, int outOff, int channels, int pairs, int cols, int startOff, int scalesOff,
      int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    if (WIDE && cols % LANES == 0 && mOff + 3 * block + (channels - 1) * len + (pairs - 1) * width + cols <= m.length) {
      requantizeWinogradInFloats(m, scales, bias, out, start, mOff, block, len, width, outOff, channels, pairs, cols,
          startOff, scalesOff, biasOff, inScale, outScale, zeroPoint, min, max);
      return;
    }
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    for (int o = 0; o < channels; o++) {
      double mul = inScale * (double) scales[scalesOff + o];
      double b = hasBias ? (double) bias[biasOff + o] : 0.0;
      double c = startOff >= 0 ? start[startOff + o] : 0;
      for (int r = 0; r < pairs; r++) {
        int a = mOff + o * len + r * width;
        int q = outOff + (o * pairs + r) * 2 * cols;
        int x = 0;
        if (WIDE) {
          for (; x + 8 <= cols && a + 3 * block + x + LANES <= m.length; x += 8) {
            FloatVector m0 = FloatVector.fromArray(SUM_FLOATS, m, a + x);
            FloatVector m1 = FloatVector.fromArray(SUM_FLOATS, m, a + block + x);
            FloatVector m2 = FloatVector.fromArray(SUM_FLOATS, m, a + 2 * block + x);
            FloatVector m3 = FloatVector.fromArray(SUM_FLOATS, m, a + 3 * block + x);
            DoubleVector top = ((DoubleVector) firstOfPair(m0, m1, m2)
                .convertShape(VectorOperators.F2D, DOUBLES_8, 0)).add(c).mul(mul);
            DoubleVector bottom = ((DoubleVector) secondOfPair(m1, m2, m3)
                .convertShape(VectorOperators.F2D, DOUBLES_8, 0)).add(c).mul(mul);
            if (hasBias) {
              top = top.add(b);
              bottom = bottom.add(b);
            }
            quantizedLanes(top, outScale, zeroPoint, low, high).intoArray(out, q + x);
            quantizedLanes(bottom, outScale, zeroPoint, low, high).intoArray(out, q + cols + x);
          }
        }
        requantizeWinogradLanes(m, out, a, q, block, cols, x, cols, c, mul, b, hasBias, outScale, zeroPoint, low, high);
      }
    }
  }

  /**
   * {@link #requantizeWinograd} where the rows are whole vectors of floats: each channel's pairs of rows
   * as one run of {@link #LANES} columns a step, in float lanes, twice the double lanes' width and one
   * division fewer — 16 K outputs (resnet20's 16→16 layer) in 3.0–3.1 µs against 5.1–5.5
   * (bench/README.md, step 31). The same bytes: a lane's t = fma(sum, α, β) rounds to the double route's integer
   * wherever it lies farther than {@link FloatRequantization}'s margin from a half-integer, and F + t
   * ({@link #FLOAT_MAGIC}) is then F + that integer; a group of steps with a lane nearer (about 1 in
   * 10^4 lanes), or a NaN, runs again a step at a time, and its uncertain steps by the double route. Lanes far past the bounds need no
   * care: F + t lies past the bound on t's side, its bits compared as ints, as in {@link #quantize}.
   */
  private static void requantizeWinogradInFloats(float[] m, float[] scales, float[] bias, byte[] out, int[] start,
      int mOff, int block, int len, int width, int outOff, int channels, int pairs, int cols, int startOff,
      int scalesOff, int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    int steps = pairs * cols;
    double inverse = 1 / outScale;
    for (int o = 0; o < channels; o++) {
      double mul = inScale * (double) scales[scalesOff + o];
      double b = hasBias ? (double) bias[biasOff + o] : 0.0;
      double c = startOff >= 0 ? start[startOff + o] : 0;
      int a = mOff + o * len;
      int q = outOff + o * pairs * 2 * cols;
      int k = 0;
      while ((k = requantizeWinogradRowsInFloats(m, out, a, q, k, steps, block, width, cols, mul, c, b, inverse,
          zeroPoint, min, max, STEPS_PER_TEST)) < steps) {
        // The group again, a test a step, and the uncertain steps by the double route.
        int end = Math.min(steps, k + STEPS_PER_TEST * LANES);
        while ((k = requantizeWinogradRowsInFloats(m, out, a, q, k, end, block, width, cols, mul, c, b, inverse,
            zeroPoint, min, max, 1)) < end) {
          int r = k / cols;
          requantizeWinogradLanes(m, out, a + r * width, q + r * 2 * cols, block, cols, k % cols, k % cols + LANES, c,
              mul, b, hasBias, outScale, zeroPoint, low, high);
          k += LANES;
        }
      }
    }
  }

  /**
   * One channel's pairs of rows of {@link #requantizeWinogradInFloats} from step k to {@code steps}
   * (pairs·cols in all, a multiple of {@link #LANES}), testing as {@link #requantizeRowsInFloats}
   * does; returns the start of the first uncertain group, or {@code steps}. The 16→16 layers of
   * resnet20: 3.2–3.3 → 2.6–2.7 µs (a test every step before, bench/README.md, step 32).
   */
  private static int requantizeWinogradRowsInFloats(float[] m, byte[] out, int a, int q, int k, int steps, int block,
      int width, int cols, double mul, double c, double b, double inverse, double zeroPoint, double min, double max,
      int group) {
    int lowBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) min);
    int highBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) max);
    FloatVector slopes = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.slope(mul, inverse));
    FloatVector offsets = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.offset(mul, c, b, inverse, zeroPoint));
    int limitBits = Float.floatToRawIntBits(
        FloatRequantization.limit(min, max, FloatRequantization.fixedMargin(mul, c, b, inverse, zeroPoint)));
    int x = k % cols;
    a += k / cols * width;
    q += k / cols * 2 * cols;
    IntVector worst = IntVector.zero(INTS);
    int first = k;
    for (int s = 0; k < steps; k += LANES, s++) {
      FloatVector m0 = FloatVector.fromArray(SUM_FLOATS, m, a + x);
      FloatVector m1 = FloatVector.fromArray(SUM_FLOATS, m, a + block + x);
      FloatVector m2 = FloatVector.fromArray(SUM_FLOATS, m, a + 2 * block + x);
      FloatVector m3 = FloatVector.fromArray(SUM_FLOATS, m, a + 3 * block + x);
      FloatVector top = firstOfPair(m0, m1, m2).fma(slopes, offsets);
      FloatVector bottom = secondOfPair(m1, m2, m3).fma(slopes, offsets);
      FloatVector topMagic = top.add(FLOAT_MAGIC);
      FloatVector bottomMagic = bottom.add(FLOAT_MAGIC);
      worst = worst.max(roundingDoubt(top, topMagic)).max(roundingDoubt(bottom, bottomMagic));
      floatQuantizedBytes(topMagic, lowBits, highBits).intoArray(out, q + x);
      floatQuantizedBytes(bottomMagic, lowBits, highBits).intoArray(out, q + cols + x);
      x += LANES;
      if (x == cols) {
        x = 0;
        a += width;
        q += 2 * cols;
      }
      if ((s & (group - 1)) == group - 1 || k + LANES >= steps) {
        if (!certain(worst, limitBits)) {
          return first;
        }
        worst = IntVector.zero(INTS);
        first = k + LANES;
      }
    }
    return k;
  }

  /** {@link #requantizeWinograd}'s double route for the columns {@code from ≤ x < to} of one pair of rows. */
  private static void requantizeWinogradLanes(float[] m, byte[] out, int a, int q, int block, int cols, int from,
      int to, double c, double mul, double b, boolean hasBias, double outScale, double zeroPoint, long low, long high) {
    for (int x = from; x < to; x++) {
      float m0 = m[a + x];
      float m1 = m[a + block + x];
      float m2 = m[a + 2 * block + x];
      float m3 = m[a + 3 * block + x];
      double top = ((double) firstOfPair(m0, m1, m2) + c) * mul;
      double bottom = ((double) secondOfPair(m1, m2, m3) + c) * mul;
      if (hasBias) {
        top = top + b;
        bottom = bottom + b;
      }
      out[q + x] = quantizedLane(top, outScale, zeroPoint, low, high);
      out[q + cols + x] = quantizedLane(bottom, outScale, zeroPoint, low, high);
    }
  }

  /**
   * The lanes of t (a requantized value + zero point, in floats) whose integer {@code FLOAT_MAGIC + t}
   * (here {@code magic}) is sure to be the double route's: t lies farther from a half-integer than
   * {@link FloatRequantization#MARGIN_PER_UNIT}·|t| + {@code fixed}. False for NaN lanes.
   */
  /**
   * |t − rint(t)| for each lane, as int bits (non-negative, a NaN's sign cleared; such bits order as
   * the floats do), so that a loop folds its steps with an int max and tests every {@link
   * #STEPS_PER_TEST} steps whether all lie below its limit ({@link #certain}).
   */
  private static IntVector roundingDoubt(FloatVector t, FloatVector magic) {
    return t.sub(magic.sub(FLOAT_MAGIC)).abs().reinterpretAsInts();
  }

  /** True if every lane of {@link #roundingDoubt}s folded by max lies below the limit's bits: no NaN, no lane too near a half-integer. */
  private static boolean certain(IntVector worst, int limitBits) {
    return worst.compare(VectorOperators.LT, limitBits).allTrue();
  }

  private static VectorMask<Float> roundingIsCertain(FloatVector t, FloatVector magic, float fixed) {
    FloatVector fraction = t.sub(magic.sub(FLOAT_MAGIC)).abs();
    return fraction.add(t.abs().fma(FloatRequantization.MARGIN_PER_UNIT, fixed)).compare(VectorOperators.LT, 0.5f);
  }

  /** The bytes of {@code FLOAT_MAGIC + t} lanes, their bits clamped to [lowBits, highBits] as ints ({@link #quantize}). */
  private static ByteVector floatQuantizedBytes(FloatVector magic, int lowBits, int highBits) {
    return (ByteVector) magic.reinterpretAsInts().max(lowBits).min(highBits).convertShape(VectorOperators.I2B, BYTES, 0);
  }

  /**
   * The input of F(2,3) along the width ({@code WinogradColumns}), from the stored int8 input of
   * {@code channels} images of {@code h} rows of {@code 2·half} bytes ({@code x[xOff + (c·h + iy)·2·half + ix]}),
   * padded by one column each side and {@code top} rows above with the zero point: for every channel
   * c, padded row py &lt; {@code planeRows} (input row py − top, all zero points outside) and pair of
   * output columns j &lt; {@code half}, with d_k padded column 2j + k of the row, four values u_i at
   * {@code u[uOff + i·block + c·planeRows·half + py·half + j]}: u_0 = d_0 − d_2, u_1 = d_1 + d_2,
   * u_2 = d_2 − d_1, u_3 = d_1 − d_3 (the rows of Bᵀ). Integers of at most 256 in magnitude, so exact.
   *
   * <p>Three passes. First each channel's even and odd input bytes ({@link #phases}' two shifts of
   * 16-bit lanes) go where they are a d_k, the whole image as one run of pairs (its rows are
   * contiguous and a plane row holds a row's pairs): input column 2m is padded column 2m + 1, d_1 of
   * pair m and d_3 of pair m − 1; column 2m + 1 is d_2 of pair m and d_0 of pair m + 1. So d_0 and
   * d_3 are the same runs one position later and earlier; what they write across a row's ends are
   * border cells. Whole vectors run past an image into cells later channels or the next passes
   * write again, and one element before it: the caller leaves {@code 2·LANES} writable elements after
   * each block's planes and one before the fourth. Then the padding rows and each input row's two
   * border cells (where a row's pairs divide a vector, within the first pass: {@link
   * #winogradColumnsInputWithBorderLanes}). Then Bᵀ in place over all channels' planes: each
   * position's four d_k give its u_i.
   */
  public static void winogradColumnsInput(byte[] x, float[] u, int xOff, int uOff, int channels, int h, int top,
      int half, int planeRows, int block, float zeroPoint) {
    int plane = planeRows * half;
    int rows = Math.min(h, planeRows - top);
    int pairs = rows * half;
    if (LANES % half == 0 && pairs % LANES == 0 && pairs > 0) {
      winogradColumnsInputWithBorderLanes(x, u, xOff, uOff, channels, h, top, half, plane, pairs, block, zeroPoint);
    } else {
      winogradColumnsInputThenBorders(x, u, xOff, uOff, channels, h, top, half, planeRows, rows, block, zeroPoint);
    }
    int n = channels * plane;
    int j = 0;
    for (; j + LANES <= n; j += LANES) {
      int at = uOff + j;
      FloatVector d0 = FloatVector.fromArray(SUM_FLOATS, u, at);
      FloatVector d2 = FloatVector.fromArray(SUM_FLOATS, u, at + block);
      FloatVector d1 = FloatVector.fromArray(SUM_FLOATS, u, at + 2 * block);
      FloatVector d3 = FloatVector.fromArray(SUM_FLOATS, u, at + 3 * block);
      d0.sub(d2).intoArray(u, at);
      d1.add(d2).intoArray(u, at + block);
      d2.sub(d1).intoArray(u, at + 2 * block);
      d1.sub(d3).intoArray(u, at + 3 * block);
    }
    for (; j < n; j++) {
      int at = uOff + j;
      float d0 = u[at];
      float d2 = u[at + block];
      float d1 = u[at + 2 * block];
      float d3 = u[at + 3 * block];
      u[at] = d0 - d2;
      u[at + block] = d1 + d2;
      u[at + 2 * block] = d2 - d1;
      u[at + 3 * block] = d1 - d3;
    }
  }

  /**
   * {@link #winogradColumnsInput}'s first two passes where each plane row's border cells fall on fixed
   * lanes of a whole vector (half divides {@link #LANES}, whole vectors of pairs): the runs of d_0 and
   * d_3 put the zero point in those lanes as they store (a fused multiply-add with a 0/1 vector, exact),
   * and the padding rows are filled by whole vectors, before an image's pairs (which overwrite what
   * they run into) and after them (the next channel overwrites what they run into). A cell at a time,
   * the borders took resnet20's 64→64 layers' input transform to 2.3 µs, this way 1.9 (bench/README.md,
   * step 35).
   */
  private static void winogradColumnsInputWithBorderLanes(byte[] x, float[] u, int xOff, int uOff, int channels,
      int h, int top, int half, int plane, int pairs, int block, float zeroPoint) {
    FloatVector points = FloatVector.broadcast(SUM_FLOATS, zeroPoint);
    FloatVector keepStarts = FloatVector.fromArray(SUM_FLOATS, BORDER_LANES_KEEP[half], 0);
    FloatVector keepEnds = FloatVector.fromArray(SUM_FLOATS, BORDER_LANES_KEEP[half], LANES);
    // The zero point in the lanes a keep vector zeroes, 0 elsewhere: zp − zp·keep, exact either way.
    FloatVector startPoints = points.sub(keepStarts.mul(zeroPoint));
    FloatVector endPoints = points.sub(keepEnds.mul(zeroPoint));
    for (int c = 0; c < channels; c++) {
      int from = xOff + c * h * 2 * half;
      int start = uOff + c * plane;
      int at = start + top * half;
      // The rows above, and d_0's first cell (the first row's left border), which its run starts after.
      for (int i = 0; i < 4; i++) {
        for (int k = start + i * block; k < at + i * block + (i == 0 ? 1 : 0); k += LANES) {
          points.intoArray(u, k);
        }
      }
      for (int m = 0; m < pairs; m += LANES) {
        ShortVector bytes = ByteVector.fromArray(PAIRS, x, from + 2 * m).reinterpretAsShorts();
        FloatVector even = evenBytes(bytes);
        FloatVector odd = oddBytes(bytes);
        // d_0 from m + 1: lanes half − 1, 2·half − 1, … land on row starts; d_3 from m − 1: lanes 0, half, … on row ends.
        odd.fma(keepEnds, endPoints).intoArray(u, at + m + 1);
        odd.intoArray(u, at + block + m);
        even.intoArray(u, at + 2 * block + m);
        even.fma(keepStarts, startPoints).intoArray(u, at + 3 * block + m - 1);
      }
      // The rows below, and d_3's last cell (the last row's right border), which its run ends before.
      for (int i = 0; i < 4; i++) {
        for (int k = at + i * block + pairs - (i == 3 ? 1 : 0); k < start + i * block + plane; k += LANES) {
          points.intoArray(u, k);
        }
      }
    }
  }

  /**
   * The column matrix of an unpadded 1×1 convolution of stride 2 ({@code ColumnConvolution}), centred:
   * {@code m[mOff + c·stride + y·cols + x] = x[xOff + (c·h + 2y)·w + 2x] − zeroPoint} for {@code c <
   * channels, y < rows, x < cols}, int8 values. A vector of pairs a step, its even bytes (as {@link
   * #phases} splits them). A row's rest is one more vector whose lanes past the row land in the next
   * row's elements, which a later step writes again, or past the last row, so the caller leaves {@code
   * LANES − 1} writable elements after the matrix; singly only where the load would pass the input's end.
   * The generated loop stored each element twice (a zero, then the value behind four bounds tests
   * that cannot fail here): 2.3 µs of resnet20's 16→32 downsampling layer (`/tmp` `P13`); its 32→64
   * one, rows of 8, took 1.0–2.5 µs singly (`/tmp` `P23`).
   */
  public static void strideTwoColumns(byte[] x, float[] m, int xOff, int mOff, int channels, int h, int w, int rows,
      int cols, int stride, float zeroPoint) {
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < rows; y++) {
        int from = xOff + (c * h + 2 * y) * w;
        int to = mOff + c * stride + y * cols;
        int i = 0;
        for (; i < cols && from + 2 * (i + LANES) <= x.length; i += LANES) {
          evenBytes(ByteVector.fromArray(PAIRS, x, from + 2 * i).reinterpretAsShorts()).sub(zeroPoint)
              .intoArray(m, to + i);
        }
        for (; i < cols; i++) {
          m[to + i] = x[from + 2 * i] - zeroPoint;
        }
      }
    }
  }

  /** The even bytes of {@link #LANES} little-endian pairs, as floats: each short's low byte, sign-extended. */
  private static FloatVector evenBytes(ShortVector pairs) {
    return (FloatVector) pairs.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
        .convertShape(VectorOperators.S2F, SUM_FLOATS, 0);
  }

  /** The odd bytes of {@link #LANES} little-endian pairs, as floats: each short's high byte. */
  private static FloatVector oddBytes(ShortVector pairs) {
    return (FloatVector) pairs.lanewise(VectorOperators.ASHR, 8).convertShape(VectorOperators.S2F, SUM_FLOATS, 0);
  }

  /** {@link #winogradColumnsInput}'s first two passes a cell at a time where a vector's lanes do not fall on the borders. */
  private static void winogradColumnsInputThenBorders(byte[] x, float[] u, int xOff, int uOff, int channels, int h,
      int top, int half, int planeRows, int rows, int block, float zeroPoint) {
    int plane = planeRows * half;
    int pairs = rows * half;
    for (int c = 0; c < channels; c++) {
      int from = xOff + c * h * 2 * half;
      int at = uOff + c * plane + top * half;
      int m = 0;
      for (; m < pairs && from + 2 * m + 2 * LANES <= x.length; m += LANES) {
        ShortVector bytes = ByteVector.fromArray(PAIRS, x, from + 2 * m).reinterpretAsShorts();
        FloatVector even = evenBytes(bytes);
        FloatVector odd = oddBytes(bytes);
        odd.intoArray(u, at + m + 1);
        odd.intoArray(u, at + block + m);
        even.intoArray(u, at + 2 * block + m);
        even.intoArray(u, at + 3 * block + m - 1);
      }
      for (; m < pairs; m++) {
        float even = x[from + 2 * m];
        float odd = x[from + 2 * m + 1];
        u[at + m + 1] = odd;
        u[at + block + m] = odd;
        u[at + 2 * block + m] = even;
        u[at + 3 * block + m - 1] = even;
      }
    }
    for (int c = 0; c < channels; c++) {
      for (int py = 0; py < planeRows; py++) {
        int row = uOff + c * plane + py * half;
        if (py < top || py >= top + rows) {
          for (int j = row; j < row + half; j++) {
            u[j] = zeroPoint;
            u[j + block] = zeroPoint;
            u[j + 2 * block] = zeroPoint;
            u[j + 3 * block] = zeroPoint;
          }
        } else {
          u[row] = zeroPoint;
          u[row + 3 * block + half - 1] = zeroPoint;
        }
      }
    }
  }

  /**
   * The output of F(2,3) along the width, requantized: from the four sums m_i of each channel o &lt;
   * {@code channels} and position p = oy·half + j &lt; {@code positions} ({@code m[mOff + i·block + o·len + p]}),
   * the convolution's sums of columns 2j and 2j + 1 of row oy, (m_0 + (m_1 + m_2)) / 2 and ((m_1 − m_2) − m_3) / 2,
   * requantized as {@link #requantizeWinograd} does into {@code out[outOff + o·2·positions + 2p + a]}:
   * the output row is 2·half wide, so a pair's two columns are adjacent bytes. Exact for the same
   * reasons.
   *
   * <p>In float lanes where the rounding is certain ({@link #requantizeWinogradColumnsInFloats}), by
   * the double route elsewhere.
   */
  public static void requantizeWinogradColumns(float[] m, float[] scales, float[] bias, byte[] out, int[] start,
      int mOff, int block, int len, int outOff, int channels, int positions, int startOff, int scalesOff,
      int biasOff, double inScale, double outScale, double zeroPoint, double min, double max) {
    boolean hasBias = biasOff >= 0;
    long low = Double.doubleToRawLongBits(MAGIC + min);
    long high = Double.doubleToRawLongBits(MAGIC + max);
    boolean floats = WIDE && mOff + 3 * block + (channels - 1) * len + positions <= m.length;
    int k = 0;
    int end = channels * positions;
    while (k < end) {
      if (floats) {
        k = requantizeWinogradColumnsInFloats(m, scales, bias, out, start, mOff, block, len, outOff, channels,
            positions, startOff, scalesOff, biasOff, inScale, outScale, zeroPoint, min, max, k);
        if (k == end) {
          break;
        }
      }
      // The double route for the step (or a channel's rest) where the float lanes stopped, or everything.
      int o = k / positions;
      int p = k % positions;
      int to = floats && p + LANES <= positions ? p + LANES : positions;
      double mul = inScale * (double) scales[scalesOff + o];
      double b = hasBias ? (double) bias[biasOff + o] : 0.0;
      double c = startOff >= 0 ? start[startOff + o] : 0;
      requantizeWinogradColumnsLanes(m, out, mOff + o * len, outOff + o * 2 * positions, block, p, to, c, mul, b,
          hasBias, outScale, zeroPoint, low, high);
      k += to - p;
    }
  }

  /**
   * {@link #requantizeWinogradColumns} in float lanes ({@link #requantizeWinogradInFloats}' route and
   * proof), {@link #LANES} positions a step, from step k = o·positions + p of channel o on, over all
   * channels, until a step whose rounding is not certain or a channel's rest of fewer than {@link
   * #LANES} positions; returns where it stopped (channels·positions at the end). A position's two
   * bytes are put together in an int lane (left | right &lt;&lt; 8) and the lanes narrowed to 16 bits,
   * so a step stores its 2·{@link #LANES} outputs as one run. One call for all channels: resnet20's
   * 64→64 layers have 32 positions a channel, and a call a channel cost more than its two steps.
   * 64 channels × 32 positions: 1.45–1.57 µs against 2.43–2.69 for step 30's double lanes, which or-reduced
   * shifted bytes into longs (bench/README.md, step 31).
   */
  private static int requantizeWinogradColumnsInFloats(float[] m, float[] scales, float[] bias, byte[] out,
      int[] start, int mOff, int block, int len, int outOff, int channels, int positions, int startOff, int scalesOff,
      int biasOff, double inScale, double outScale, double zeroPoint, double min, double max, int k) {
    int lowBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) min);
    int highBits = Float.floatToRawIntBits(FLOAT_MAGIC + (float) max);
    double inverse = 1 / outScale;
    for (int o = k / positions; o < channels; o++) {
      double mul = inScale * (double) scales[scalesOff + o];
      double b = biasOff >= 0 ? (double) bias[biasOff + o] : 0.0;
      double c = startOff >= 0 ? start[startOff + o] : 0;
      FloatVector slopes = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.slope(mul, inverse));
      FloatVector offsets = FloatVector.broadcast(SUM_FLOATS, FloatRequantization.offset(mul, c, b, inverse, zeroPoint));
      float fixedMargin = FloatRequantization.fixedMargin(mul, c, b, inverse, zeroPoint);
      int a = mOff + o * len;
      int q = outOff + o * 2 * positions;
      int p = k - o * positions;
      for (; p + LANES <= positions; p += LANES) {
        FloatVector m0 = FloatVector.fromArray(SUM_FLOATS, m, a + p);
        FloatVector m1 = FloatVector.fromArray(SUM_FLOATS, m, a + block + p);
        FloatVector m2 = FloatVector.fromArray(SUM_FLOATS, m, a + 2 * block + p);
        FloatVector m3 = FloatVector.fromArray(SUM_FLOATS, m, a + 3 * block + p);
        FloatVector left = firstOfPair(m0, m1, m2).fma(slopes, offsets);
        FloatVector right = secondOfPair(m1, m2, m3).fma(slopes, offsets);
        FloatVector leftMagic = left.add(FLOAT_MAGIC);
        FloatVector rightMagic = right.add(FLOAT_MAGIC);
        if (!roundingIsCertain(left, leftMagic, fixedMargin).and(roundingIsCertain(right, rightMagic, fixedMargin))
            .allTrue()) {
          return o * positions + p;
        }
        IntVector pairs = leftMagic.reinterpretAsInts().max(lowBits).min(highBits).and(0xff)
            .or(rightMagic.reinterpretAsInts().max(lowBits).min(highBits).lanewise(VectorOperators.LSHL, 8).and(0xff00));
        ShortVector narrowed = (ShortVector) pairs.convertShape(VectorOperators.I2S, PAIR_SHORTS, 0);
        ((ByteVector) narrowed.reinterpretShape(BYTES, 0)).intoArray(out, q + 2 * p);
        ((ByteVector) narrowed.reinterpretShape(BYTES, 1)).intoArray(out, q + 2 * p + LANES);
      }
      if (p < positions) {
        return o * positions + p;
      }
      k = (o + 1) * positions;
    }
    return k;
  }

  /** {@link #requantizeWinogradColumns}' double route for the positions {@code from ≤ p < to} of one channel. */
  private static void requantizeWinogradColumnsLanes(float[] m, byte[] out, int a, int q, int block, int from, int to,
      double c, double mul, double b, boolean hasBias, double outScale, double zeroPoint, long low, long high) {
    for (int p = from; p < to; p++) {
      float m0 = m[a + p];
      float m1 = m[a + block + p];
      float m2 = m[a + 2 * block + p];
      float m3 = m[a + 3 * block + p];
      double left = ((double) firstOfPair(m0, m1, m2) + c) * mul;
      double right = ((double) secondOfPair(m1, m2, m3) + c) * mul;
      if (hasBias) {
        left = left + b;
        right = right + b;
      }
      out[q + 2 * p] = quantizedLane(left, outScale, zeroPoint, low, high);
      out[q + 2 * p + 1] = quantizedLane(right, outScale, zeroPoint, low, high);
    }
  }

  /**
   * Aᵀ of F(2,3), halved for 2G: the first output of a pair from three of its four sums, (m_0 + (m_1 +
   * m_2)) / 2 — exact on the sums the callers bound ({@link #requantizeWinograd}).
   */
  private static FloatVector firstOfPair(FloatVector m0, FloatVector m1, FloatVector m2) {
    return m0.add(m1.add(m2)).mul(0.5f);
  }

  /** Aᵀ's second output of a pair, ((m_1 − m_2) − m_3) / 2. */
  private static FloatVector secondOfPair(FloatVector m1, FloatVector m2, FloatVector m3) {
    return m1.sub(m2).sub(m3).mul(0.5f);
  }

  private static float firstOfPair(float m0, float m1, float m2) {
    return (m0 + (m1 + m2)) * 0.5f;
  }

  private static float secondOfPair(float m1, float m2, float m3) {
    return (m1 - m2 - m3) * 0.5f;
  }

  private static FloatVector widenedFloats(byte[] w, int at) {
    return (FloatVector) ByteVector.fromArray(BYTES, w, at).convertShape(VectorOperators.B2F, SUM_FLOATS, 0);
  }

  /**
   * {@link #convTaps(int[], int[], int[], int, int, int, int, int, int, int)} on integers held in floats
   * and summed with fused multiply-adds, the taps' offsets in an int array of their own: for {@code
   * o < outs} and {@code p < len},
   *
   * <pre>
   *   acc[accOff + o·len + p] = Σ_{t < taps} w[wOff + blocked(o, t)] · in[inOff + table[tableOff + t] + p]
   * </pre>
   *
   * <p>The weights in blocks of eight output channels, each tap's eight weights together: blocked(o, t) =
   * (o/8)·8·taps + 8t + o%8 for o &lt; 8·⌊outs/8⌋, and o·taps + t for the rest (row-major after the
   * blocks, which the four- and one-channel tiles read). The tile then broadcasts its eight weights from
   * one base at constant offsets: with a row of taps per channel, C2 kept the eight rows' bases on the
   * stack and loaded and added one before each broadcast, and the three-vector tile ran at 89–92 GMAC/s
   * instead of 96–99 (bench/README.md, step 42). The compiler stores weights so ({@code ChannelBlocks});
   * {@link #widenInChannelBlocks} lays out those it could not.
   *
   * <p>Exact, so bit-identical to the int kernel, when the caller guarantees that every weight and
   * input is an integer and that Σ_t |w[o, t]| · max |in| ≤ 2^24 for each channel: every product
   * and every partial sum is then an integer a float holds exactly, and an FMA of exact operands
   * with an exact result does not round. Why floats: the int kernel's multiply-add is two
   * instructions ({@code vpmulld}, {@code vpaddd}), the float one a single {@code vfmadd231ps}, and on
   * this machine the float tile runs at about twice the int one's rate: resnet20's 16→16 layer sums
   * in 27 µs against 52 (bench/README.md, step 19).
   *
   * <p>Blocks of eight channels on every JDK, three vectors of positions a tile, then two, then one:
   * unlike the int eight-channel tile ({@link #EIGHT_CHANNEL_TILES}), these were compiled with boxed
   * vectors in none of the JDK 17 JVMs we ran (60 with the two-vector tile alone, 60 with the
   * three-vector one; resnet20, bench/README.md).
   */
  public static void convTaps(float[] w, float[] in, int[] table, float[] acc, int wOff, int inOff, int accOff,
      int tableOff, int outs, int taps, int len) {
    int o = 0;
    int tiled = len - len % (2 * LANES);
    int tiledThree = len - len % (3 * LANES);
    int tiledTwo = tiledThree + (len - tiledThree) / (2 * LANES) * (2 * LANES);
    for (; o + 8 <= outs; o += 8) {
      int w0 = wOff + o * taps;
      int out0 = accOff + o * len;
      sumEightChannelsThree(w, in, table, acc, w0, inOff, out0, tableOff, taps, len, tiledThree);
      sumEightChannels(w, in, table, acc, w0, inOff, out0, tableOff, taps, len, tiledThree, tiledTwo);
      if (tiledTwo < len) {
        sumEightChannelsFrom(w, in, table, acc, w0, inOff, out0, tableOff, taps, len, tiledTwo);
      }
    }
    for (; o + 4 <= outs; o += 4) {
      int w0 = wOff + o * taps;
      int out0 = accOff + o * len;
      sumFourChannels(w, in, table, acc, w0, inOff, out0, tableOff, taps, len, tiled);
      if (tiled < len) {
        sumFourChannelsFrom(w, in, table, acc, w0, inOff, out0, tableOff, taps, len, tiled);
      }
    }
    for (; o < outs; o++) {
      sumOneChannel(w, in, table, acc, wOff + o * taps, inOff, accOff + o * len, tableOff, taps, len);
    }
  }

  /**
   * Eight channels × three vectors of positions up to {@code tiled}, a multiple of three vectors: 24
   * accumulators, three input loads and eight weights a tap for 24 multiply-adds (two loads for 16 in
   * the two-vector tile). 99.5–102.4 GMAC/s standalone against 91.4–94.4 (bench/README.md, step 26).
   */
  private static void sumEightChannelsThree(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff,
      int out0, int tableOff, int taps, int len, int tiled) {
    for (int p = 0; p < tiled; p += 3 * LANES) {
      FloatVector a00 = FloatVector.zero(SUM_FLOATS);
      FloatVector a01 = FloatVector.zero(SUM_FLOATS);
      FloatVector a02 = FloatVector.zero(SUM_FLOATS);
      FloatVector a10 = FloatVector.zero(SUM_FLOATS);
      FloatVector a11 = FloatVector.zero(SUM_FLOATS);
      FloatVector a12 = FloatVector.zero(SUM_FLOATS);
      FloatVector a20 = FloatVector.zero(SUM_FLOATS);
      FloatVector a21 = FloatVector.zero(SUM_FLOATS);
      FloatVector a22 = FloatVector.zero(SUM_FLOATS);
      FloatVector a30 = FloatVector.zero(SUM_FLOATS);
      FloatVector a31 = FloatVector.zero(SUM_FLOATS);
      FloatVector a32 = FloatVector.zero(SUM_FLOATS);
      FloatVector a40 = FloatVector.zero(SUM_FLOATS);
      FloatVector a41 = FloatVector.zero(SUM_FLOATS);
      FloatVector a42 = FloatVector.zero(SUM_FLOATS);
      FloatVector a50 = FloatVector.zero(SUM_FLOATS);
      FloatVector a51 = FloatVector.zero(SUM_FLOATS);
      FloatVector a52 = FloatVector.zero(SUM_FLOATS);
      FloatVector a60 = FloatVector.zero(SUM_FLOATS);
      FloatVector a61 = FloatVector.zero(SUM_FLOATS);
      FloatVector a62 = FloatVector.zero(SUM_FLOATS);
      FloatVector a70 = FloatVector.zero(SUM_FLOATS);
      FloatVector a71 = FloatVector.zero(SUM_FLOATS);
      FloatVector a72 = FloatVector.zero(SUM_FLOATS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        int at = base + table[tableOff + t];
        FloatVector x0 = FloatVector.fromArray(SUM_FLOATS, in, at);
        FloatVector x1 = FloatVector.fromArray(SUM_FLOATS, in, at + LANES);
        FloatVector x2 = FloatVector.fromArray(SUM_FLOATS, in, at + 2 * LANES);
        int wt = w0 + 8 * t;
        FloatVector v = FloatVector.broadcast(SUM_FLOATS, w[wt]);
        a00 = x0.fma(v, a00);
        a01 = x1.fma(v, a01);
        a02 = x2.fma(v, a02);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 1]);
        a10 = x0.fma(v, a10);
        a11 = x1.fma(v, a11);
        a12 = x2.fma(v, a12);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 2]);
        a20 = x0.fma(v, a20);
        a21 = x1.fma(v, a21);
        a22 = x2.fma(v, a22);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 3]);
        a30 = x0.fma(v, a30);
        a31 = x1.fma(v, a31);
        a32 = x2.fma(v, a32);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 4]);
        a40 = x0.fma(v, a40);
        a41 = x1.fma(v, a41);
        a42 = x2.fma(v, a42);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 5]);
        a50 = x0.fma(v, a50);
        a51 = x1.fma(v, a51);
        a52 = x2.fma(v, a52);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 6]);
        a60 = x0.fma(v, a60);
        a61 = x1.fma(v, a61);
        a62 = x2.fma(v, a62);
        v = FloatVector.broadcast(SUM_FLOATS, w[wt + 7]);
        a70 = x0.fma(v, a70);
        a71 = x1.fma(v, a71);
        a72 = x2.fma(v, a72);
      }
      int q = out0 + p;
      a00.intoArray(acc, q);
      a01.intoArray(acc, q + LANES);
      a02.intoArray(acc, q + 2 * LANES);
      q += len;
      a10.intoArray(acc, q);
      a11.intoArray(acc, q + LANES);
      a12.intoArray(acc, q + 2 * LANES);
      q += len;
      a20.intoArray(acc, q);
      a21.intoArray(acc, q + LANES);
      a22.intoArray(acc, q + 2 * LANES);
      q += len;
      a30.intoArray(acc, q);
      a31.intoArray(acc, q + LANES);
      a32.intoArray(acc, q + 2 * LANES);
      q += len;
      a40.intoArray(acc, q);
      a41.intoArray(acc, q + LANES);
      a42.intoArray(acc, q + 2 * LANES);
      q += len;
      a50.intoArray(acc, q);
      a51.intoArray(acc, q + LANES);
      a52.intoArray(acc, q + 2 * LANES);
      q += len;
      a60.intoArray(acc, q);
      a61.intoArray(acc, q + LANES);
      a62.intoArray(acc, q + 2 * LANES);
      q += len;
      a70.intoArray(acc, q);
      a71.intoArray(acc, q + LANES);
      a72.intoArray(acc, q + 2 * LANES);
    }
  }

  /**
   * {@link #convEightChannels} on floats, positions {@code from} to {@code to}: 16 accumulators, two
   * input loads and eight weights a tap (93 GMAC/s); the rest of a row after the three-vector tiles.
   */
  private static void sumEightChannels(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff, int out0,
      int tableOff, int taps, int len, int from, int to) {
    for (int p = from; p < to; p += 2 * LANES) {
      FloatVector a00 = FloatVector.zero(SUM_FLOATS);
      FloatVector a01 = FloatVector.zero(SUM_FLOATS);
      FloatVector a10 = FloatVector.zero(SUM_FLOATS);
      FloatVector a11 = FloatVector.zero(SUM_FLOATS);
      FloatVector a20 = FloatVector.zero(SUM_FLOATS);
      FloatVector a21 = FloatVector.zero(SUM_FLOATS);
      FloatVector a30 = FloatVector.zero(SUM_FLOATS);
      FloatVector a31 = FloatVector.zero(SUM_FLOATS);
      FloatVector a40 = FloatVector.zero(SUM_FLOATS);
      FloatVector a41 = FloatVector.zero(SUM_FLOATS);
      FloatVector a50 = FloatVector.zero(SUM_FLOATS);
      FloatVector a51 = FloatVector.zero(SUM_FLOATS);
      FloatVector a60 = FloatVector.zero(SUM_FLOATS);
      FloatVector a61 = FloatVector.zero(SUM_FLOATS);
      FloatVector a70 = FloatVector.zero(SUM_FLOATS);
      FloatVector a71 = FloatVector.zero(SUM_FLOATS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        int at = base + table[tableOff + t];
        FloatVector x0 = FloatVector.fromArray(SUM_FLOATS, in, at);
        FloatVector x1 = FloatVector.fromArray(SUM_FLOATS, in, at + LANES);
        int wt = w0 + 8 * t;
        FloatVector v0 = FloatVector.broadcast(SUM_FLOATS, w[wt]);
        FloatVector v1 = FloatVector.broadcast(SUM_FLOATS, w[wt + 1]);
        FloatVector v2 = FloatVector.broadcast(SUM_FLOATS, w[wt + 2]);
        FloatVector v3 = FloatVector.broadcast(SUM_FLOATS, w[wt + 3]);
        FloatVector v4 = FloatVector.broadcast(SUM_FLOATS, w[wt + 4]);
        FloatVector v5 = FloatVector.broadcast(SUM_FLOATS, w[wt + 5]);
        FloatVector v6 = FloatVector.broadcast(SUM_FLOATS, w[wt + 6]);
        FloatVector v7 = FloatVector.broadcast(SUM_FLOATS, w[wt + 7]);
        a00 = x0.fma(v0, a00);
        a01 = x1.fma(v0, a01);
        a10 = x0.fma(v1, a10);
        a11 = x1.fma(v1, a11);
        a20 = x0.fma(v2, a20);
        a21 = x1.fma(v2, a21);
        a30 = x0.fma(v3, a30);
        a31 = x1.fma(v3, a31);
        a40 = x0.fma(v4, a40);
        a41 = x1.fma(v4, a41);
        a50 = x0.fma(v5, a50);
        a51 = x1.fma(v5, a51);
        a60 = x0.fma(v6, a60);
        a61 = x1.fma(v6, a61);
        a70 = x0.fma(v7, a70);
        a71 = x1.fma(v7, a71);
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

  /**
   * Eight channels, one vector of positions at a time and then one position, {@code from} to {@code
   * len}: the rest of a row the two-vector tile leaves (16 positions of resnet20's 80-position 64→64
   * rows) at ~90 GMAC/s, where two passes of four channels ran at ~60 (bench/README.md, step 23).
   */
  private static void sumEightChannelsFrom(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff,
      int out0, int tableOff, int taps, int len, int from) {
    int p = from;
    for (; p + LANES <= len; p += LANES) {
      FloatVector a0 = FloatVector.zero(SUM_FLOATS);
      FloatVector a1 = FloatVector.zero(SUM_FLOATS);
      FloatVector a2 = FloatVector.zero(SUM_FLOATS);
      FloatVector a3 = FloatVector.zero(SUM_FLOATS);
      FloatVector a4 = FloatVector.zero(SUM_FLOATS);
      FloatVector a5 = FloatVector.zero(SUM_FLOATS);
      FloatVector a6 = FloatVector.zero(SUM_FLOATS);
      FloatVector a7 = FloatVector.zero(SUM_FLOATS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        FloatVector x0 = FloatVector.fromArray(SUM_FLOATS, in, base + table[tableOff + t]);
        int wt = w0 + 8 * t;
        a0 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt]), a0);
        a1 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 1]), a1);
        a2 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 2]), a2);
        a3 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 3]), a3);
        a4 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 4]), a4);
        a5 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 5]), a5);
        a6 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 6]), a6);
        a7 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[wt + 7]), a7);
      }
      int q = out0 + p;
      a0.intoArray(acc, q);
      a1.intoArray(acc, q + len);
      a2.intoArray(acc, q + 2 * len);
      a3.intoArray(acc, q + 3 * len);
      a4.intoArray(acc, q + 4 * len);
      a5.intoArray(acc, q + 5 * len);
      a6.intoArray(acc, q + 6 * len);
      a7.intoArray(acc, q + 7 * len);
    }
    for (; p < len; p++) {
      for (int c = 0; c < 8; c++) {
        acc[out0 + c * len + p] = scalarTaps(w, in, table, w0 + c, 8, inOff + p, tableOff, taps);
      }
    }
  }

  /** {@link #convFourChannels} on floats. */
  private static void sumFourChannels(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff, int out0,
      int tableOff, int taps, int len, int tiled) {
    int w1 = w0 + taps;
    int w2 = w1 + taps;
    int w3 = w2 + taps;
    int out1 = out0 + len;
    int out2 = out1 + len;
    int out3 = out2 + len;
    for (int p = 0; p < tiled; p += 2 * LANES) {
      FloatVector a00 = FloatVector.zero(SUM_FLOATS);
      FloatVector a01 = FloatVector.zero(SUM_FLOATS);
      FloatVector a10 = FloatVector.zero(SUM_FLOATS);
      FloatVector a11 = FloatVector.zero(SUM_FLOATS);
      FloatVector a20 = FloatVector.zero(SUM_FLOATS);
      FloatVector a21 = FloatVector.zero(SUM_FLOATS);
      FloatVector a30 = FloatVector.zero(SUM_FLOATS);
      FloatVector a31 = FloatVector.zero(SUM_FLOATS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        int at = base + table[tableOff + t];
        FloatVector x0 = FloatVector.fromArray(SUM_FLOATS, in, at);
        FloatVector x1 = FloatVector.fromArray(SUM_FLOATS, in, at + LANES);
        FloatVector v0 = FloatVector.broadcast(SUM_FLOATS, w[w0 + t]);
        FloatVector v1 = FloatVector.broadcast(SUM_FLOATS, w[w1 + t]);
        FloatVector v2 = FloatVector.broadcast(SUM_FLOATS, w[w2 + t]);
        FloatVector v3 = FloatVector.broadcast(SUM_FLOATS, w[w3 + t]);
        a00 = x0.fma(v0, a00);
        a01 = x1.fma(v0, a01);
        a10 = x0.fma(v1, a10);
        a11 = x1.fma(v1, a11);
        a20 = x0.fma(v2, a20);
        a21 = x1.fma(v2, a21);
        a30 = x0.fma(v3, a30);
        a31 = x1.fma(v3, a31);
      }
      a00.intoArray(acc, out0 + p);
      a01.intoArray(acc, out0 + p + LANES);
      a10.intoArray(acc, out1 + p);
      a11.intoArray(acc, out1 + p + LANES);
      a20.intoArray(acc, out2 + p);
      a21.intoArray(acc, out2 + p + LANES);
      a30.intoArray(acc, out3 + p);
      a31.intoArray(acc, out3 + p + LANES);
    }
  }

  /** {@link #convFourChannelsFrom} on floats. */
  private static void sumFourChannelsFrom(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff,
      int out0, int tableOff, int taps, int len, int from) {
    int w1 = w0 + taps;
    int w2 = w1 + taps;
    int w3 = w2 + taps;
    int out1 = out0 + len;
    int out2 = out1 + len;
    int out3 = out2 + len;
    int p = from;
    for (; p + LANES <= len; p += LANES) {
      FloatVector a0 = FloatVector.zero(SUM_FLOATS);
      FloatVector a1 = FloatVector.zero(SUM_FLOATS);
      FloatVector a2 = FloatVector.zero(SUM_FLOATS);
      FloatVector a3 = FloatVector.zero(SUM_FLOATS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        FloatVector x0 = FloatVector.fromArray(SUM_FLOATS, in, base + table[tableOff + t]);
        a0 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[w0 + t]), a0);
        a1 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[w1 + t]), a1);
        a2 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[w2 + t]), a2);
        a3 = x0.fma(FloatVector.broadcast(SUM_FLOATS, w[w3 + t]), a3);
      }
      a0.intoArray(acc, out0 + p);
      a1.intoArray(acc, out1 + p);
      a2.intoArray(acc, out2 + p);
      a3.intoArray(acc, out3 + p);
    }
    for (; p < len; p++) {
      acc[out0 + p] = scalarTaps(w, in, table, w0, 1, inOff + p, tableOff, taps);
      acc[out1 + p] = scalarTaps(w, in, table, w1, 1, inOff + p, tableOff, taps);
      acc[out2 + p] = scalarTaps(w, in, table, w2, 1, inOff + p, tableOff, taps);
      acc[out3 + p] = scalarTaps(w, in, table, w3, 1, inOff + p, tableOff, taps);
    }
  }

  private static void sumOneChannel(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff, int out0,
      int tableOff, int taps, int len) {
    int p = 0;
    for (; p + LANES <= len; p += LANES) {
      FloatVector a0 = FloatVector.zero(SUM_FLOATS);
      int base = inOff + p;
      for (int t = 0; t < taps; t++) {
        a0 = FloatVector.fromArray(SUM_FLOATS, in, base + table[tableOff + t])
            .fma(FloatVector.broadcast(SUM_FLOATS, w[w0 + t]), a0);
      }
      a0.intoArray(acc, out0 + p);
    }
    for (; p < len; p++) {
      acc[out0 + p] = scalarTaps(w, in, table, w0, 1, inOff + p, tableOff, taps);
    }
  }

  /** One position's float sum, with the vector lanes' fused multiply-adds (exact under the same guarantee). */
  /**
   * A convolution's sums with the output channels in the lanes: for {@code o < outs} and each output
   * position {@code p = y·cols + x} ({@code y < rows, x < cols}),
   *
   * <pre>
   *   acc[accOff + o·rows·cols + p] = Σ_{t < taps} w[wOff + t·outs + o]
   *                                         · in[inOff + table[tableOff + t] + y·rowStep + x·colStep]
   * </pre>
   *
   * <p>on weights stored tap-major (all channels of a tap together) and a padded input read with the
   * convolution's strides ({@code rowStep} = the stride down times the padded width; {@code
   * ChannelLaneSums} says where it runs). Where a plane's rows fill less than half of {@link
   * #convTaps}' padded rows (digits_rescnn's 4 × 4 planes: 16 positions in a row of 32), that kernel's
   * multiply-adds are mostly waste, and a strided conv would need its taps copied into a matrix
   * first; here every multiply-add is kept and the input read in place. A tile is eight positions ×
   * two vectors of channels: two weight loads and eight broadcasts a tap for sixteen multiply-adds,
   * the ratio of {@code convTaps}' two-vector tile. The tiles write position-major from {@code tmpOff}
   * ({@code outs·rows·cols} elements), transposed into {@code acc} at the end.
   *
   * <p>Exact under {@link #convTaps(float[], float[], int[], float[], int, int, int, int, int, int, int)}'
   * conditions, so the same sums in any order.
   */
  public static void convChannelLanes(float[] w, float[] in, int[] table, float[] acc, int wOff, int inOff,
      int accOff, int tableOff, int tmpOff, int outs, int taps, int rows, int cols, int rowStep, int colStep) {
    int len = rows * cols;
    int o = 0;
    for (; o + 2 * LANES <= outs; o += 2 * LANES) {
      int p = 0;
      if (colStep == 2 && cols % 8 == 0) {
        for (; p + 8 <= len; p += 8) {
          eightInARowStrideTwo(w, in, table, acc, wOff + o, inOff + p / cols * rowStep + p % cols * 2, tableOff,
              tmpOff + p * outs + o, outs, taps);
        }
      }
      for (; p + 8 <= len; p += 8) {
        eightPositionsTwoVectors(w, in, table, acc, wOff + o, inOff, tableOff, tmpOff + o, outs, taps, p, cols, rowStep,
            colStep);
      }
      for (; p < len; p++) {
        int at = inOff + p / cols * rowStep + p % cols * colStep;
        onePosition(w, in, table, acc, wOff + o, at, tableOff, tmpOff + p * outs + o, outs, taps);
        onePosition(w, in, table, acc, wOff + o + LANES, at, tableOff, tmpOff + p * outs + o + LANES, outs, taps);
      }
    }
    for (; o + LANES <= outs; o += LANES) {
      for (int p = 0; p < len; p++) {
        int at = inOff + p / cols * rowStep + p % cols * colStep;
        onePosition(w, in, table, acc, wOff + o, at, tableOff, tmpOff + p * outs + o, outs, taps);
      }
    }
    for (; o < outs; o++) {
      for (int p = 0; p < len; p++) {
        int at = inOff + p / cols * rowStep + p % cols * colStep;
        float sum = 0;
        for (int t = 0; t < taps; t++) {
          sum = Math.fma(w[wOff + t * outs + o], in[at + table[tableOff + t]], sum);
        }
        acc[tmpOff + p * outs + o] = sum;
      }
    }
    transposed(acc, tmpOff, accOff, len, outs);
  }

  /**
   * {@code a[to + c·rows + r] = a[from + r·cols + c]}: four columns a pass, so that each pass reads
   * four neighbours and writes four runs. One element a pass took 0.5 ns an element, a third of
   * {@link #convChannelLanes}' time on resnet20's 16→32 stride-2 layer (8,192 sums); four, 0.33.
   */
  private static void transposed(float[] a, int from, int to, int rows, int cols) {
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      int d = to + c * rows;
      for (int r = 0; r < rows; r++) {
        int q = from + r * cols + c;
        float v0 = a[q];
        float v1 = a[q + 1];
        float v2 = a[q + 2];
        float v3 = a[q + 3];
        a[d + r] = v0;
        a[d + rows + r] = v1;
        a[d + 2 * rows + r] = v2;
        a[d + 3 * rows + r] = v3;
      }
    }
    for (; c < cols; c++) {
      for (int r = 0; r < rows; r++) {
        a[to + c * rows + r] = a[from + r * cols + c];
      }
    }
  }

  /**
   * {@link #eightPositionsTwoVectors} for eight positions of one output row of a stride-2 convolution,
   * inputs at {@code at + 2k}: one base a tap, whose constant offsets C2 covers with one range check
   * (resnet20's 32→64 stride-2 layer, rows of eight). With a base per position, each broadcast took an
   * add, a compare and a branch of its own and the loop ran short of registers.
   */
  private static void eightInARowStrideTwo(float[] w, float[] in, int[] table, float[] acc, int w0, int row,
      int tableOff, int q, int outs, int taps) {
    FloatVector a00 = FloatVector.zero(SUM_FLOATS);
    FloatVector a01 = FloatVector.zero(SUM_FLOATS);
    FloatVector a10 = FloatVector.zero(SUM_FLOATS);
    FloatVector a11 = FloatVector.zero(SUM_FLOATS);
    FloatVector a20 = FloatVector.zero(SUM_FLOATS);
    FloatVector a21 = FloatVector.zero(SUM_FLOATS);
    FloatVector a30 = FloatVector.zero(SUM_FLOATS);
    FloatVector a31 = FloatVector.zero(SUM_FLOATS);
    FloatVector a40 = FloatVector.zero(SUM_FLOATS);
    FloatVector a41 = FloatVector.zero(SUM_FLOATS);
    FloatVector a50 = FloatVector.zero(SUM_FLOATS);
    FloatVector a51 = FloatVector.zero(SUM_FLOATS);
    FloatVector a60 = FloatVector.zero(SUM_FLOATS);
    FloatVector a61 = FloatVector.zero(SUM_FLOATS);
    FloatVector a70 = FloatVector.zero(SUM_FLOATS);
    FloatVector a71 = FloatVector.zero(SUM_FLOATS);
    for (int t = 0; t < taps; t++) {
      int at = row + table[tableOff + t];
      int wt = w0 + t * outs;
      FloatVector w0v = FloatVector.fromArray(SUM_FLOATS, w, wt);
      FloatVector w1v = FloatVector.fromArray(SUM_FLOATS, w, wt + LANES);
      FloatVector x;
      x = FloatVector.broadcast(SUM_FLOATS, in[at]);
      a00 = w0v.fma(x, a00);
      a01 = w1v.fma(x, a01);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 2]);
      a10 = w0v.fma(x, a10);
      a11 = w1v.fma(x, a11);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 4]);
      a20 = w0v.fma(x, a20);
      a21 = w1v.fma(x, a21);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 6]);
      a30 = w0v.fma(x, a30);
      a31 = w1v.fma(x, a31);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 8]);
      a40 = w0v.fma(x, a40);
      a41 = w1v.fma(x, a41);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 10]);
      a50 = w0v.fma(x, a50);
      a51 = w1v.fma(x, a51);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 12]);
      a60 = w0v.fma(x, a60);
      a61 = w1v.fma(x, a61);
      x = FloatVector.broadcast(SUM_FLOATS, in[at + 14]);
      a70 = w0v.fma(x, a70);
      a71 = w1v.fma(x, a71);
    }
    a00.intoArray(acc, q);
    a01.intoArray(acc, q + LANES);
    a10.intoArray(acc, q + outs);
    a11.intoArray(acc, q + outs + LANES);
    a20.intoArray(acc, q + 2 * outs);
    a21.intoArray(acc, q + 2 * outs + LANES);
    a30.intoArray(acc, q + 3 * outs);
    a31.intoArray(acc, q + 3 * outs + LANES);
    a40.intoArray(acc, q + 4 * outs);
    a41.intoArray(acc, q + 4 * outs + LANES);
    a50.intoArray(acc, q + 5 * outs);
    a51.intoArray(acc, q + 5 * outs + LANES);
    a60.intoArray(acc, q + 6 * outs);
    a61.intoArray(acc, q + 6 * outs + LANES);
    a70.intoArray(acc, q + 7 * outs);
    a71.intoArray(acc, q + 7 * outs + LANES);
  }

  /**
   * Positions {@code p0 … p0 + 7} × the two vectors of channels from {@code w0} of {@link
   * #convChannelLanes}, position-major from {@code tmp}: any eight positions, a base each.
   */
  private static void eightPositionsTwoVectors(float[] w, float[] in, int[] table, float[] acc, int w0, int inOff,
      int tableOff, int tmp, int outs, int taps, int p0, int cols, int rowStep, int colStep) {
    int i0 = inOff + (p0 + 0) / cols * rowStep + (p0 + 0) % cols * colStep;
    int i1 = inOff + (p0 + 1) / cols * rowStep + (p0 + 1) % cols * colStep;
    int i2 = inOff + (p0 + 2) / cols * rowStep + (p0 + 2) % cols * colStep;
    int i3 = inOff + (p0 + 3) / cols * rowStep + (p0 + 3) % cols * colStep;
    int i4 = inOff + (p0 + 4) / cols * rowStep + (p0 + 4) % cols * colStep;
    int i5 = inOff + (p0 + 5) / cols * rowStep + (p0 + 5) % cols * colStep;
    int i6 = inOff + (p0 + 6) / cols * rowStep + (p0 + 6) % cols * colStep;
    int i7 = inOff + (p0 + 7) / cols * rowStep + (p0 + 7) % cols * colStep;
    FloatVector a00 = FloatVector.zero(SUM_FLOATS);
    FloatVector a01 = FloatVector.zero(SUM_FLOATS);
    FloatVector a10 = FloatVector.zero(SUM_FLOATS);
    FloatVector a11 = FloatVector.zero(SUM_FLOATS);
    FloatVector a20 = FloatVector.zero(SUM_FLOATS);
    FloatVector a21 = FloatVector.zero(SUM_FLOATS);
    FloatVector a30 = FloatVector.zero(SUM_FLOATS);
    FloatVector a31 = FloatVector.zero(SUM_FLOATS);
    FloatVector a40 = FloatVector.zero(SUM_FLOATS);
    FloatVector a41 = FloatVector.zero(SUM_FLOATS);
    FloatVector a50 = FloatVector.zero(SUM_FLOATS);
    FloatVector a51 = FloatVector.zero(SUM_FLOATS);
    FloatVector a60 = FloatVector.zero(SUM_FLOATS);
    FloatVector a61 = FloatVector.zero(SUM_FLOATS);
    FloatVector a70 = FloatVector.zero(SUM_FLOATS);
    FloatVector a71 = FloatVector.zero(SUM_FLOATS);
    for (int t = 0; t < taps; t++) {
      int at = table[tableOff + t];
      int wt = w0 + t * outs;
      FloatVector w0v = FloatVector.fromArray(SUM_FLOATS, w, wt);
      FloatVector w1v = FloatVector.fromArray(SUM_FLOATS, w, wt + LANES);
      FloatVector x;
      x = FloatVector.broadcast(SUM_FLOATS, in[i0 + at]);
      a00 = w0v.fma(x, a00);
      a01 = w1v.fma(x, a01);
      x = FloatVector.broadcast(SUM_FLOATS, in[i1 + at]);
      a10 = w0v.fma(x, a10);
      a11 = w1v.fma(x, a11);
      x = FloatVector.broadcast(SUM_FLOATS, in[i2 + at]);
      a20 = w0v.fma(x, a20);
      a21 = w1v.fma(x, a21);
      x = FloatVector.broadcast(SUM_FLOATS, in[i3 + at]);
      a30 = w0v.fma(x, a30);
      a31 = w1v.fma(x, a31);
      x = FloatVector.broadcast(SUM_FLOATS, in[i4 + at]);
      a40 = w0v.fma(x, a40);
      a41 = w1v.fma(x, a41);
      x = FloatVector.broadcast(SUM_FLOATS, in[i5 + at]);
      a50 = w0v.fma(x, a50);
      a51 = w1v.fma(x, a51);
      x = FloatVector.broadcast(SUM_FLOATS, in[i6 + at]);
      a60 = w0v.fma(x, a60);
      a61 = w1v.fma(x, a61);
      x = FloatVector.broadcast(SUM_FLOATS, in[i7 + at]);
      a70 = w0v.fma(x, a70);
      a71 = w1v.fma(x, a71);
    }
    int q = tmp + p0 * outs;
    a00.intoArray(acc, q);
    a01.intoArray(acc, q + LANES);
    a10.intoArray(acc, q + outs);
    a11.intoArray(acc, q + outs + LANES);
    a20.intoArray(acc, q + 2 * outs);
    a21.intoArray(acc, q + 2 * outs + LANES);
    a30.intoArray(acc, q + 3 * outs);
    a31.intoArray(acc, q + 3 * outs + LANES);
    a40.intoArray(acc, q + 4 * outs);
    a41.intoArray(acc, q + 4 * outs + LANES);
    a50.intoArray(acc, q + 5 * outs);
    a51.intoArray(acc, q + 5 * outs + LANES);
    a60.intoArray(acc, q + 6 * outs);
    a61.intoArray(acc, q + 6 * outs + LANES);
    a70.intoArray(acc, q + 7 * outs);
    a71.intoArray(acc, q + 7 * outs + LANES);
  }

  /** One position × one vector of channels of {@link #convChannelLanes}: the positions past the last eight. */
  private static void onePosition(float[] w, float[] in, int[] table, float[] acc, int w0, int at, int tableOff,
      int q, int outs, int taps) {
    FloatVector a = FloatVector.zero(SUM_FLOATS);
    for (int t = 0; t < taps; t++) {
      a = FloatVector.fromArray(SUM_FLOATS, w, w0 + t * outs)
          .fma(FloatVector.broadcast(SUM_FLOATS, in[at + table[tableOff + t]]), a);
    }
    a.intoArray(acc, q);
  }

  /** One channel's sum at one position, its weights {@code step} apart (8 in a block of eight channels). */
  private static float scalarTaps(float[] w, float[] in, int[] table, int w0, int step, int at, int tableOff, int taps) {
    float s = 0;
    for (int t = 0; t < taps; t++) {
      s = Math.fma(w[w0 + t * step], in[at + table[tableOff + t]], s);
    }
    return s;
  }

  /**
   * Eight real values requantized ({@link #requantize}'s formula), {@code low} and {@code high} the
   * bits of MAGIC + the bounds. The clamp compares the bits of u as longs: for doubles that are not
   * NaN, those of u ≥ +0 order as the values do, and those of negative u (sign bit set) are negative
   * longs, below the bits of the positive bounds, as u is below them — so the same result as clamping
   * the doubles, for a fraction of the cost: JDK 17 and 25 compile a double vector's {@code max} and
   * {@code min} to several instructions each (Java's NaN and −0 rules), a long vector's to one
   * ({@code vpmaxsq}); the requantization of resnet20's 16→16 layer 7.5 → 4.3 µs (bench/README.md).
   */
  private static ByteVector quantizedLanes(DoubleVector real, double outScale, double zeroPoint, long low, long high) {
    return (ByteVector) real.div(outScale).add(MAGIC).add(zeroPoint).reinterpretAsLongs().max(low).min(high)
        .convertShape(VectorOperators.L2B, BYTES_8, 0);
  }

  /**
   * The vector lanes' formula for one element the vector loops leave over: exact for the same reasons
   * ({@code real} is never NaN here), with {@code low} and {@code high} the bits of MAGIC + the
   * bounds, compared as longs as the lanes do. Without {@code rint}: digits_mlp 1.8 → 1.3 µs on JDK 17.
   */
  private static byte quantizedLane(double real, double outScale, double zeroPoint, long low, long high) {
    return (byte) Math.min(Math.max(Double.doubleToRawLongBits(real / outScale + MAGIC + zeroPoint), low), high);
  }

  /**
   * {@link #quantizedLane} for {@link #requantizeChannels}' scalar loop, clamped as ints to [{@code
   * low}, {@code high}]: (t + MAGIC) − MAGIC is rint(t) exactly for |t| &lt; 2^51 and stays beyond ±2^31
   * on t's side above that, ±∞ included; adding the zero point is exact; the cast to int saturates, so
   * the int clamp gives the same byte.
   *
   * <p>Why not the long clamp: JDK 17 compiles {@code Math.max(long, long)} from its bytecode, as a
   * branch or a conditional move by the branch profile that all its callers in the JVM share. Where C2
   * made it a branch, the lower bound of a layer after a ReLU (51 of digits_mlp's first 128 outputs)
   * mispredicted: 0.9 µs for those 128 outputs against 0.15, and with {@code dotColumns} before it the
   * model took 1.5–1.9 µs against 0.83 (a written-out comparison with this method's own profile
   * compiled to a branch too). {@code Math.max(int, int)} is an intrinsic, a conditional move whatever
   * the profile (bench/README.md, step 44). The conv kernels' rests keep the long clamp: with the
   * int clamp there too, digits_rescnn ran 9.48 µs against 9.16 (five interleaved JVM pairs, within
   * this host's noise, but no gain).
   */
  private static byte quantizedLaneIntClamp(double real, double outScale, double zeroPoint, int low, int high) {
    int rounded = (int) (real / outScale + MAGIC - MAGIC + zeroPoint);
    return (byte) Math.min(Math.max(rounded, low), high);
  }

  private static IntVector widened(byte[] w, int at) {
    return (IntVector) ByteVector.fromArray(BYTES, w, at).convertShape(VectorOperators.B2I, INTS, 0);
  }
}
