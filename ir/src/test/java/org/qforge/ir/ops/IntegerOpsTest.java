package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.OpDef;
import org.qforge.ir.Param;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * The {@code qforge.} integer ops on small hand-computed cases (ties round half to even, fused
 * relu clamps at output_min), against a direct transcription of their documented formulas on random
 * convolutions, and within one step of the fp32 q/dq computation they stand for.
 */
class IntegerOpsTest {

  // ---- helpers ----

  private static Tensor i8(int[] values, int... shape) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return Tensor.ofBytes(DType.I8, b, shape);
  }

  private static Tensor u8(int[] values, int... shape) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return Tensor.ofBytes(DType.U8, b, shape);
  }

  private static int[] ints(int... v) {
    return v;
  }

  private static Map<String, Object> named(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** output_scale, output_zero_point, output_min, output_max (i8 range unless given). */
  private static Map<String, Object> out(double scale, long zp, long min, long max, Object... more) {
    Map<String, Object> m = named(more);
    m.put("output_scale", scale);
    m.put("output_zero_point", zp);
    m.put("output_min", min);
    m.put("output_max", max);
    return m;
  }

  private static Tensor run1(String op, List<Object> positional, Map<String, Object> named) {
    return run("qforge." + op, positional, named).out();
  }

  // ---- schemas ----

  @Test
  void schemasAreDocumentedWithTensorsFirst() {
    assertEquals("qforge.quantized_conv2d(Tensor input, Tensor weight, Tensor weight_scales, "
        + "Tensor weight_zero_points, Tensor? bias, float input_scale, int input_zero_point, float output_scale, "
        + "int output_zero_point, int output_min, int output_max, int[] stride=[1, 1], int[] padding=[0, 0], "
        + "int[] dilation=[1, 1], int groups=1)", OpHarness.op("qforge.quantized_conv2d").signature());
    assertEquals("qforge.quantized_add(Tensor self, Tensor other, float self_scale, int self_zero_point, "
        + "float other_scale, int other_zero_point, float output_scale, int output_zero_point, int output_min, "
        + "int output_max)", OpHarness.op("qforge.quantized_add").signature());
    assertEquals("qforge.quantized_cat(Tensor[] tensors, float[] scales, int[] zero_points, float output_scale, "
        + "int output_zero_point, int output_min, int output_max, int dim=0)",
        OpHarness.op("qforge.quantized_cat").signature());
    for (String name : List.of("quantized_conv1d", "quantized_conv2d", "quantized_linear", "quantized_add",
        "quantized_mul", "quantized_cat", "quantized_max_pool2d", "quantized_adaptive_avg_pool2d", "quantized_mean",
        "requantize")) {
      OpDef op = OpHarness.op("qforge." + name);
      assertFalse(op.doc().isBlank(), name + " needs a doc line");
      assertTrue(op.doc().contains("rint") || op.doc().contains("requantized"), name + ": " + op.doc());
      assertTrue(op.params().stream().map(Param::name).allMatch(p -> p.matches("[a-z_]+")), name);
    }
  }

  // ---- requantization: round half to even ----

  @Test
  void requantizeRoundsHalfToEven() {
    // (x - 0) * 0.5 = 0.5, 1.5, 2.5, -0.5, -1.5, 3 -> rint: 0, 2, 2, -0, -2, 3.
    Tensor q = run1("requantize", List.of(i8(ints(1, 3, 5, -1, -3, 6), 6)),
        out(1.0, 0, -128, 127, "input_scale", 0.5, "input_zero_point", 0));
    assertEquals(DType.I8, q.dtype());
    assertValues(q, 0, 2, 2, 0, -2, 3);
  }

  @Test
  void requantizeWithEqualParametersIsAClamp() {
    Random r = new Random(1);
    int[] v = new int[200];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(256) - 128;
    }
    double s = (float) 0.0123456789;
    Tensor q = run1("requantize", List.of(i8(v, v.length)),
        out(s, -7, -100, 120, "input_scale", s, "input_zero_point", -7));
    for (int i = 0; i < v.length; i++) {
      assertEquals(Math.min(Math.max(v[i], -100), 120), q.getLong(i), "element " + i);
    }
  }

  // ---- linear ----

  @Test
  void linearHandComputedWithTiesAndFusedRelu() {
    // x - zp = [8, -6]; w0 - 0 = [3, 1], w1 - 1 = [-3, 4]; acc = [18, -48];
    // real = acc * (0.5 * [0.25, 0.125]) + bias = [2.25 + 0.25, -3.0 - 0.5] = [2.5, -3.5];
    // rint (half to even) = [2, -4]; PyTorch's truncating reference would give [2, -3].
    Tensor x = i8(ints(10, -4), 1, 2);
    Tensor w = i8(ints(3, 1, -2, 5), 2, 2);
    Tensor scales = Tensor.ofFloats(new float[] {0.25f, 0.125f}, 2);
    Tensor zps = Tensor.ofLongs(new long[] {0, 1}, 2);
    Tensor bias = Tensor.ofFloats(new float[] {0.25f, -0.5f}, 2);
    List<Object> args = List.of(x, w, scales, zps, bias);
    Map<String, Object> in = named("input_scale", 0.5, "input_zero_point", 2);
    Map<String, Object> m = out(1.0, 0, -128, 127);
    m.putAll(in);
    assertValues(run1("quantized_linear", args, m), 2, -4);
    m = out(1.0, 3, -128, 127);
    m.putAll(in);
    assertValues(run1("quantized_linear", args, m), 5, -1);
    // Fused relu: output_min = max(quant_min, zero_point) = 3 clamps -1 up to 3.
    m = out(1.0, 3, 3, 127);
    m.putAll(in);
    assertValues(run1("quantized_linear", args, m), 5, 3);
    // Without a bias: real = [2.25, -3.0] -> [2, -3].
    List<Object> noBias = new ArrayList<>(List.of(x, w, scales, zps));
    noBias.add(null);
    m = out(1.0, 0, -128, 127);
    m.putAll(in);
    assertValues(run1("quantized_linear", noBias, m), 2, -3);
  }

  @Test
  void linearTakesLeadingDims() {
    Tensor x = i8(ints(1, 2, 3, 4, 5, 6), 3, 1, 2);
    Tensor w = i8(ints(1, 1), 1, 2);
    Map<String, Object> m = out(1.0, 0, -128, 127, "input_scale", 1.0, "input_zero_point", 0);
    List<Object> args = new ArrayList<>(List.of(x, w, Tensor.ofFloats(new float[] {1f}, 1), Tensor.ofLongs(new long[] {0}, 1)));
    args.add(null);
    Tensor q = run1("quantized_linear", args, m);
    assertEquals(TensorType.of(DType.I8, 3, 1, 1), q.type());
    assertValues(q, 3, 7, 11);
  }

  // ---- convolution ----

  @Test
  void conv2dHandComputed() {
    // x - 1 = 0..8 in a 3x3 plane; a 2x2 kernel of ones at scale 0.5; bias 0.5:
    // window sums 8, 12, 20, 24 -> real 4.5, 6.5, 10.5, 12.5 -> rint 4, 6, 10, 12 -> + zp -10.
    Tensor x = i8(ints(1, 2, 3, 4, 5, 6, 7, 8, 9), 1, 1, 3, 3);
    Tensor w = i8(ints(1, 1, 1, 1), 1, 1, 2, 2);
    List<Object> args = List.of(x, w, Tensor.ofFloats(new float[] {0.5f}, 1), Tensor.ofLongs(new long[] {0}, 1),
        Tensor.ofFloats(new float[] {0.5f}, 1));
    Map<String, Object> m = out(1.0, -10, -128, 127, "input_scale", 1.0, "input_zero_point", 1);
    Tensor q = run1("quantized_conv2d", args, m);
    assertEquals(TensorType.of(DType.I8, 1, 1, 2, 2), q.type());
    assertValues(q, -6, -4, 0, 2);
    // Padding holds the input's zero point: the corner window sees x[0,0] - 1 = 0 only -> rint(0.5) = 0.
    m.put("padding", ints(1, 1));
    Tensor padded = run1("quantized_conv2d", args, m);
    assertEquals(TensorType.of(DType.I8, 1, 1, 4, 4), padded.type());
    assertEquals(-10, padded.getLong(0));
    assertEquals(-6, padded.getLong(15)); // x[2,2] - 1 = 8 -> 4.5 -> 4
    // Fused relu at output_min = zp clamps -6 and -4.
    m.put("padding", ints(0, 0));
    m.put("output_min", -5L);
    assertValues(run1("quantized_conv2d", args, m), -5, -4, 0, 2);
  }

  /** The sizes of a random convolution case. */
  private record ConvCase(int n, int c, int h, int w, int oc, int kh, int kw, int[] stride, int[] pad, int[] dil,
      int groups, boolean bias) {}

  /** The documented formula, one output element at a time. */
  private static long[] convReference(int[] x, long xzp, double xs, int[] w, long[] wzp, float[] ws, float[] b,
      ConvCase k, int oh, int ow, double os, long ozp, long min, long max) {
    int cg = k.c / k.groups;
    int ocg = k.oc / k.groups;
    long[] out = new long[k.n * k.oc * oh * ow];
    for (int n = 0; n < k.n; n++) {
      for (int o = 0; o < k.oc; o++) {
        for (int y = 0; y < oh; y++) {
          for (int xx = 0; xx < ow; xx++) {
            long acc = 0;
            for (int i = 0; i < cg; i++) {
              int ic = (o / ocg) * cg + i;
              for (int ky = 0; ky < k.kh; ky++) {
                for (int kx = 0; kx < k.kw; kx++) {
                  int iy = y * k.stride[0] - k.pad[0] + ky * k.dil[0];
                  int ix = xx * k.stride[1] - k.pad[1] + kx * k.dil[1];
                  if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w) {
                    acc += (x[((n * k.c + ic) * k.h + iy) * k.w + ix] - xzp)
                        * (w[((o * cg + i) * k.kh + ky) * k.kw + kx] - wzp[o]);
                  }
                }
              }
            }
            double real = (double) acc * ((double) (float) xs * (double) ws[o]);
            if (b != null) {
              real = real + (double) b[o];
            }
            double t = Math.rint(real / (double) (float) os) + ozp;
            out[((n * k.oc + o) * oh + y) * ow + xx] = (long) Math.min(Math.max(t, min), max);
          }
        }
      }
    }
    return out;
  }

  private static int[] randomInts(Random r, int n, int lo, int hi) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + r.nextInt(hi - lo + 1);
    }
    return v;
  }

  @Test
  void conv2dMatchesItsFormulaGroupedDepthwiseStridedDilated() {
    List<ConvCase> cases = List.of(
        new ConvCase(2, 4, 5, 6, 6, 3, 2, ints(2, 1), ints(1, 1), ints(1, 2), 2, true),
        new ConvCase(1, 3, 7, 7, 3, 3, 3, ints(1, 1), ints(1, 1), ints(1, 1), 3, true), // depthwise
        new ConvCase(1, 5, 4, 4, 8, 1, 1, ints(1, 1), ints(0, 0), ints(1, 1), 1, false), // pointwise
        new ConvCase(1, 2, 9, 8, 4, 3, 3, ints(2, 2), ints(1, 0), ints(2, 1), 1, true));
    Random r = new Random(42);
    for (ConvCase k : cases) {
      int[] x = randomInts(r, k.n * k.c * k.h * k.w, -128, 127);
      int cg = k.c / k.groups;
      int[] w = randomInts(r, k.oc * cg * k.kh * k.kw, -127, 127);
      long[] wzp = new long[k.oc];
      float[] ws = new float[k.oc];
      float[] b = new float[k.oc];
      for (int o = 0; o < k.oc; o++) {
        wzp[o] = r.nextInt(5) - 2;
        ws[o] = 0.001f + r.nextFloat() * 0.01f;
        b[o] = r.nextFloat() * 2 - 1;
      }
      double xs = 0.02 + r.nextDouble() * 0.01;
      long xzp = r.nextInt(21) - 10;
      double os = 0.05 + r.nextDouble() * 0.05;
      long ozp = r.nextInt(11) - 5;
      List<Object> args = new ArrayList<>(List.of(i8(x, k.n, k.c, k.h, k.w), i8(w, k.oc, cg, k.kh, k.kw),
          Tensor.ofFloats(ws, k.oc), Tensor.ofLongs(wzp, k.oc)));
      args.add(k.bias ? Tensor.ofFloats(b, k.oc) : null);
      Map<String, Object> m = out(os, ozp, -128, 127, "input_scale", xs, "input_zero_point", xzp,
          "stride", k.stride, "padding", k.pad, "dilation", k.dil, "groups", k.groups);
      Tensor q = run1("quantized_conv2d", args, m);
      int oh = (k.h + 2 * k.pad[0] - k.dil[0] * (k.kh - 1) - 1) / k.stride[0] + 1;
      int ow = (k.w + 2 * k.pad[1] - k.dil[1] * (k.kw - 1) - 1) / k.stride[1] + 1;
      assertEquals(TensorType.of(DType.I8, k.n, k.oc, oh, ow), q.type(), k.toString());
      long[] want = convReference(x, xzp, xs, w, wzp, ws, k.bias ? b : null, k, oh, ow, os, ozp, -128, 127);
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], q.getLong(i), k + " element " + i);
      }
    }
  }

  @Test
  void conv1dIsConv2dOfHeightOne() {
    Random r = new Random(7);
    int[] x = randomInts(r, 2 * 4 * 9, -128, 127);
    int[] w = randomInts(r, 6 * 2 * 3, -127, 127);
    float[] ws = {0.01f, 0.02f, 0.015f, 0.005f, 0.03f, 0.011f};
    long[] wzp = new long[6];
    Map<String, Object> m1 = out(0.3, 4, -128, 127, "input_scale", 0.04, "input_zero_point", -3,
        "stride", ints(2), "padding", ints(1), "dilation", ints(2), "groups", 2);
    List<Object> a1 = new ArrayList<>(List.of(i8(x, 2, 4, 9), i8(w, 6, 2, 3), Tensor.ofFloats(ws, 6),
        Tensor.ofLongs(wzp, 6)));
    a1.add(null);
    Tensor q1 = run1("quantized_conv1d", a1, m1);
    Map<String, Object> m2 = out(0.3, 4, -128, 127, "input_scale", 0.04, "input_zero_point", -3,
        "stride", ints(1, 2), "padding", ints(0, 1), "dilation", ints(1, 2), "groups", 2);
    List<Object> a2 = new ArrayList<>(List.of(i8(x, 2, 4, 1, 9), i8(w, 6, 2, 1, 3), Tensor.ofFloats(ws, 6),
        Tensor.ofLongs(wzp, 6)));
    a2.add(null);
    Tensor q2 = run1("quantized_conv2d", a2, m2);
    assertEquals(TensorType.of(DType.I8, 2, 6, 4), q1.type());
    assertTrue(Arrays.equals(q1.bytes(), q2.bytes()));
  }

  /** dequantize -> aten op -> quantize through the interpreter: the computation the integer op stands for. */
  @Test
  void conv2dIsWithinOneStepOfTheQdqComputation() {
    Random r = new Random(3);
    int[] x = randomInts(r, 1 * 8 * 6 * 6, -128, 127);
    int[] w = randomInts(r, 8 * 1 * 3 * 3, -127, 127);
    float[] ws = new float[8];
    float[] b = new float[8];
    for (int o = 0; o < 8; o++) {
      ws[o] = 0.002f + r.nextFloat() * 0.01f;
      b[o] = r.nextFloat() - 0.5f;
    }
    float xs = 0.0157f;
    long xzp = -128;
    float os = 0.021f;
    long ozp = -5;
    Tensor xt = i8(x, 1, 8, 6, 6);
    Tensor wt = i8(w, 8, 1, 3, 3);
    Tensor scales = Tensor.ofFloats(ws, 8);
    Tensor zps = Tensor.ofLongs(new long[8], 8);
    Tensor bias = Tensor.ofFloats(b, 8);
    Tensor q = run1("quantized_conv2d", List.of(xt, wt, scales, zps, bias), out(os, ozp, ozp, 127,
        "input_scale", (double) xs, "input_zero_point", xzp, "padding", ints(1, 1), "groups", 8));
    Tensor xf = run("quantized_decomposed.dequantize_per_tensor", xt, (double) xs, xzp, -128L, 127L, DType.I8).out();
    Tensor wf = run("quantized_decomposed.dequantize_per_channel", wt, scales, zps, 0L, -127L, 127L, DType.I8).out();
    Tensor yf = run("aten.conv2d", List.of(xf, wf, bias), named("padding", ints(1, 1), "groups", 8)).out();
    Tensor rf = run("aten.relu", yf).out();
    Tensor want = run("quantized_decomposed.quantize_per_tensor", rf, (double) os, ozp, -128L, 127L, DType.I8).out();
    int equal = 0;
    for (int i = 0; i < want.numel(); i++) {
      long d = Math.abs(want.getLong(i) - q.getLong(i));
      assertTrue(d <= 1, "element " + i + ": " + q.getLong(i) + " vs q/dq " + want.getLong(i));
      equal += d == 0 ? 1 : 0;
    }
    assertTrue(equal >= 0.99 * want.numel(), equal + " of " + want.numel() + " equal");
  }

  // ---- elementwise ----

  @Test
  void addBroadcastsRoundsHalfToEvenAndClampsAtOutputMin() {
    // a: [4, -2, -6] * 0.5 = [2, -1, -3]; b: (3 - 1) * 0.25 = 0.5 broadcast; real = [2.5, -0.5, -2.5].
    Tensor a = i8(ints(4, -2, -6), 3);
    Tensor b = i8(ints(3), 1);
    Map<String, Object> qp = named("self_scale", 0.5, "self_zero_point", 0, "other_scale", 0.25,
        "other_zero_point", 1);
    Map<String, Object> m = out(1.0, 0, -128, 127);
    m.putAll(qp);
    assertValues(run1("quantized_add", List.of(a, b), m), 2, 0, -2);
    // add + relu with zero point 5: output_min = 5.
    m = out(1.0, 5, 5, 127);
    m.putAll(qp);
    assertValues(run1("quantized_add", List.of(a, b), m), 7, 5, 5);
    // Broadcasting [2, 1] against [3] gives [2, 3].
    m = out(1.0, 0, -128, 127);
    m.putAll(qp);
    Tensor q = run1("quantized_add", List.of(i8(ints(0, 2), 2, 1), i8(ints(1, 5, 9), 3)), m);
    assertEquals(TensorType.of(DType.I8, 2, 3), q.type());
    // (0|2)*0.5 + (0|4|8)*0.25 = [0, 1, 2; 1, 2, 3]
    assertValues(q, 0, 1, 2, 1, 2, 3);
  }

  @Test
  void mulHandComputed() {
    // (3*1)*0.25 = 0.75, (-3*1)*0.25 = -0.75, (1*2)*0.25 = 0.5; / 0.5 = 1.5, -1.5, 1.0 -> 2, -2, 1.
    Map<String, Object> m = out(0.5, 0, -128, 127, "self_scale", 0.5, "self_zero_point", 0, "other_scale", 0.5,
        "other_zero_point", 0);
    assertValues(run1("quantized_mul", List.of(i8(ints(3, -3, 1), 3), i8(ints(1, 1, 2), 3)), m), 2, -2, 1);
  }

  @Test
  void u8InputsGiveU8Outputs() {
    Map<String, Object> m = out(1.0, 128, 0, 255, "self_scale", 1.0, "self_zero_point", 128, "other_scale", 1.0,
        "other_zero_point", 128);
    Tensor q = run1("quantized_add", List.of(u8(ints(200, 100), 2), u8(ints(200, 20), 2)), m);
    assertEquals(DType.U8, q.dtype());
    assertValues(q, 255, 0); // 72 + 72 + 128 = 272 -> 255; -28 - 108 + 128 = -8 -> 0
  }

  // ---- cat ----

  @Test
  void catRequantizesEachInput() {
    // [10, 20] at 0.5 copies; (7 - 1) * 1.0 = 6 -> 12 at 0.5; output_max 15 clamps 20.
    Tensor a = i8(ints(10, 20), 1, 2);
    Tensor b = i8(ints(7), 1, 1);
    Map<String, Object> m = out(0.5, 0, -128, 127, "scales", new double[] {0.5, 1.0}, "zero_points", ints(0, 1),
        "dim", 1);
    Tensor q = run1("quantized_cat", List.of(List.of(a, b)), m);
    assertEquals(TensorType.of(DType.I8, 1, 3), q.type());
    assertValues(q, 10, 20, 12);
    m.put("output_max", 15L);
    assertValues(run1("quantized_cat", List.of(List.of(a, b)), m), 10, 15, 12);
    // Along dim 0 of [1, 2] and [2, 2].
    m = out(0.5, 0, -128, 127, "scales", new double[] {0.5, 0.5}, "zero_points", ints(0, 0));
    assertValues(run1("quantized_cat", List.of(List.of(a, i8(ints(1, 2, 3, 4), 2, 2))), m), 10, 20, 1, 2, 3, 4);
  }

  // ---- pooling and mean ----

  @Test
  void maxPoolIsTheIntegerMaxWithEqualParametersAndRequantizesOtherwise() {
    Tensor x = i8(ints(1, 5, -3, 2), 1, 1, 2, 2);
    Map<String, Object> m = out(0.5, 0, -128, 127, "input_scale", 0.5, "input_zero_point", 0, "kernel_size",
        ints(2, 2));
    assertValues(run1("quantized_max_pool2d", List.of(x), m), 5);
    // 5 * 0.5 = 2.5 at scale 1 -> 2 (half to even).
    m.put("output_scale", 1.0);
    assertValues(run1("quantized_max_pool2d", List.of(x), m), 2);
    // Padding never wins: every window of an all -128 input holds -128.
    Tensor low = i8(ints(-128, -128, -128, -128), 1, 1, 2, 2);
    Map<String, Object> p = out(0.5, 0, -128, 127, "input_scale", 0.5, "input_zero_point", 0, "kernel_size",
        ints(2, 2), "padding", ints(1, 1));
    Tensor q = run1("quantized_max_pool2d", List.of(low), p);
    assertEquals(TensorType.of(DType.I8, 1, 1, 2, 2), q.type());
    assertValues(q, -128, -128, -128, -128);
  }

  @Test
  void adaptiveAvgPoolSumsThenDividesOnce() {
    // 1x1: (1 + 2 + 3 + 5) / 4 = 2.75 -> 3; (1 + 2 + 3 + 4) / 4 = 2.5 -> 2 (half to even).
    Map<String, Object> m = out(1.0, 0, -128, 127, "input_scale", 1.0, "input_zero_point", 0, "output_size",
        ints(1, 1));
    assertValues(run1("quantized_adaptive_avg_pool2d", List.of(i8(ints(1, 2, 3, 5, 1, 2, 3, 4), 1, 2, 2, 2)), m),
        3, 2);
    // 3x3 -> 2x2 with overlapping windows [0, 2) and [1, 3): sums 8, 12, 20, 24 over 4 -> 2, 3, 5, 6.
    m.put("output_size", ints(2, 2));
    Tensor q = run1("quantized_adaptive_avg_pool2d", List.of(i8(ints(0, 1, 2, 3, 4, 5, 6, 7, 8), 1, 3, 3)), m);
    assertEquals(TensorType.of(DType.I8, 1, 2, 2), q.type());
    assertValues(q, 2, 3, 5, 6);
  }

  @Test
  void meanOverDims() {
    Tensor x = i8(ints(1, 2, 4, 0, 0, 1), 2, 3);
    Map<String, Object> m = out(1.0, 0, -128, 127, "input_scale", 1.0, "input_zero_point", 0, "dim", ints(1));
    Tensor q = run1("quantized_mean", List.of(x), m);
    assertEquals(TensorType.of(DType.I8, 2), q.type());
    assertValues(q, 2, 0); // 7/3, 1/3
    m.put("keepdim", true);
    assertEquals(TensorType.of(DType.I8, 2, 1), run1("quantized_mean", List.of(x), m).type());
    m.remove("dim");
    m.remove("keepdim");
    Tensor all = run1("quantized_mean", List.of(x), m);
    assertEquals(TensorType.of(DType.I8), all.type());
    assertValues(all, 1); // 8/6
    // Ties: (1 + 2) / 2 = 1.5 -> 2, (1 + 0) / 2 = 0.5 -> 0; zero point 3 -> 5, 3.
    m = out(1.0, 3, -128, 127, "input_scale", 1.0, "input_zero_point", 0, "dim", ints(-1));
    assertValues(run1("quantized_mean", List.of(i8(ints(1, 2, 1, 0), 2, 2)), m), 5, 3);
  }

  // ---- the aten shape ops run on i8 as they are ----

  @Test
  void shapeOpsAcceptI8() {
    Tensor x = i8(ints(1, -2, 3, -4, 5, -6), 1, 2, 3, 1);
    Tensor flat = run("aten.flatten.using_ints", List.of(x), named("start_dim", 1)).out();
    assertEquals(TensorType.of(DType.I8, 1, 6), flat.type());
    assertValues(flat, 1, -2, 3, -4, 5, -6);
    Tensor view = run("aten.view", x, ints(3, 2)).out();
    assertEquals(TensorType.of(DType.I8, 3, 2), view.type());
    Tensor reshape = run("aten.reshape", x, ints(-1)).out();
    assertEquals(TensorType.of(DType.I8, 6), reshape.type());
    Tensor permuted = run("aten.permute", x, ints(0, 3, 2, 1)).out();
    assertEquals(TensorType.of(DType.I8, 1, 1, 3, 2), permuted.type());
    assertValues(permuted, 1, -4, -2, 5, 3, -6);
    Tensor squeezed = run("aten.squeeze.dim", x, -1).out();
    assertEquals(TensorType.of(DType.I8, 1, 2, 3), squeezed.type());
    assertEquals(TensorType.of(DType.I8, 2, 3), run("aten.squeeze", x).out().type());
    assertEquals(TensorType.of(DType.I8, 1, 1, 2, 3, 1), run("aten.unsqueeze", x, 1).out().type());
    Tensor t = run("aten.transpose.int", x, 1, 2).out();
    assertEquals(TensorType.of(DType.I8, 1, 3, 2, 1), t.type());
    assertValues(t, 1, -4, -2, 5, 3, -6);
    Tensor cat = run("aten.cat", List.of(x, x), 1).out();
    assertEquals(TensorType.of(DType.I8, 1, 4, 3, 1), cat.type());
  }

  // ---- shape function errors ----

  @Test
  void shapeFunctionsRejectBadArguments() {
    TensorType x = TensorType.of(DType.I8, 1, 4);
    TensorType w = TensorType.of(DType.I8, 3, 4);
    TensorType s3 = TensorType.of(DType.F32, 3);
    TensorType z3 = TensorType.of(DType.I64, 3);
    inferError("qforge.quantized_linear", new Object[] {x, w, TensorType.of(DType.F32, 2), z3, null, 0.1, 0, 0.1, 0,
        -128, 127}, "weight_scales must be f32[3]");
    inferError("qforge.quantized_linear", new Object[] {x, w, s3, z3, null, 0.1, 0, 0.1, 0, 10, 5},
        "output_min 10 and output_max 5");
    inferError("qforge.quantized_linear", new Object[] {x, w, s3, z3, null, 0.1, 200, 0.1, 0, -128, 127},
        "input_zero_point 200 is outside the range of i8");
    inferError("qforge.quantized_linear", new Object[] {x, w, s3, z3, null, 0.0, 0, 0.1, 0, -128, 127},
        "input_scale must be positive");
    inferError("qforge.quantized_linear", new Object[] {TensorType.of(DType.F32, 1, 4), w, s3, z3, null, 0.1, 0,
        0.1, 0, -128, 127}, "input must be i8 or u8");
    inferError("qforge.quantized_linear", new Object[] {TensorType.of(DType.I8, 1, 5), w, s3, z3, null, 0.1, 0,
        0.1, 0, -128, 127}, "does not end in the weight's K = 4");
    inferError("qforge.quantized_add", new Object[] {x, TensorType.of(DType.U8, 1, 4), 0.1, 0, 0.1, 0, 0.1, 0,
        -128, 127}, "self and other must have one dtype");
  }
}
