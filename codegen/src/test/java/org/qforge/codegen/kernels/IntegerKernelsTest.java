package org.qforge.codegen.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.qforge.codegen.JarCompiler;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.ir.verify.Verifier;

/**
 * Each integer kernel against the interpreter, bit for bit, on small programs that the reference
 * models do not exercise: u8 and i32 quantization, NaN / infinite / tie inputs, grouped, dilated and
 * strided convolution (1-D and 2-D, unbatched, with weight zero points), long accumulators,
 * broadcasting add and mul, mean, cat with requantized inputs, pools with other output parameters,
 * and the strided shape ops. Every program runs as an ASM jar and as a JavaPoet jar.
 */
class IntegerKernelsTest {
  @TempDir
  Path tmp;

  /** A program under construction: one f32 input, then ops bound and typed by their shape functions. */
  private static final class Prog {
    final Graph g = new Graph("prog");
    final OpRegistry ops = OpRegistry.standard();
    final Random rnd = new Random(17);
    int counter;

    Value input(int... dims) {
      return g.addInput("x", TensorType.of(DType.F32, dims));
    }

    Value constant(Tensor t) {
      return g.addConstant("c" + counter++, Constant.Kind.CONST, null, t);
    }

    Value op(String name, List<? extends Argument> positional, Object... named) {
      OpDef def = ops.get(name);
      Map<String, Argument> args = new LinkedHashMap<>();
      for (int i = 0; i < named.length; i += 2) {
        args.put((String) named[i], literal(named[i + 1]));
      }
      List<Argument> bound = def.bind(positional, args);
      List<TensorType> types = def.shapeFunction().infer(new NodeArgs(def, bound));
      return g.addNode(def, bound, List.of("v" + counter++), types, Map.of()).result();
    }

    Value quantize(Value x, double scale, long zp, DType dtype) {
      return op("quantized_decomposed.quantize_per_tensor", List.of(x), "scale", scale, "zero_point", zp,
          "quant_min", dtype.minValue(), "quant_max", dtype.maxValue(), "dtype", dtype);
    }

    Value dequantize(Value q, double scale, long zp) {
      DType dtype = q.type().dtype();
      return op("quantized_decomposed.dequantize_per_tensor", List.of(q), "scale", scale, "zero_point", zp,
          "quant_min", dtype.minValue(), "quant_max", dtype.maxValue(), "dtype", dtype);
    }

    /** Random weights of {@code dtype} in its range. */
    Value weights(DType dtype, int... dims) {
      int n = TensorType.of(dtype, dims).numelInt();
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) (dtype == DType.U8 ? rnd.nextInt(256) : rnd.nextInt(255) - 127);
      }
      return constant(Tensor.ofBytes(dtype, b, dims));
    }

    Value floats(double scale, double offset, int n) {
      float[] f = new float[n];
      for (int i = 0; i < n; i++) {
        f[i] = (float) (offset + scale * rnd.nextDouble());
      }
      return constant(Tensor.ofFloats(f, n));
    }

    Value longs(long[] v) {
      return constant(Tensor.ofLongs(v, v.length));
    }

    Graph done(Value out) {
      g.setOutputs(List.of(out));
      Verifier.verify(g);
      return g;
    }

    private static Argument literal(Object o) {
      if (o instanceof Argument a) {
        return a;
      }
      if (o instanceof Double d) {
        return new Literal.Float(d);
      }
      if (o instanceof Integer i) {
        return new Literal.Int(i);
      }
      if (o instanceof Long l) {
        return new Literal.Int(l);
      }
      if (o instanceof Boolean b) {
        return new Literal.Bool(b);
      }
      if (o instanceof DType t) {
        return new Literal.DTypeLit(t);
      }
      if (o instanceof int[] v) {
        return Literal.IntList.of(v);
      }
      if (o instanceof double[] v) {
        List<Double> l = new ArrayList<>();
        for (double d : v) {
          l.add(d);
        }
        return new Literal.FloatList(l);
      }
      throw new IllegalArgumentException("no literal for " + o);
    }
  }

  /** The output group of an integer op. */
  private static Object[] out(double scale, long zp, long min, long max, Object... more) {
    Object[] head = {"output_scale", scale, "output_zero_point", zp, "output_min", min, "output_max", max};
    Object[] all = new Object[head.length + more.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(more, 0, all, head.length, more.length);
    return all;
  }

  private static Object[] i8out(double scale, long zp, Object... more) {
    return out(scale, zp, -128, 127, more);
  }

  /** Gaussian inputs of the given spread, with NaN, infinities, -0 and exact ties at the front. */
  private static Tensor input(TensorType t, double spread, double tieScale, long seed) {
    Random r = new Random(seed);
    float[] f = new float[t.numelInt()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (r.nextGaussian() * spread);
    }
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, 1e30f, -1e30f,
        (float) (0.5 * tieScale), (float) (1.5 * tieScale), (float) (-2.5 * tieScale), (float) (3.5 * tieScale)};
    for (int i = 0; i < special.length && i < f.length / 4; i++) {
      f[i * 7 % f.length] = special[i];
    }
    return Tensor.ofFloats(f, t.dims());
  }

  /** Compiles {@code g} with both backends and checks every output element against the interpreter. */
  private void assertBitIdentical(Graph g, double spread, double tieScale) throws Exception {
    Tensor x = input(g.inputs().get(0).type(), spread, tieScale, 5);
    Tensor want = new Interpreter(g).run(List.of(x)).get(0);
    Set<Integer> distinct = new HashSet<>();
    for (float v : want.floats()) {
      distinct.add(Float.floatToIntBits(v));
    }
    assertTrue(distinct.size() >= Math.min(4, want.numel()), "too few distinct outputs to mean much: " + distinct);
    for (JarCompiler.Backend backend : JarCompiler.Backend.values()) {
      JarCompiler.Result r = JarCompiler.compile(g, new JarCompiler.Options("t.Net", backend, "test", "test"));
      Path jar = tmp.resolve(backend + "-" + System.nanoTime() + ".jar");
      Files.write(jar, r.jar());
      assertRunsLikeInterpreter(jar, true, false, x, want, backend + " (Vector API)");
      assertRunsLikeInterpreter(jar, true, true, x, want,
          backend + " (Vector API, JDK 25's choices: eight-channel conv tiles, vector channel requantization)");
      assertRunsLikeInterpreter(jar, false, false, x, want, backend + " (scalar)");
    }
  }

  /**
   * Loads the jar in a fresh class loader, so that its {@code VectorSupport} reads {@code
   * qforge.vectorApi} anew (the surefire JVM has the incubator module, so true runs the Vector API
   * kernels), and its {@code Int8VectorKernels} {@code qforge.eightChannelTiles} and {@code
   * qforge.vectorChannelRequantize} (the choices JDK 25 makes, off by default on JDK 17, so forced here
   * with {@code jdk25Choices} to keep that code tested).
   */
  private static void assertRunsLikeInterpreter(Path jar, boolean vectorApi, boolean jdk25Choices, Tensor x,
      Tensor want, String what) throws Exception {
    String before = System.setProperty("qforge.vectorApi", Boolean.toString(vectorApi));
    String tilesBefore = System.setProperty("qforge.eightChannelTiles", Boolean.toString(jdk25Choices));
    String channelsBefore = System.setProperty("qforge.vectorChannelRequantize", Boolean.toString(jdk25Choices));
    try {
      try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
        assertEquals(vectorApi, loader.loadClass("t.VectorSupport").getField("ENABLED").getBoolean(null));
        Class<?> net = loader.loadClass("t.Net");
        Method run = net.getMethod("run", float[].class);
        float[] got = (float[]) run.invoke(net.getConstructor().newInstance(), (Object) x.floats().clone());
        assertEquals(want.numel(), got.length);
        for (int i = 0; i < got.length; i++) {
          int e = i;
          assertEquals(Float.floatToIntBits(want.floats()[i]), Float.floatToIntBits(got[i]),
              () -> what + ": element " + e + " is " + got[e] + ", the interpreter gives " + want.floats()[e]);
        }
      }
    } finally {
      restore("qforge.vectorApi", before);
      restore("qforge.eightChannelTiles", tilesBefore);
      restore("qforge.vectorChannelRequantize", channelsBefore);
    }
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }

  @Test
  void quantizeAndDequantizeI8U8I32() throws Exception {
    for (DType t : List.of(DType.I8, DType.U8, DType.I32)) {
      Prog p = new Prog();
      long zp = t == DType.U8 ? 131 : t == DType.I8 ? -7 : 1000;
      Value q = p.quantize(p.input(3, 50), 0.1, zp, t); // 0.1 is not a float: the reciprocal rounds in double
      Graph g = p.done(p.dequantize(q, 0.1, zp));
      assertBitIdentical(g, t == DType.I32 ? 1e9 : 10, 0.1);
    }
  }

  @Test
  void conv2dGroupedStridedDilatedWithWeightZeroPoints() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 4, 9, 8), 0.05, 3, DType.I8);
    Value w = p.weights(DType.I8, 8, 2, 3, 2); // two groups of four output channels: one block of four each
    Value c = p.op("qforge.quantized_conv2d", List.of(q, w, p.floats(0.02, 0.001, 8),
            p.longs(new long[] {0, 3, -5, 0, 127, -128, 1, 2}), p.floats(2, -1, 8)),
        i8out(0.04, -9, "input_scale", 0.05, "input_zero_point", 3, "stride", new int[] {2, 1},
            "padding", new int[] {1, 2}, "dilation", new int[] {2, 1}, "groups", 2));
    assertBitIdentical(p.done(p.dequantize(c, 0.04, -9)), 2, 0.05);
  }

  @Test
  void depthwiseUnbatchedConv2dWithU8() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(5, 7, 7), 0.05, 128, DType.U8);
    Value w = p.weights(DType.U8, 5, 1, 3, 3);
    Value c = p.op("qforge.quantized_conv2d", List.of(q, w, p.floats(0.01, 0.001, 5),
            p.longs(new long[] {128, 120, 130, 0, 255}), Literal.NONE),
        out(0.05, 100, 100, 255, "input_scale", 0.05, "input_zero_point", 128, "padding", new int[] {1},
            "groups", 5));
    assertBitIdentical(p.done(p.dequantize(c, 0.05, 100)), 2, 0.05);
  }

  @Test
  void conv1dStridedPaddedDilated() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 3, 20), 0.05, -4, DType.I8);
    Value c = p.op("qforge.quantized_conv1d", List.of(q, p.weights(DType.I8, 6, 3, 3), p.floats(0.01, 0.001, 6),
            p.longs(new long[6]), p.floats(1, -0.5, 6)), // output channels in blocks of two
        i8out(0.06, 2, "input_scale", 0.05, "input_zero_point", -4, "stride", new int[] {2}, "padding", new int[] {1},
            "dilation", new int[] {2}));
    assertBitIdentical(p.done(p.dequantize(c, 0.06, 2)), 2, 0.05);
  }

  @Test
  void rowFormConv2dBatchedPaddedDilatedWithWeightZeroPoints() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 3, 7, 6), 0.05, 120, DType.U8);
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 4, 3, 3, 2), p.floats(0.01, 0.001, 4),
            p.longs(new long[] {0, 3, -5, 1}), p.floats(1, -0.5, 4)),
        out(0.05, 100, 0, 255, "input_scale", 0.05, "input_zero_point", 120, "padding", new int[] {1, 2},
            "dilation", new int[] {2, 1}));
    assertNotNull(RowConvolution.of(c.producer()), "stride 1, one group: the row form applies");
    assertBitIdentical(p.done(p.dequantize(c, 0.05, 100)), 2, 0.05);
  }

  @Test
  void rowFormConv1dUnpadded() throws Exception {
    for (int channels : new int[] {5, 6}) { // output channels one and two per pass
      Prog p = new Prog();
      Value q = p.quantize(p.input(1, 4, 15), 0.05, -4, DType.I8);
      Value c = p.op("qforge.quantized_conv1d", List.of(q, p.weights(DType.I8, channels, 4, 3),
              p.floats(0.01, 0.001, channels), p.longs(new long[channels]), Literal.NONE),
          i8out(0.06, 2, "input_scale", 0.05, "input_zero_point", -4));
      assertNotNull(RowConvolution.of(c.producer()), "stride 1, one group: the row form applies");
      assertTrue(AccumulatorStarts.uncentred(c.producer()), "unpadded int8 input: widened whole, uncentred");
      assertBitIdentical(p.done(p.dequantize(c, 0.06, 2)), 2, 0.05);
    }
  }

  @Test
  void rowFormConv2dWithSymmetricWeightsOnTheVectorKernel() throws Exception {
    // Thirteen channels: blocks of eight and four and a single one; 11 rows of 18 padded columns = 198
    // positions (208 with the kernel's padding): on 512-bit vectors six 32-wide tiles, and 16
    // positions (four of them kept outputs) the two-vector tiles leave to the one-vector code.
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 5, 11, 16), 0.05, -3, DType.I8);
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 13, 5, 3, 3), p.floats(0.004, 0.001, 13),
            p.longs(new long[13]), p.floats(1, -0.5, 13)),
        i8out(0.05, 4, "input_scale", 0.05, "input_zero_point", -3, "padding", new int[] {1}));
    assertNotNull(RowConvolution.of(c.producer()), "stride 1, one group: the row form applies");
    assertTrue(AccumulatorStarts.uncentred(c.producer()), "int8 input, symmetric weights: read uncentred");
    assertTrue(Arrays.stream(AccumulatorStarts.of(c.producer()).ints()).anyMatch(v -> v != 0),
        "zero point -3: the sums start from nonzero corrections");
    Graph g = p.done(p.dequantize(c, 0.05, 4));
    Set<String> calls = vectorKernelCalls(g);
    assertTrue(calls.contains(FLOAT_CONV_TAPS) && !calls.contains(INT_CONV_TAPS), "45 taps: sums in floats " + calls);
    assertBitIdentical(g, 2, 0.05);
  }

  @Test
  void convsWithLargeWeightSumsSumInInts() throws Exception {
    // 64 channels × 3 × 3 weights of ±127: |weights| sum to 73,152 a channel, and 73,152 · 255 > 2^24,
    // so float sums could round (ExactFloatSums): both conv forms sum ints.
    for (int stride : new int[] {1, 2}) {
      Prog p = new Prog();
      Value q = p.quantize(p.input(1, 64, 5, 7), 0.05, -3, DType.I8);
      byte[] w = new byte[4 * 64 * 9];
      for (int k = 0; k < w.length; k++) {
        w[k] = (byte) ((k * 7919) % 3 == 0 ? -127 : 127);
      }
      Value c = p.op("qforge.quantized_conv2d", List.of(q, p.constant(Tensor.ofBytes(DType.I8, w, 4, 64, 3, 3)),
              p.floats(0.0001, 0.00001, 4), p.longs(new long[4]), p.floats(1, -0.5, 4)),
          i8out(0.05, 4, "input_scale", 0.05, "input_zero_point", -3, "padding", new int[] {1}, "stride",
              new int[] {stride}));
      assertFalse(ExactFloatSums.hold(c.producer(), 64 * 9));
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      Set<String> calls = vectorKernelCalls(g);
      assertTrue(calls.contains(INT_CONV_TAPS) && !calls.contains(FLOAT_CONV_TAPS), "stride " + stride + ": " + calls);
      assertBitIdentical(g, 2, 0.05);
    }
  }

  @Test
  void winogradRowsGiveTheRowFormsBits() throws Exception {
    // F(2,3) along the height (WinogradRows) on shapes that exercise its edges: 13 output channels
    // (blocks of eight, four and one), nine input channels, odd padded widths whose rows end inside a
    // vector, two batch elements (the weights transformed once), a kernel two wide with dilation 2 and
    // width padding 2, and an unpadded one (10 - 2 = 8 rows out) whose rows of 21 take a whole vector
    // and a part of one. Then rows of whole vectors (16 and 32 wide), whose borders are written first
    // by vectors the inputs partly overwrite: one column each side (16 wide; 32 wide with two batch
    // elements) and two each side.
    Object[][] shapes = {
        {new int[] {2, 9, 10, 13}, new int[] {13, 9, 3, 3}, new int[] {1}, new int[] {1}},
        {new int[] {1, 8, 10, 5}, new int[] {4, 8, 3, 2}, new int[] {1, 2}, new int[] {1, 2}},
        {new int[] {1, 16, 10, 21}, new int[] {8, 16, 3, 3}, new int[] {0}, new int[] {1}},
        {new int[] {1, 8, 16, 16}, new int[] {5, 8, 3, 3}, new int[] {1}, new int[] {1}},
        {new int[] {1, 8, 4, 16}, new int[] {4, 8, 3, 5}, new int[] {1, 2}, new int[] {1}},
        {new int[] {2, 9, 8, 32}, new int[] {13, 9, 3, 3}, new int[] {1}, new int[] {1}},
    };
    for (Object[] shape : shapes) {
      int[] x = (int[]) shape[0];
      int[] w = (int[]) shape[1];
      Prog p = new Prog();
      Value c = int8Conv(p, x, w, "padding", shape[2], "dilation", shape[3]);
      assertInstanceOf(WinogradRows.class, WinogradForm.of(c.producer()), Arrays.toString(x) + ": the F(2,3) height form");
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      Set<String> calls = vectorKernelCalls(g);
      assertTrue(calls.containsAll(Set.of("winogradWeights", "winogradInput", FLOAT_CONV_TAPS, "requantizeWinograd")),
          "the transforms around the float sums: " + calls);
      assertBitIdentical(g, 2, 0.05);
    }
  }

  @Test
  void channelLaneSumsGiveTheRowFormsBits() throws Exception {
    // Output channels in the lanes (ChannelLaneSums) where the row form's rows would be mostly waste:
    // digits_rescnn's 32→32 layer on 4 × 4 planes (two tiles of eight positions); 51 channels (a block
    // of two vectors, one of one and three alone at 16 lanes) over 3 × 5 planes (a tile and seven single
    // positions) for two batch elements; a dilated kernel reaching into two columns of padding.
    Object[][] shapes = {
        {new int[] {1, 32, 4, 4}, new int[] {32, 32, 3, 3}, new int[] {1}, new int[] {1}},
        {new int[] {2, 9, 3, 5}, new int[] {51, 9, 3, 3}, new int[] {1}, new int[] {1}},
        {new int[] {1, 16, 3, 3}, new int[] {32, 16, 3, 3}, new int[] {2}, new int[] {2}},
    };
    for (Object[] shape : shapes) {
      int[] x = (int[]) shape[0];
      Prog p = new Prog();
      Value c = int8Conv(p, x, (int[]) shape[1], "padding", shape[2], "dilation", shape[3]);
      assertNotNull(ChannelLaneSums.of(c.producer()), Arrays.toString(x) + ": channels in lanes");
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      Set<String> calls = vectorKernelCalls(g);
      assertTrue(calls.contains("convChannelLanes") && !calls.contains(FLOAT_CONV_TAPS), "no row-form sums: " + calls);
      assertBitIdentical(g, 2, 0.05);
    }
    // Strided convs the column or phase form would take: 40 channels (two vectors and eight alone at 16
    // lanes) over 5 × 5 outputs of a stride-2 kernel; a stride of (2, 1) with a dilated kernel, two batch
    // elements; rows of eight outputs at stride 2, the tile with one base a row (resnet20's 32→64 layer).
    Object[][] strided = {
        {new int[] {1, 8, 9, 9}, new int[] {40, 8, 3, 3}, new int[] {2}, new int[] {1}},
        {new int[] {2, 5, 10, 7}, new int[] {32, 5, 3, 2}, new int[] {2, 1}, new int[] {1, 2}},
        {new int[] {1, 8, 16, 16}, new int[] {32, 8, 3, 3}, new int[] {2}, new int[] {1}},
    };
    for (Object[] shape : strided) {
      int[] x = (int[]) shape[0];
      Prog p = new Prog();
      Value c = int8Conv(p, x, (int[]) shape[1], "padding", new int[] {1}, "stride", shape[2], "dilation", shape[3]);
      assertNull(RowConvolution.of(c.producer()));
      assertNotNull(ChannelLaneSums.of(c.producer()), Arrays.toString(x) + ": channels in lanes");
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      Set<String> calls = vectorKernelCalls(g);
      assertTrue(calls.contains("convChannelLanes") && !calls.contains(FLOAT_CONV_TAPS) && !calls.contains("phases"),
          "no column or phase form: " + calls);
      assertBitIdentical(g, 2, 0.05);
    }
    // Not where the rows waste less than half (8 × 8 planes, rows of 10 padded to 96 for 64 outputs),
    // nor with fewer than 32 output channels.
    Object[][] others = {{new int[] {1, 4, 8, 8}, 32}, {new int[] {1, 32, 4, 4}, 16}};
    for (Object[] other : others) {
      int[] x = (int[]) other[0];
      Value conv = int8Conv(new Prog(), x, new int[] {(int) other[1], x[1], 3, 3}, "padding", new int[] {1});
      assertNull(ChannelLaneSums.of(conv.producer()), Arrays.toString(x) + " to " + other[1]);
    }
  }

  @Test
  void winogradRowsNeedTheirOwnBound() throws Exception {
    // 100 channels whose only nonzero kernel row is the first, weights ±127: Σ|w| · 255 = 9.7 M, so the
    // row form sums exactly in floats, but V_0 = 2·g_0 sums to 2 · 38,100 · 256 = 19.5 M > 2^24.
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 100, 6, 6), 0.05, -3, DType.I8);
    byte[] w = new byte[2 * 100 * 9];
    for (int k = 0; k < w.length; k++) {
      w[k] = (byte) (k % 9 >= 3 ? 0 : (k * 7919) % 3 == 0 ? -127 : 127);
    }
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.constant(Tensor.ofBytes(DType.I8, w, 2, 100, 3, 3)),
            p.floats(0.0001, 0.00001, 2), p.longs(new long[2]), p.floats(1, -0.5, 2)),
        i8out(0.05, 4, "input_scale", 0.05, "input_zero_point", -3, "padding", new int[] {1}));
    assertTrue(ExactFloatSums.hold(c.producer(), 100 * 9));
    assertNull(WinogradRows.of(c.producer()));
    // Nor where the transforms cost more than they save: 4 input channels, or 6 × 6 outputs a channel;
    // 16 channels on 8 × 8 do take it.
    Object[][] sizes = {{new int[] {1, 4, 10, 10}, false}, {new int[] {1, 16, 6, 6}, false},
        {new int[] {1, 16, 8, 8}, true}};
    for (Object[] size : sizes) {
      int[] x = (int[]) size[0];
      Value conv = int8Conv(new Prog(), x, new int[] {8, x[1], 3, 3}, "padding", new int[] {1});
      assertEquals(size[1], WinogradRows.of(conv.producer()) != null, Arrays.toString(x));
    }
    Graph g = p.done(p.dequantize(c, 0.05, 4));
    Set<String> calls = vectorKernelCalls(g);
    assertTrue(calls.contains(FLOAT_CONV_TAPS) && !calls.contains("winogradInput"), "the row form's float sums: " + calls);
    assertBitIdentical(g, 2, 0.05);
  }

  @Test
  void winogradColumnsGiveTheRowFormsBits() throws Exception {
    // F(2,3) along the width (WinogradColumns) where it applies and its planes are a quarter shorter
    // or more: 8 × 8 outputs (4 pairs a row: whole vectors run over many rows), two batch elements and
    // 13 output channels; a kernel two rows high without height padding (no height form; the first
    // row's d_3 run starts one cell before the plane) on rows of 11 pairs; height dilation 2 with
    // height padding 2 (taps two plane rows apart). The first case, and the last two, have rows of
    // pairs that divide a vector, whose border cells the d_0 and d_3 runs write as they go: no padding
    // row above or below (8 pairs a row), and two each (2 pairs a row).
    Object[][] shapes = {
        {new int[] {2, 9, 8, 8}, new int[] {13, 9, 3, 3}, new int[] {1}, new int[] {1}},
        {new int[] {1, 8, 9, 22}, new int[] {6, 8, 2, 3}, new int[] {0, 1}, new int[] {1}},
        {new int[] {1, 8, 10, 12}, new int[] {4, 8, 3, 3}, new int[] {2, 1}, new int[] {2, 1}},
        {new int[] {1, 8, 8, 16}, new int[] {5, 8, 2, 3}, new int[] {0, 1}, new int[] {1}},
        {new int[] {1, 8, 16, 4}, new int[] {4, 8, 3, 3}, new int[] {2, 1}, new int[] {2, 1}},
    };
    for (Object[] shape : shapes) {
      int[] x = (int[]) shape[0];
      int[] w = (int[]) shape[1];
      Prog p = new Prog();
      Value c = int8Conv(p, x, w, "padding", shape[2], "dilation", shape[3]);
      assertTrue(WinogradForm.of(c.producer()) instanceof WinogradColumns, Arrays.toString(x) + ": the width form");
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      Set<String> calls = vectorKernelCalls(g);
      assertTrue(calls.containsAll(Set.of("winogradWeights", "winogradColumnsInput", FLOAT_CONV_TAPS,
          "requantizeWinogradColumns")), "the width form's transforms around the float sums: " + calls);
      assertBitIdentical(g, 2, 0.05);
    }
  }

  @Test
  void winogradFormsAreChosenByPlaneLengthAndBound() throws Exception {
    // resnet20's shapes: on 8 × 8 the width form sums 32 positions a plane against 48; on 16 × 16
    // (128 against 144) and 32 × 32 (512 against 544) the height form stays (bench/README.md, step 30).
    Object[][] sizes = {{8, WinogradColumns.class}, {16, WinogradRows.class}, {32, WinogradRows.class}};
    for (Object[] size : sizes) {
      int hw = (int) size[0];
      Value conv = int8Conv(new Prog(), new int[] {1, 16, hw, hw}, new int[] {8, 16, 3, 3}, "padding", new int[] {1});
      assertEquals(size[1], WinogradForm.of(conv.producer()).getClass(), hw + " × " + hw);
    }
    // 100 channels whose only nonzero kernel column is the first, weights ±127: along the width V_0 =
    // 2·g_0 sums to 2 · 38,100 · 256 = 19.5 M > 2^24, so no width form; along the height each row
    // sum g_0 + g_1 + g_2 stays within the bound, so the height form.
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 100, 8, 8), 0.05, -3, DType.I8);
    byte[] w = new byte[2 * 100 * 9];
    for (int k = 0; k < w.length; k++) {
      w[k] = (byte) (k % 3 != 0 ? 0 : (k * 7919) % 2 == 0 ? -127 : 127);
    }
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.constant(Tensor.ofBytes(DType.I8, w, 2, 100, 3, 3)),
            p.floats(0.0001, 0.00001, 2), p.longs(new long[2]), p.floats(1, -0.5, 2)),
        i8out(0.05, 4, "input_scale", 0.05, "input_zero_point", -3, "padding", new int[] {1}));
    assertNull(WinogradColumns.of(c.producer()));
    assertTrue(WinogradForm.of(c.producer()) instanceof WinogradRows);
    Graph g = p.done(p.dequantize(c, 0.05, 4));
    assertTrue(vectorKernelCalls(g).contains("winogradInput"));
    assertBitIdentical(g, 2, 0.05);
  }

  @Test
  void phaseRowsGiveTheDirectLoopsBits() throws Exception {
    // Stride-2 convs as the row form over the input's four phases (PhaseRows): rows of 30 and 34 bytes
    // (a whole vector of shorts and a rest that runs past the row), 13 output channels (blocks of eight,
    // four and one), a kernel 2 × 3 with height padding 0, two batch elements.
    Object[][] shapes = {
        {new int[] {2, 5, 30, 30}, new int[] {13, 5, 3, 3}, new int[] {1}},
        {new int[] {1, 9, 12, 34}, new int[] {6, 9, 2, 3}, new int[] {0, 1}},
    };
    for (Object[] shape : shapes) {
      int[] x = (int[]) shape[0];
      int[] w = (int[]) shape[1];
      Prog p = new Prog();
      Value c = int8Conv(p, x, w, "padding", shape[2], "stride", new int[] {2});
      assertNotNull(PhaseRows.of(c.producer()), Arrays.toString(x) + ": the phase form applies");
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      Set<String> calls = vectorKernelCalls(g);
      assertTrue(calls.contains("phases") && calls.contains(FLOAT_CONV_TAPS), "the phases' float sums: " + calls);
      assertBitIdentical(g, 2, 0.05);
    }
    // Not for 1×1 kernels, odd padded sizes, or rows that drop too many positions (9 for 8 outputs).
    for (int[][] shape : new int[][][] {{{1, 8, 16, 16}, {1, 1}, {0}}, {{1, 8, 15, 16}, {3, 3}, {1}},
        {{1, 8, 16, 16}, {3, 3}, {1}}}) {
      Value c = int8Conv(new Prog(), shape[0], new int[] {4, 8, shape[1][0], shape[1][1]}, "padding", shape[2],
          "stride", new int[] {2});
      assertNull(PhaseRows.of(c.producer()), Arrays.deepToString(shape));
    }
  }

  /**
   * A conv2d of {@code p}'s int8 input of {@code x} dims (scale 0.05, zero point −3) with random int8
   * weights of {@code w} dims and a bias, into int8 (scale 0.05, zero point 4), with {@code named} literals.
   */
  private static Value int8Conv(Prog p, int[] x, int[] w, Object... named) {
    Value q = p.quantize(p.input(x), 0.05, -3, DType.I8);
    List<Object> literals = new ArrayList<>(List.of("input_scale", 0.05, "input_zero_point", -3));
    literals.addAll(Arrays.asList(named));
    return p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, w), p.floats(0.004, 0.001, w[0]),
            p.longs(new long[w[0]]), p.floats(1, -0.5, w[0])),
        i8out(0.05, 4, literals.toArray()));
  }

  @Test
  void rowFormConv2dU8WithoutBiasOnTheVectorKernel() throws Exception {
    // uint8 in and out, with bounds that clip (output_min 20), no bias.
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 3, 6, 24), 0.05, 130, DType.U8);
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 4, 3, 1, 3), p.floats(0.004, 0.001, 4),
            p.longs(new long[4]), Literal.NONE),
        out(0.02, 128, 20, 255, "input_scale", 0.05, "input_zero_point", 130, "padding", new int[] {0, 1}));
    assertNotNull(RowConvolution.of(c.producer()), "stride 1, one group: the row form applies");
    assertFalse(AccumulatorStarts.uncentred(c.producer()), "uint8 bytes would widen with the wrong sign: centred");
    assertBitIdentical(p.done(p.dequantize(c, 0.02, 128)), 2, 0.05);
  }

  @Test
  void vectorRequantizationRoundsExactTiesToEven() throws Exception {
    // real / s_out = acc · 0.5 · 1 / 1: every odd sum is a tie; an odd output zero point tells
    // rint(t) + zp (the formula) from rint(t + zp).
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 3, 4, 16), 0.5, 1, DType.I8);
    Value scales = p.constant(Tensor.ofFloats(new float[] {1f, 1f, 1f, 1f}, 4));
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 4, 3, 1, 1), scales, p.longs(new long[4]),
            Literal.NONE),
        i8out(1.0, 3, "input_scale", 0.5, "input_zero_point", 1));
    assertNotNull(RowConvolution.of(c.producer()), "stride 1, one group: the row form applies");
    assertBitIdentical(p.done(p.dequantize(c, 1.0, 3)), 2, 0.5);
  }

  @Test
  void largeAddsAndMulsReadATable() throws Exception {
    // 2,048 results: from ByteOperandTable.MIN_ELEMENTS up, the kernels read a table of every
    // operand pair (but for the int8 add, on the Vector API kernel); transposed operands and
    // narrowed output bounds reach many of its entries.
    for (DType t : List.of(DType.I8, DType.U8)) {
      Prog p = new Prog();
      Value x = p.input(2, 4, 16, 16);
      long za = t == DType.U8 ? 3 : -3;
      long zb = t == DType.U8 ? 130 : 20;
      Value a = p.quantize(x, 0.05, za, t);
      Value b = p.quantize(p.op("aten.transpose.int", List.of(x), "dim0", 2, "dim1", 3), 0.03, zb, t);
      long zo = t == DType.U8 ? 120 : -5;
      Value sum = p.op("qforge.quantized_add", List.of(a, b), out(0.07, zo, t.minValue() + 5, t.maxValue() - 7,
          "self_scale", 0.05, "self_zero_point", za, "other_scale", 0.03, "other_zero_point", zb));
      Value m = p.op("qforge.quantized_mean", List.of(b), out(0.02, zb, t.minValue(), t.maxValue(),
          "input_scale", 0.03, "input_zero_point", zb, "dim", new int[] {2}, "keepdim", true));
      Value prod = p.op("qforge.quantized_mul", List.of(sum, m), out(0.05, zo, t.minValue(), t.maxValue(),
          "self_scale", 0.07, "self_zero_point", zo, "other_scale", 0.02, "other_zero_point", zb));
      Graph g = p.done(p.dequantize(prod, 0.05, zo));
      ExecutionPlan plan = ExecutionPlan.of(g, Kernels::workspace, Kernels::relayout, Kernels::derivedConstant);
      if (t == DType.I8) {
        assertNull(plan.derivedConstant(sum.producer()), "same-shaped int8 operands: the Vector API add, no table");
        assertTrue(vectorKernelCalls(g).contains("quantizedAdd"));
      } else {
        assertNotNull(plan.derivedConstant(sum.producer()), "the uint8 add reads a table");
      }
      assertNotNull(plan.derivedConstant(prod.producer()), "the broadcasting mul reads a table");
      assertEquals((t == DType.I8 ? 1 : 2) * 65536, plan.lookupTableBytes());
      assertBitIdentical(g, 3, 0.05);
    }
  }

  @Test
  void sameShapedAddsOfI8AndU8() throws Exception {
    // Same-shaped signed, then unsigned operands (resnet's residual adds).
    for (DType t : List.of(DType.I8, DType.U8)) {
      Prog p = new Prog();
      Value x = p.input(2, 3, 7);
      long za = t == DType.U8 ? 3 : -3;
      Value a = p.quantize(x, 0.05, za, t);
      Value b = p.quantize(x, 0.03, t == DType.U8 ? 130 : 20, t);
      long zo = t == DType.U8 ? 120 : -5;
      Value sum = p.op("qforge.quantized_add", List.of(a, b), out(0.07, zo, t.minValue(), t.maxValue(),
          "self_scale", 0.05, "self_zero_point", za, "other_scale", 0.03, "other_zero_point", t == DType.U8 ? 130L : 20L));
      Graph g = p.done(p.dequantize(sum, 0.07, zo));
      assertNull(Kernels.derivedConstant(sum.producer()), "42 results: computed, no table");
      assertEquals(t == DType.I8, vectorKernelCalls(g).contains("quantizedAdd"),
          "int8 operands: the Vector API add (five vectors of eight and a scalar rest of two)");
      assertBitIdentical(g, 3, 0.05);
    }
  }

  @Test
  void convWithHugeQuotientsSaturatesLikeTheInterpreter() throws Exception {
    // Every other channel's weight scale is 1e20: quotients far beyond 2^51, which the vector
    // requantization's t + 1.5·2^52 shortcut must still take to the bounds (and a zero sum to the
    // zero point); the other channels requantize normally.
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 4, 12, 12), 0.05, -2, DType.I8);
    float[] scales = new float[16];
    for (int o = 0; o < 16; o++) {
      scales[o] = o % 2 == 0 ? 1e20f : 0.004f + 0.001f * o;
    }
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 16, 4, 3, 3),
            p.constant(Tensor.ofFloats(scales, 16)), p.longs(new long[16]), Literal.NONE),
        out(0.02, 3, -100, 110, "input_scale", 0.05, "input_zero_point", -2, "padding", new int[] {1}));
    assertBitIdentical(p.done(p.dequantize(c, 0.02, 3)), 2, 0.05);
  }

  @Test
  void convWithNonFiniteBiasKeepsTheNaNRule() throws Exception {
    // A NaN real value quantizes to 0 (Java's cast), whatever the bounds: the kernels must not take
    // the int-clamp shortcut that is only equivalent for finite values.
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 2, 5, 5), 0.05, 0, DType.I8);
    Value bias = p.constant(Tensor.ofFloats(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        0.25f}, 4));
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 4, 2, 3, 3), p.floats(0.004, 0.001, 4),
            p.longs(new long[4]), bias),
        out(0.05, 30, 10, 120, "input_scale", 0.05, "input_zero_point", 0, "padding", new int[] {1}));
    assertBitIdentical(p.done(p.dequantize(c, 0.05, 30)), 2, 0.05);
  }

  @Test
  void columnFormConvStridedAndPointwise() throws Exception {
    // resnet's stride-2 3×3 layer (copied from the padded input), the same dilated, and its 1×1
    // downsampling (the matrix written from the input).
    for (int[] kd : new int[][] {{3, 1}, {3, 2}, {1, 1}}) {
      int k = kd[0];
      Prog p = new Prog();
      Value q = p.quantize(p.input(2, 4, 11, 9), 0.05, 5, DType.I8);
      Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 5, 4, k, k),
              p.floats(0.01, 0.001, 5), p.longs(new long[5]), p.floats(1, -0.5, 5)),
          i8out(0.05, -2, "input_scale", 0.05, "input_zero_point", 5, "stride", new int[] {2},
              "padding", new int[] {k / 2}, "dilation", new int[] {kd[1]}));
      assertNotNull(ColumnConvolution.of(c.producer()), "stride 2, one group: the column form applies");
      assertEquals(k > 1, ColumnConvolution.readsPaddedInput(c.producer()));
      Graph g = p.done(p.dequantize(c, 0.05, -2));
      assertTrue(vectorKernelCalls(g).contains(FLOAT_CONV_TAPS), "small weights: sums in floats");
      assertBitIdentical(g, 2, 0.05);
    }
  }

  @Test
  void linearOnRowsWithALongAccumulator() throws Exception {
    Prog p = new Prog();
    int k = 34000; // more terms than an int accumulator takes safely
    Value q = p.quantize(p.input(2, 1, k), 0.05, 0, DType.I8);
    Value l = p.op("qforge.quantized_linear", List.of(q, p.weights(DType.I8, 3, k), p.floats(0.001, 0.0001, 3),
            p.longs(new long[] {0, 1, -1}), p.floats(1, 0, 3)),
        i8out(0.5, 0, "input_scale", 0.05, "input_zero_point", 0));
    assertBitIdentical(p.done(p.dequantize(l, 0.5, 0)), 50, 0.05);
  }

  @Test
  void linearWithoutBiasOnU8() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(4, 30), 0.05, 140, DType.U8);
    Value l = p.op("qforge.quantized_linear", List.of(q, p.weights(DType.I8, 7, 30), p.floats(0.01, 0.001, 7),
            p.longs(new long[7]), Literal.NONE),
        out(0.1, 120, 0, 255, "input_scale", 0.05, "input_zero_point", 140));
    assertBitIdentical(p.done(p.dequantize(l, 0.1, 120)), 2, 0.05);
  }

  @Test
  void linearWithPackedWeightRows() throws Exception {
    // 15 outputs (too few for the input-major order): a block of eight interleaved rows, then seven
    // row-major ones (a four-row and three one-row passes); 48 inputs, three chunks of 16.
    assertLinearStoredFor(15, 48, "dotRowsPacked");
  }

  @Test
  void linearWithInputMajorWeights() throws Exception {
    // 229 outputs: a panel of 128 rows (eight vectors of 16, or twice eight of 8), then one of 101
    // (four vectors, two single ones, and a rest of 5 for a last vector overlapping the one before);
    // 29 inputs, not a multiple of 16 (the input-major order needs none).
    assertLinearStoredFor(229, 29, "dotColumns");
  }

  /**
   * A linear layer of {@code outs} × {@code depth} int8 weights on three rows of input, i8 and u8: its
   * weight stored in the order {@code kernel} reads, that kernel called and the float requantization
   * after it, outputs bit-identical.
   */
  private void assertLinearStoredFor(int outs, int depth, String kernel) throws Exception {
    for (DType in : new DType[] {DType.I8, DType.U8}) {
      Prog p = new Prog();
      long zp = in == DType.I8 ? -7 : 131;
      Value q = p.quantize(p.input(3, depth), 0.05, zp, in);
      Value w = p.weights(DType.I8, outs, depth);
      Value l = p.op("qforge.quantized_linear", List.of(q, w, p.floats(0.01, 0.001, outs), p.longs(new long[outs]),
              p.floats(1, -0.5, outs)),
          in == DType.I8 ? i8out(0.2, 3, "input_scale", 0.05, "input_zero_point", zp)
              : out(0.2, 125, 0, 255, "input_scale", 0.05, "input_zero_point", zp));
      Graph g = p.done(p.dequantize(l, 0.2, in == DType.I8 ? 3 : 125));
      assertTrue(ExecutionPlan.of(g, Kernels::workspace, Kernels::relayout).relaidOut(w),
          "a constant int8 weight of " + outs + " × " + depth + " read by the vector kernel is relaid out");
      assertTrue(vectorKernelCalls(g).containsAll(Set.of(kernel, "requantizeChannelsInFloats")),
          "all of the work is linear: " + kernel + " runs, then the float requantization: " + vectorKernelCalls(g));
      assertBitIdentical(g, 2, 0.05);
    }
  }

  @Test
  void weightOrdersStoreEveryElementOnce() {
    // The stored position of each (o, k) of a 21 × 48 and a 300 × 16 weight in each order: a permutation.
    for (int[] shape : new int[][] {{21, 48}, {300, 16}}) {
      for (IntegerLinearKernel.WeightOrder order : IntegerLinearKernel.WeightOrder.values()) {
        boolean[] seen = new boolean[shape[0] * shape[1]];
        for (int o = 0; o < shape[0]; o++) {
          for (int k = 0; k < shape[1]; k++) {
            int at = order.index(o, k, shape[0], shape[1]);
            assertFalse(seen[at], order + " stores two elements at " + at);
            seen[at] = true;
          }
        }
      }
    }
    IntegerLinearKernel.WeightOrder columns = IntegerLinearKernel.WeightOrder.COLUMNS;
    assertEquals(5 * 21 + 3, columns.index(3, 5, 21, 48), "one panel of 21 rows: k·21 + o");
    assertEquals(128 * 16 + 2 * 128 + 2, columns.index(130, 2, 300, 16), "the second panel of 128 rows");
    assertEquals(256 * 16 + 1 * 44 + 4, columns.index(260, 1, 300, 16), "the last panel, 44 rows");
  }

  @Test
  void linearInputRowsAreCentredOnVectorLanesWithAScalarRest() throws Exception {
    // 37 i8 inputs a row (two vectors of 16 and five more) centred on their zero point by
    // Int8VectorKernels.centred, two rows, 12 outputs.
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 37), 0.05, -7, DType.I8);
    Value w = p.weights(DType.I8, 12, 37);
    Value l = p.op("qforge.quantized_linear", List.of(q, w, p.floats(0.01, 0.001, 12), p.longs(new long[12]),
        p.floats(1, -0.5, 12)), i8out(0.2, 3, "input_scale", 0.05, "input_zero_point", -7L));
    Graph g = p.done(p.dequantize(l, 0.2, 3));
    assertTrue(vectorKernelCalls(g).containsAll(Set.of("centred", "dotRows")), "the row centred, then summed: "
        + vectorKernelCalls(g));
    assertBitIdentical(g, 2, 0.05);
  }

  @Test
  void aLinearLayerDoingLittleOfTheWorkRunsScalar() throws Exception {
    // A 8 → 8 3×3 conv on 16 × 16 (147,456 multiply-adds), pooled to 4 × 4 and flattened, then a
    // 128 → 10 linear layer (1,280, 0.86%): the shape of resnet20's head, where the Vector API linear
    // kernels would stay uncompiled for seconds (LinearShare).
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 8, 16, 16), 0.05, -3, DType.I8);
    Value c = p.op("qforge.quantized_conv2d", List.of(q, p.weights(DType.I8, 8, 8, 3, 3), p.floats(0.004, 0.001, 8),
            p.longs(new long[8]), p.floats(1, -0.5, 8)),
        i8out(0.05, 4, "input_scale", 0.05, "input_zero_point", -3, "padding", new int[] {1}));
    Value a = p.op("qforge.quantized_adaptive_avg_pool2d", List.of(c), i8out(0.05, 4, "input_scale", 0.05,
        "input_zero_point", 4, "output_size", new int[] {4, 4}));
    Value f = p.op("aten.flatten.using_ints", List.of(a), "start_dim", 1);
    Value l = p.op("qforge.quantized_linear", List.of(f, p.weights(DType.I8, 10, 128), p.floats(0.01, 0.001, 10),
            p.longs(new long[10]), p.floats(1, -0.5, 10)),
        i8out(0.2, 3, "input_scale", 0.05, "input_zero_point", 4));
    Graph g = p.done(p.dequantize(l, 0.2, 3));
    assertTrue(LinearShare.of(g) < LinearShare.VECTOR_KERNELS_FROM, "share " + LinearShare.of(g));
    Set<String> calls = vectorKernelCalls(g);
    assertTrue(calls.contains("convTaps"), "the conv still runs on the Vector API: " + calls);
    assertFalse(calls.contains("dotRowsPacked") || calls.contains("dotRows") || calls.contains("requantizeChannels"),
        "the small linear layer runs the scalar loops: " + calls);
    assertBitIdentical(g, 2, 0.05);
  }

  /** The float-sum overload of {@code convTaps}: weights, input, table, sums, then seven ints. */
  private static final String FLOAT_CONV_TAPS = "convTaps([F[F[I[FIIIIIII)V";
  /** The int overload of {@code convTaps}: weights, input (and table), sums, then seven ints. */
  private static final String INT_CONV_TAPS = "convTaps([I[I[IIIIIIII)V";

  /**
   * The {@code Int8VectorKernels} methods the ASM backend's model class calls, each by name and by
   * name and descriptor.
   */
  private static Set<String> vectorKernelCalls(Graph g) throws Exception {
    JarCompiler.Result r = JarCompiler.compile(g, new JarCompiler.Options("t.Net", JarCompiler.Backend.ASM, "test", "test"));
    Set<String> calls = new HashSet<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(r.jar()))) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        if (!e.getName().equals("t/Net.class")) {
          continue;
        }
        new ClassReader(zip.readAllBytes()).accept(new ClassVisitor(Opcodes.ASM9) {
          @Override
          public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
            return new MethodVisitor(Opcodes.ASM9) {
              @Override
              public void visitMethodInsn(int op, String owner, String method, String d, boolean itf) {
                if (owner.endsWith("Int8VectorKernels")) {
                  calls.add(method);
                  calls.add(method + d);
                }
              }
            };
          }
        }, 0);
      }
    }
    return calls;
  }

  @Test
  void aWeightReadTwiceKeepsItsOrder() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 32), 0.05, 1, DType.I8);
    Value w = p.weights(DType.I8, 16, 32);
    Value first = p.op("qforge.quantized_linear", List.of(q, w, p.floats(0.01, 0.001, 16), p.longs(new long[16]),
            Literal.NONE),
        i8out(0.1, 0, "input_scale", 0.05, "input_zero_point", 1));
    Value second = p.op("qforge.quantized_linear", List.of(q, w, p.floats(0.01, 0.001, 16), p.longs(new long[16]),
            Literal.NONE),
        i8out(0.1, 2, "input_scale", 0.05, "input_zero_point", 1));
    Value sum = p.op("qforge.quantized_add", List.of(first, second), i8out(0.2, 0, "self_scale", 0.1,
        "self_zero_point", 0, "other_scale", 0.1, "other_zero_point", 2));
    Graph g = p.done(p.dequantize(sum, 0.2, 0));
    ExecutionPlan plan = ExecutionPlan.of(g, Kernels::workspace, Kernels::relayout);
    assertFalse(plan.relaidOut(w), "two readers: the graph's order");
    assertEquals(p.g.constant(w.name()).tensor(), plan.weights(Arena.WEIGHTS_I8).get(0));
    assertBitIdentical(g, 2, 0.05);
  }

  @Test
  void unpaddedStrideTwoOneByOneColumnsComeFromEvenBytes() throws Exception {
    // resnet's 1×1 downsampling: the column matrix from each even row's even bytes (strideTwoColumns),
    // rows of 17 outputs (a vector of 16 and one more), of 4 (singly), two batch elements.
    Object[][] shapes = {{new int[] {2, 5, 34, 34}, 6}, {new int[] {1, 3, 8, 8}, 9}};
    for (Object[] shape : shapes) {
      int[] x = (int[]) shape[0];
      Prog p = new Prog();
      Value c = int8Conv(p, x, new int[] {(int) shape[1], x[1], 1, 1}, "stride", new int[] {2});
      Graph g = p.done(p.dequantize(c, 0.05, 4));
      assertTrue(vectorKernelCalls(g).contains("strideTwoColumns"), Arrays.toString(x) + ": " + vectorKernelCalls(g));
      assertBitIdentical(g, 2, 0.05);
    }
  }

  @Test
  void aStridedConvWeightReadTwiceKeepsItsOrderAndItsWorkspace() throws Exception {
    // Two stride-2 convs that would take the channel-lane sums share their weight: it stays in the
    // graph's order, so they take the phase and column forms, whose workspace must still be planned.
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 8, 9, 9), 0.05, -3, DType.I8);
    Value w = p.weights(DType.I8, 32, 8, 3, 3);
    List<Value> convs = new ArrayList<>();
    for (int zp : new int[] {4, 6}) {
      convs.add(p.op("qforge.quantized_conv2d", List.of(q, w, p.floats(0.004, 0.001, 32), p.longs(new long[32]),
              p.floats(1, -0.5, 32)),
          i8out(0.05, zp, "input_scale", 0.05, "input_zero_point", -3, "padding", new int[] {1}, "stride",
              new int[] {2})));
    }
    assertNotNull(ChannelLaneSums.of(convs.get(0).producer()));
    Value sum = p.op("qforge.quantized_add", List.of(convs.get(0), convs.get(1)), i8out(0.1, 0, "self_scale", 0.05,
        "self_zero_point", 4, "other_scale", 0.05, "other_zero_point", 6));
    Graph g = p.done(p.dequantize(sum, 0.1, 0));
    assertFalse(ExecutionPlan.of(g, Kernels::workspace, Kernels::relayout).relaidOut(w), "two readers: the graph's order");
    assertFalse(vectorKernelCalls(g).contains("convChannelLanes"), "not in the graph's order");
    assertBitIdentical(g, 2, 0.05);
  }

  @Test
  void meanThenBroadcastingAdd() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 3, 4, 5), 0.05, 3, DType.I8);
    Value m = p.op("qforge.quantized_mean", List.of(q), i8out(0.02, -1, "input_scale", 0.05, "input_zero_point", 3,
        "dim", new int[] {0, -2}, "keepdim", true));
    Value a = p.op("qforge.quantized_add", List.of(q, m), i8out(0.07, 5, "self_scale", 0.05, "self_zero_point", 3,
        "other_scale", 0.02, "other_zero_point", -1));
    assertBitIdentical(p.done(p.dequantize(a, 0.07, 5)), 2, 0.05);
  }

  @Test
  void meanOverEverything() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(3, 4, 5), 0.05, 3, DType.I8);
    Value m = p.op("qforge.quantized_mean", List.of(q), i8out(0.002, -1, "input_scale", 0.05, "input_zero_point", 3,
        "dim", new int[] {1}));
    Value all = p.op("qforge.quantized_mean", List.of(m), i8out(0.001, 0, "input_scale", 0.002,
        "input_zero_point", -1));
    Value both = p.op("qforge.quantized_add", List.of(m, all), i8out(0.003, 0, "self_scale", 0.002,
        "self_zero_point", -1, "other_scale", 0.001, "other_zero_point", 0));
    assertBitIdentical(p.done(p.dequantize(both, 0.003, 0)), 0.2, 0.05);
  }

  @Test
  void mulWithTransposeAndSelectBroadcast() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(6, 6), 0.05, -2, DType.I8);
    Value t = p.op("aten.transpose.int", List.of(q), "dim0", 0, "dim1", -1);
    Value m = p.op("qforge.quantized_mul", List.of(q, t), i8out(0.01, 1, "self_scale", 0.05, "self_zero_point", -2,
        "other_scale", 0.05, "other_zero_point", -2));
    Value row = p.op("aten.select.int", List.of(q), "dim", 0, "index", -2);
    Value m2 = p.op("qforge.quantized_mul", List.of(m, row), i8out(0.003, 0, "self_scale", 0.01,
        "self_zero_point", 1, "other_scale", 0.05, "other_zero_point", -2));
    assertBitIdentical(p.done(p.dequantize(m2, 0.003, 0)), 1, 0.05);
  }

  @Test
  void catOfRequantizedSlicesAndPermutes() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 4, 6), 0.05, 0, DType.I8);
    Value r = p.op("qforge.requantize", List.of(q), out(0.03, 7, -20, 90, "input_scale", 0.05, "input_zero_point", 0));
    Value s = p.op("aten.slice.Tensor", List.of(q), "dim", 1, "start", -3, "end", 100, "step", 2);
    Value perm = p.op("aten.permute", List.of(p.op("aten.permute", List.of(q), "dims", new int[] {2, 0, 1})),
        "dims", new int[] {1, 2, 0});
    Value c = p.op("qforge.quantized_cat", List.of(new ValueList(List.of(q, r, s, perm))),
        i8out(0.05, 0, "scales", new double[] {0.05, 0.03, 0.05, 0.05}, "zero_points", new int[] {0, 7, 0, 0},
            "dim", -2));
    assertBitIdentical(p.done(p.dequantize(c, 0.05, 0)), 2, 0.05);
  }

  @Test
  void maxPoolWithOtherOutputParametersAndCeilMode() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 2, 9, 7), 0.05, 4, DType.I8);
    Value m = p.op("qforge.quantized_max_pool2d", List.of(q), i8out(0.08, -3, "input_scale", 0.05,
        "input_zero_point", 4, "kernel_size", new int[] {3, 2}, "stride", new int[] {2}, "padding", new int[] {1, 1},
        "dilation", new int[] {1, 1}, "ceil_mode", true));
    Value same = p.op("qforge.quantized_max_pool2d", List.of(m), out(0.08, -3, -3, 100, "input_scale", 0.08,
        "input_zero_point", -3, "kernel_size", new int[] {2}, "dilation", new int[] {2, 1}));
    assertBitIdentical(p.done(p.dequantize(same, 0.08, -3)), 2, 0.05);
  }

  @Test
  void adaptiveAvgPoolWithUnevenWindows() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(2, 3, 7, 5), 0.05, -5, DType.I8);
    Value a = p.op("qforge.quantized_adaptive_avg_pool2d", List.of(q), i8out(0.01, 2, "input_scale", 0.05,
        "input_zero_point", -5, "output_size", new int[] {3, 2}));
    assertBitIdentical(p.done(p.dequantize(a, 0.01, 2)), 1, 0.05);
  }

  @Test
  void expandAndFlattenOfI8() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(5, 1), 0.05, 0, DType.I8);
    Value e = p.op("aten.expand", List.of(q), "size", new int[] {2, 5, 3});
    Value f = p.op("aten.flatten.using_ints", List.of(e));
    assertBitIdentical(p.done(p.dequantize(f, 0.05, 0)), 2, 0.05);
  }

  @Test
  void perChannelQuantizeAndDequantize() throws Exception {
    for (DType zt : List.of(DType.I64, DType.I32, DType.F32)) {
      Prog p = new Prog();
      Value x = p.input(2, 3, 4, 5);
      Value scales = p.floats(0.1, 0.01, 3);
      Tensor zps = Tensor.zeros(TensorType.of(zt, 3));
      zps.setLong(0, 5);
      zps.setLong(1, -3);
      zps.setLong(2, 0);
      Value z = p.constant(zps);
      Value q = p.op("quantized_decomposed.quantize_per_channel", List.of(x, scales, z), "axis", -3,
          "quant_min", -100, "quant_max", 127, "dtype", DType.I8);
      Value dq = p.op("quantized_decomposed.dequantize_per_channel", List.of(q, scales, z), "axis", 1,
          "quant_min", -100, "quant_max", 127, "dtype", DType.I8);
      assertBitIdentical(p.done(dq), 3, 0.1);
    }
    Prog p = new Prog();
    Value x = p.input(6, 5);
    Value scales = p.floats(0.1, 0.01, 1);
    Value q = p.op("quantized_decomposed.quantize_per_channel", List.of(x, scales, p.longs(new long[] {7})), "axis", 0,
        "quant_min", 0, "quant_max", 255, "dtype", DType.U8);
    Value dq = p.op("quantized_decomposed.dequantize_per_channel", List.of(q, scales, Literal.NONE), "axis", 0,
        "quant_min", 0, "quant_max", 255, "dtype", DType.U8);
    assertBitIdentical(p.done(dq), 3, 0.1);
  }

  @Test
  void convOfWeightsQuantizedAtRunTime() throws Exception {
    Prog p = new Prog();
    Value q = p.quantize(p.input(1, 3, 6, 6), 0.05, 0, DType.I8);
    Value scales = p.floats(0.01, 0.001, 4);
    Value zps = p.longs(new long[4]);
    float[] wf = new float[4 * 3 * 3 * 3];
    for (int i = 0; i < wf.length; i++) {
      wf[i] = (float) (p.rnd.nextGaussian() * 0.5);
    }
    Value wq = p.op("quantized_decomposed.quantize_per_channel", List.of(p.constant(Tensor.ofFloats(wf, 4, 3, 3, 3)),
        scales, zps), "axis", 0, "quant_min", -127, "quant_max", 127, "dtype", DType.I8);
    Value c = p.op("qforge.quantized_conv2d", List.of(q, wq, scales, zps, Literal.NONE),
        i8out(0.1, 0, "input_scale", 0.05, "input_zero_point", 0, "padding", new int[] {1}));
    assertBitIdentical(p.done(p.dequantize(c, 0.1, 0)), 2, 0.05);
  }

  @Test
  void unsupportedDtypesFailClearly() {
    Prog p = new Prog();
    Value q = p.quantize(p.input(4), 0.05, 0, DType.I16);
    Graph g = p.done(p.dequantize(q, 0.05, 0));
    QforgeException e = org.junit.jupiter.api.Assertions.assertThrows(QforgeException.class,
        () -> JarCompiler.compile(g, new JarCompiler.Options("t.Net", JarCompiler.Backend.ASM, "test", "test")));
    assertTrue(e.getMessage().contains("i16"), e.getMessage());
  }
}
