package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.OpDef;
import org.qforge.ir.Param;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * The quantized_decomposed ops against hand-computed values that pin PyTorch's numerics, and
 * against PyTorch's own quantized weights in ../shared/reference.
 */
class QuantizedDecomposedOpsTest {
  private static final String Q = "quantized_decomposed.quantize_per_tensor";
  private static final String QT = "quantized_decomposed.quantize_per_tensor.tensor";
  private static final String DQ = "quantized_decomposed.dequantize_per_tensor";
  private static final String DQT = "quantized_decomposed.dequantize_per_tensor.tensor";
  private static final String QC = "quantized_decomposed.quantize_per_channel";
  private static final String DQC = "quantized_decomposed.dequantize_per_channel";
  private static final String CHOOSE = "quantized_decomposed.choose_qparams.tensor";
  private static final String CHOOSE_SYM = "quantized_decomposed.choose_qparams_symmetric.tensor";
  private static final Path REF = Path.of("..", "shared", "reference");

  // ---- schemas ----

  @Test
  void schemasUsePyTorchNamesAndDefaults() {
    assertEquals("quantized_decomposed.quantize_per_tensor(Tensor input, float scale, int zero_point, "
        + "int quant_min, int quant_max, ScalarType dtype)", OpHarness.op(Q).signature());
    assertEquals("quantized_decomposed.quantize_per_tensor.tensor(Tensor input, Tensor scale, Tensor zero_point, "
        + "int quant_min, int quant_max, ScalarType dtype)", OpHarness.op(QT).signature());
    assertEquals("quantized_decomposed.dequantize_per_tensor(Tensor input, float scale, int zero_point, "
        + "int quant_min, int quant_max, ScalarType dtype, ScalarType? out_dtype=none)", OpHarness.op(DQ).signature());
    assertEquals("quantized_decomposed.dequantize_per_tensor.tensor(Tensor input, Tensor scale, Tensor zero_point, "
        + "int quant_min, int quant_max, ScalarType dtype, ScalarType? out_dtype=none)", OpHarness.op(DQT).signature());
    assertEquals("quantized_decomposed.quantize_per_channel(Tensor input, Tensor scales, Tensor zero_points, "
        + "int axis, int quant_min, int quant_max, ScalarType dtype)", OpHarness.op(QC).signature());
    assertEquals("quantized_decomposed.dequantize_per_channel(Tensor input, Tensor scales, Tensor? zero_points, "
        + "int axis, int quant_min, int quant_max, ScalarType dtype, ScalarType? out_dtype=none)",
        OpHarness.op(DQC).signature());
    assertEquals("quantized_decomposed.choose_qparams.tensor(Tensor input, int quant_min, int quant_max, "
        + "float eps, ScalarType dtype)", OpHarness.op(CHOOSE).signature());
    assertEquals("quantized_decomposed.choose_qparams_symmetric.tensor(Tensor input, int quant_min, "
        + "int quant_max, float eps, ScalarType dtype)", OpHarness.op(CHOOSE_SYM).signature());
    assertEquals("qforge.observe(Tensor self, int observer)", OpHarness.op("qforge.observe").signature());
    for (String name : List.of(Q, QT, DQ, DQT, QC, DQC, CHOOSE, CHOOSE_SYM, "qforge.observe")) {
      OpDef op = OpHarness.op(name);
      assertFalse(op.doc().isBlank(), name + " needs a doc line");
      assertTrue(op.params().stream().map(Param::name).allMatch(p -> p.matches("[a-z_]+")), name);
    }
  }

  @Test
  void resultTypesFollowDtypeAndOutDtype() {
    TensorType x = f32Type(2, 3);
    assertEquals(TensorType.of(DType.I8, 2, 3), infer(Q, x, 0.1, 0, -128, 127, DType.I8).get(0));
    assertEquals(TensorType.of(DType.U8, 2, 3), infer(Q, x, 0.1, 0, 0, 255, DType.U8).get(0));
    TensorType q = TensorType.of(DType.I8, 2, 3);
    assertEquals(x, infer(DQ, q, 0.1, 0, -128, 127, DType.I8).get(0));
    assertEquals(TensorType.of(DType.F64, 2, 3), infer(DQ, q, 0.1, 0, -128, 127, DType.I8, DType.F64).get(0));
    assertEquals(List.of(TensorType.of(DType.F64, 1), TensorType.of(DType.I64, 1)),
        infer(CHOOSE, x, -128, 127, 1e-5, DType.I8));
  }

  // ---- quantize_per_tensor ----

  @Test
  void quantizeRoundsHalfToEven() {
    // scale 0.5: inv = 2 exactly, so x * inv = 2.5, 3.5, -2.5, -3.5, 0.5, 4.5, 1.5 are exact ties.
    Tensor x = f32(new float[] {1.25f, 1.75f, -1.25f, -1.75f, 0.25f, 2.25f, 0.75f}, 7);
    Tensor y = run(Q, x, 0.5, 0, -128, 127, DType.I8).out();
    assertEquals(TensorType.of(DType.I8, 7), y.type());
    assertArrayEquals(new byte[] {2, 4, -2, -4, 0, 4, 2}, y.bytes());
  }

  @Test
  void quantizeRoundsBeforeAddingTheZeroPoint() {
    // rint(2.5) + 3 = 5 and rint(3.5) + 3 = 7, where rint(2.5 + 3) would be 6 and rint(3.5 + 3) 6.
    Tensor x = f32(new float[] {1.25f, 1.75f}, 2);
    assertArrayEquals(new byte[] {5, 7}, run(Q, x, 0.5, 3, -128, 127, DType.I8).out().bytes());
  }

  @Test
  void quantizeMultipliesByTheF32ReciprocalNotDividing() {
    // inv = fl32(1 / 0.003919653594493866) = fl32(255.12458585747...) = 255.1245880126953125.
    // x = 0.44488066f: x * inv = 113.499997..., whose nearest float is 113.5 -> rint 114 (even),
    // while x / s = 113.4999952... rounds to 113 (and so does fl32(x / s) = 113.49999237).
    double s = 0.003919653594493866;
    float x = 0.44488066f;
    assertEquals(113.5f, x * (float) (1.0 / s));
    assertEquals(113.0, Math.rint(x / s));
    Tensor y = run(Q, f32(new float[] {x}, 1), s, -128, -128, 127, DType.I8).out();
    assertEquals(114 - 128, y.bytes()[0]);
  }

  @Test
  void perTensorReciprocalIsTakenInDoubleFromThePythonFloat() {
    // 1.0 / 0.00025 = 4000 exactly; the f32 reciprocal of fl32(0.00025) = 0.000250000011874... is
    // 3999.99976. x = 0.000375f = 0.000375000003259...: x * 4000 rounds to 1.5 in f32 -> rint 2, and
    // x * 3999.99976 rounds to 1.49999988 -> 1.
    Tensor x = f32(new float[] {0.000375f}, 1);
    assertEquals(2, run(Q, x, 0.00025, 0, -128, 127, DType.I8).out().bytes()[0]);
    // The .tensor overload reads the scale with .item(): an f64 scale keeps the double ...
    Tensor f64Scale = Tensor.scalar(DType.F64, 0.00025).reshape(1);
    Tensor zp = Tensor.ofLongs(new long[] {0}, 1);
    assertEquals(2, run(QT, x, f64Scale, zp, -128, 127, DType.I8).out().bytes()[0]);
    // ... an f32 scale tensor gives the double of fl32(0.00025), whose reciprocal is 3999.99976 in f32.
    Tensor f32Scale = f32(new float[] {0.00025f}, 1);
    assertEquals(1, run(QT, x, f32Scale, zp, -128, 127, DType.I8).out().bytes()[0]);
    // Per channel, 1.0 / scales is an f32 tensor op: 1f / 0.00025f = 3999.99976 as well.
    assertEquals(1, run(QC, x, f32Scale, zp, 0, -128, 127, DType.I8).out().bytes()[0]);
  }

  @Test
  void quantizeClampsAfterAddingTheZeroPoint() {
    // scale 1, zero point -128: 200 - 128 = 72 (clamping 200 to 127 first would give -1),
    // 300 - 128 = 172 -> 127, -100 - 128 = -228 -> -128, 127.4 -> 127 - 128 = -1.
    Tensor x = f32(new float[] {200f, 300f, -100f, 127.4f}, 4);
    assertArrayEquals(new byte[] {72, 127, -128, -1}, run(Q, x, 1.0, -128, -128, 127, DType.I8).out().bytes());
    // A narrower range than the dtype's (the weights' -127..127) clamps to it.
    assertArrayEquals(new byte[] {72, 127, -127, -1}, run(Q, x, 1.0, -128, -127, 127, DType.I8).out().bytes());
    // u8 with zero point 100: -120 + 100 = -20 -> 0; 200 + 100 = 300 -> 255; 30 + 100 = 130.
    Tensor u = run(Q, f32(new float[] {-120f, 200f, 30f}, 3), 1.0, 100, 0, 255, DType.U8).out();
    assertEquals(TensorType.of(DType.U8, 3), u.type());
    assertArrayEquals(new double[] {0, 255, 130}, OpHarness.doubles(u));
  }

  @Test
  void quantizeHandlesNegativeZeroPointsAndInfinities() {
    // scale 0.25 (inv 4), zero point -5: 1 -> 4 - 5 = -1; -1 -> -4 - 5 = -9; inf and -inf clamp.
    Tensor x = f32(new float[] {1f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f}, 5);
    assertArrayEquals(new byte[] {-1, -9, 127, -128, -5}, run(Q, x, 0.25, -5, -128, 127, DType.I8).out().bytes());
  }

  @Test
  void quantizeToWiderIntegers() {
    // i16 and i32 hold the rounded values without the int8 clamp.
    Tensor x = f32(new float[] {1000.5f, -1000.5f, 3.25f}, 3);
    Tensor s = run(Q, x, 0.5, 7, -32768, 32767, DType.I16).out();
    assertEquals(TensorType.of(DType.I16, 3), s.type());
    // 2001 -> rint 2001 (odd but exact: 1000.5 * 2 = 2001) + 7; -2001 + 7; 6.5 -> 6 + 7.
    assertArrayEquals(new double[] {2008, -1994, 13}, OpHarness.doubles(s));
    Tensor i = run(Q, x, 0.5, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, DType.I32).out();
    assertArrayEquals(new int[] {2001, -2001, 6}, i.ints());
    // PyTorch's int32 trap: quant_max 2^31-1 is 2^31 in f32, so a value clamped to it does not fit
    // the cast. x86's conversion gives INT_MIN, and so does ours.
    Tensor big = run(Q, f32(new float[] {1e10f}, 1), 1.0, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, DType.I32).out();
    assertEquals(Integer.MIN_VALUE, big.ints()[0]);
  }

  @Test
  void quantizeUpcastsHalfInputs() {
    Tensor h = Tensor.zeros(TensorType.of(DType.F16, 3));
    Tensor b = Tensor.zeros(TensorType.of(DType.BF16, 3));
    double[] v = {1.25, -1.75, 0.5};
    for (int i = 0; i < v.length; i++) {
      h.setDouble(i, v[i]);
      b.setDouble(i, v[i]);
    }
    assertArrayEquals(new byte[] {2, -4, 1}, run(Q, h, 0.5, 0, -128, 127, DType.I8).out().bytes());
    assertArrayEquals(new byte[] {2, -4, 1}, run(Q, b, 0.5, 0, -128, 127, DType.I8).out().bytes());
  }

  // ---- dequantize_per_tensor ----

  @Test
  void dequantizeIsF32Arithmetic() {
    // (q - zp) * fl32(scale) in f32. For q = 85, zp = -11, scale 0.0778: 96 * 0.0778f = 7.4687996f,
    // while 96 * 0.0778 in double rounds to 7.4688f.
    Tensor q = Tensor.ofBytes(DType.I8, new byte[] {85, -128, 127, -11}, 4);
    Tensor y = run(DQ, q, 0.0778, -11, -128, 127, DType.I8).out();
    assertEquals(f32Type(4), y.type());
    assertArrayEquals(new float[] {96f * 0.0778f, -117f * 0.0778f, 138f * 0.0778f, 0f}, y.floats());
    assertEquals(7.4687996f, y.floats()[0]);
    assertNotEquals((float) (96 * 0.0778), y.floats()[0]);
  }

  @Test
  void dequantizeWithOutDtypeComputesInIt() {
    Tensor q = Tensor.ofBytes(DType.I8, new byte[] {85, -128}, 2);
    Tensor d = run(DQ, List.of(q, 0.0778, -11, -128, 127, DType.I8), Map.of("out_dtype", DType.F64)).out();
    assertEquals(TensorType.of(DType.F64, 2), d.type());
    assertArrayEquals(new double[] {96 * 0.0778, -117 * 0.0778}, d.doubles());
    // f16: q.to(f16) - zp and * scale each rounded to f16 (computed in float).
    Tensor h = run(DQ, List.of(q, 0.0778, -11, -128, 127, DType.I8), Map.of("out_dtype", DType.F16)).out();
    assertEquals(TensorType.of(DType.F16, 2), h.type());
    assertEquals(Tensor.scalar(DType.F16, 96f * 0.0778f).getDouble(0), h.getDouble(0));
  }

  @Test
  void dequantizeUnsignedAndWideInputs() {
    Tensor u = Tensor.ofBytes(DType.U8, new byte[] {(byte) 200, 0, (byte) 255}, 3);
    Tensor y = run(DQ, u, 0.5, 128, 0, 255, DType.U8).out();
    assertArrayEquals(new float[] {36f, -64f, 63.5f}, y.floats());
    // i32 (bias-like) values convert to f32 first: 2^24 + 1 becomes 2^24.
    Tensor i = Tensor.ofInts(new int[] {16777217, -3}, 2);
    Tensor z = run(DQ, i, 1.0, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, DType.I32).out();
    assertArrayEquals(new float[] {16777216f, -3f}, z.floats());
  }

  @Test
  void dequantizeTensorOverloadReadsItems() {
    Tensor q = Tensor.ofBytes(DType.I8, new byte[] {85, -128}, 2);
    Tensor scale = Tensor.scalar(DType.F64, 0.0778).reshape(1);
    Tensor zp = Tensor.ofLongs(new long[] {-11}, 1);
    Tensor y = run(DQT, q, scale, zp, -128, 127, DType.I8).out();
    // scale.item() is the double 0.0778; the f32 multiply converts it to 0.0778f.
    assertArrayEquals(new float[] {96f * 0.0778f, -117f * 0.0778f}, y.floats());
  }

  @Test
  void quantizeDequantizeRoundTrip() {
    Tensor x = f32(new float[] {0.1f, -0.37f, 0.5f, 2f}, 2, 2);
    Tensor q = run(Q, x, 0.01, 3, -128, 127, DType.I8).out();
    Tensor y = run(DQ, q, 0.01, 3, -128, 127, DType.I8).out();
    // 0.1 -> 10 + 3 = 13 -> 0.1f; -0.37 -> -37 + 3 -> -0.37; 0.5 -> 53; 2 -> 203 -> 127 -> 1.24.
    assertArrayEquals(new byte[] {13, -34, 53, 127}, q.bytes());
    assertArrayEquals(new float[] {10f * 0.01f, -37f * 0.01f, 50f * 0.01f, 124f * 0.01f}, y.floats());
  }

  // ---- per channel ----

  @Test
  void quantizePerChannelAlongAxis0() {
    // Row 0: scale 0.5 (inv 2), zp 0: {0.5, 1.5, -2} -> {0, 2, -2}.
    // Row 1: scale 0.25 (inv 4), zp -1: {0.5, 1.5, 40} -> {0, 2, 40} - 1 -> {-1, 1, 39 -> 30 (quant_max)}.
    Tensor x = f32(new float[] {0.25f, 0.75f, -1f, 0.125f, 0.375f, 10f}, 2, 3);
    Tensor scales = f32(new float[] {0.5f, 0.25f}, 2);
    Tensor zps = Tensor.ofLongs(new long[] {0, -1}, 2);
    Tensor y = run(QC, x, scales, zps, 0, -128, 30, DType.I8).out();
    assertEquals(TensorType.of(DType.I8, 2, 3), y.type());
    assertArrayEquals(new byte[] {0, 2, -2, -1, 1, 30}, y.bytes());
  }

  @Test
  void quantizePerChannelAlongAxis1AndNegativeAxis() {
    // Column c has scale {1, 0.5, 0.25}[c] and zp {0, 1, -2}[c].
    // Row 0 {2.5, 1.25, 0.625} -> {2.5, 2.5, 2.5} -> {2, 2, 2} + zp -> {2, 3, 0}.
    // Row 1 {-3.5, -0.75, 1} -> {-3.5, -1.5, 4} -> {-4, -2, 4} + zp -> {-4, -1, 2}.
    Tensor x = f32(new float[] {2.5f, 1.25f, 0.625f, -3.5f, -0.75f, 1f}, 2, 3);
    Tensor scales = f32(new float[] {1f, 0.5f, 0.25f}, 3);
    Tensor zps = Tensor.ofInts(new int[] {0, 1, -2}, 3);
    byte[] expected = {2, 3, 0, -4, -1, 2};
    assertArrayEquals(expected, run(QC, x, scales, zps, 1, -128, 127, DType.I8).out().bytes());
    assertArrayEquals(expected, run(QC, x, scales, zps, -1, -128, 127, DType.I8).out().bytes());
  }

  @Test
  void quantizePerChannelOnAMiddleAxisOf3d() {
    // [2, 2, 2] along axis 1: elements (n, c, w) use scale {1, 0.5}[c]; zp 0.
    Tensor x = f32(new float[] {1.5f, 2.5f, 1.25f, -1.25f, 3f, -0.5f, 0.75f, 0.25f}, 2, 2, 2);
    Tensor scales = f32(new float[] {1f, 0.5f}, 2);
    Tensor zps = Tensor.ofLongs(new long[] {0, 0}, 2);
    // c=0 (x1): 1.5->2, 2.5->2, 3->3, -0.5->0(-0); c=1 (x2): 2.5->2, -2.5->-2, 1.5->2, 0.5->0.
    assertArrayEquals(new byte[] {2, 2, 2, -2, 3, 0, 2, 0},
        run(QC, x, scales, zps, 1, -128, 127, DType.I8).out().bytes());
  }

  @Test
  void quantizePerChannelWithF64ScalesComputesInDouble() {
    // f32 input * f64 reciprocal promotes to f64: x * (1 / s) = 891.49998688 -> 891, where the f32
    // path (1f / fl32(s), then fl32 product 891.5) would round to 892.
    double s = 0.0010776295288344785;
    float x = 0.9607067f;
    assertEquals(891.5f, x * (1f / (float) s));
    Tensor scales = Tensor.scalar(DType.F64, s).reshape(1);
    Tensor zps = Tensor.ofLongs(new long[] {0}, 1);
    Tensor y = run(QC, f32(new float[] {x}, 1), scales, zps, 0, -32768, 32767, DType.I16).out();
    assertEquals(891L, y.getLong(0));
  }

  @Test
  void dequantizePerChannelAlongAxis0And1() {
    Tensor q = Tensor.ofBytes(DType.I8, new byte[] {85, -128, 3, 0}, 2, 2);
    Tensor zps = Tensor.ofLongs(new long[] {-11, 1}, 2);
    Tensor scales = f32(new float[] {0.0778f, 0.5f}, 2);
    // axis 0: row 0 (85 + 11, -128 + 11) * 0.0778f; row 1 (3 - 1, 0 - 1) * 0.5.
    Tensor y0 = run(DQC, q, scales, zps, 0, -128, 127, DType.I8).out();
    assertEquals(f32Type(2, 2), y0.type());
    assertArrayEquals(new float[] {96f * 0.0778f, -117f * 0.0778f, 1f, -0.5f}, y0.floats());
    // axis 1: column 0 uses (-11, 0.0778f), column 1 (1, 0.5).
    Tensor y1 = run(DQC, q, scales, zps, 1, -128, 127, DType.I8).out();
    assertArrayEquals(new float[] {96f * 0.0778f, -64.5f, 14f * 0.0778f, -0.5f}, y1.floats());
    // No zero points: q * scales.
    Tensor y2 = run(DQC, q, scales, null, 0, -128, 127, DType.I8).out();
    assertArrayEquals(new float[] {85f * 0.0778f, -128f * 0.0778f, 1.5f, 0f}, y2.floats());
  }

  @Test
  void dequantizePerChannelWithF64ScalesRoundsOnce() {
    // (q - zp) * scales in f64, then .to(f32): (float) (96 * 0.0778) = 7.4688f, not 7.4687996f.
    Tensor q = Tensor.ofBytes(DType.I8, new byte[] {85}, 1);
    Tensor scales = Tensor.scalar(DType.F64, 0.0778).reshape(1);
    Tensor y = run(DQC, q, scales, Tensor.ofLongs(new long[] {-11}, 1), 0, -128, 127, DType.I8).out();
    assertEquals(f32Type(1), y.type());
    assertEquals((float) (96 * 0.0778), y.floats()[0]);
    assertEquals(7.4688f, y.floats()[0]);
  }

  @Test
  void dequantizePerChannelSubtractsInTheInputsIntegerType() {
    // PyTorch evaluates input - zero_points before any float conversion, so with i8 zero points the
    // difference is i8 arithmetic: 127 - (-128) wraps to -1.
    Tensor q = Tensor.ofBytes(DType.I8, new byte[] {127}, 1);
    Tensor zps = Tensor.ofBytes(DType.I8, new byte[] {-128}, 1);
    Tensor y = run(DQC, q, f32(new float[] {0.5f}, 1), zps, 0, -128, 127, DType.I8).out();
    assertEquals(-0.5f, y.floats()[0]);
    // With i64 zero points (what PT2E stores) it is 255.
    Tensor z = run(DQC, q, f32(new float[] {0.5f}, 1), Tensor.ofLongs(new long[] {-128}, 1), 0, -128, 127,
        DType.I8).out();
    assertEquals(127.5f, z.floats()[0]);
  }

  // ---- choose_qparams ----

  @Test
  void chooseQParamsAffineOnASmallTensor() {
    // min_neg = -1, max_pos = 2: scale = fl32(3 / 255) = 0.011764706f; -1 / scale = -84.9999983
    // rounds in f32 to -85.0, so zp = -128 - (-85) = -43.
    Tensor x = f32(new float[] {-1f, 0.5f, 2f}, 3);
    List<Tensor> r = run(CHOOSE, x, -128, 127, 0.000244140625, DType.I8).outputs();
    assertEquals(TensorType.of(DType.F64, 1), r.get(0).type());
    assertEquals(TensorType.of(DType.I64, 1), r.get(1).type());
    assertEquals((double) (3f / 255f), r.get(0).doubles()[0]);
    assertEquals((double) 0.011764706f, r.get(0).doubles()[0]);
    assertEquals(-43L, r.get(1).longs()[0]);
    // u8 0..255 on all-positive data: min_neg = 0 so zp = 0; scale = 1 / 255 in f32.
    List<Tensor> u = run(CHOOSE, f32(new float[] {0.5f, 1f}, 2), 0, 255, 0.000244140625, DType.U8).outputs();
    assertEquals((double) (1f / 255f), u.get(0).doubles()[0]);
    assertEquals(0L, u.get(1).longs()[0]);
  }

  @Test
  void chooseQParamsSymmetric() {
    // max(-min_neg, max_pos) = 2; scale = 2 / 127.5 in f32 (= fl32(2 / ((127 - -128) / 2))).
    Tensor x = f32(new float[] {-1f, 0.5f, 2f}, 3);
    List<Tensor> r = run(CHOOSE_SYM, x, -128, 127, 0.000244140625, DType.I8).outputs();
    assertEquals((double) (2f / 127.5f), r.get(0).doubles()[0]);
    assertEquals(0L, r.get(1).longs()[0]);
    // u8: zero point 128, whatever the range (has_customized_qrange is False).
    List<Tensor> u = run(CHOOSE_SYM, x, 0, 255, 0.000244140625, DType.U8).outputs();
    assertEquals((double) (2f / 127.5f), u.get(0).doubles()[0]);
    assertEquals(128L, u.get(1).longs()[0]);
    // Weights' -127..127: divides by 127.
    List<Tensor> w = run(CHOOSE_SYM, x, -127, 127, 0.000244140625, DType.I8).outputs();
    assertEquals((double) (2f / 127f), w.get(0).doubles()[0]);
  }

  @Test
  void chooseQParamsOnAllZerosUsesEps() {
    Tensor zeros = f32(new float[4], 4);
    List<Tensor> a = run(CHOOSE, zeros, -128, 127, 0.000244140625, DType.I8).outputs();
    // scale = max(0 / 255, eps) = eps; zp = -128 - rint(0 / eps) = -128.
    assertEquals(0.000244140625, a.get(0).doubles()[0]);
    assertEquals(-128L, a.get(1).longs()[0]);
    List<Tensor> s = run(CHOOSE_SYM, zeros, -128, 127, 0.000244140625, DType.I8).outputs();
    assertEquals(0.000244140625, s.get(0).doubles()[0]);
    assertEquals(0L, s.get(1).longs()[0]);
    // eps is stored as f32: 1e-5 becomes fl32(1e-5).
    assertEquals((double) (float) 1e-5, run(CHOOSE, zeros, -128, 127, 1e-5, DType.I8).outputs().get(0).doubles()[0]);
  }

  @Test
  void chooseQParamsEpsFloorAndZeroPointTies() {
    // min = -2.5 * 2^-12: the range / 255 is far below eps = 2^-12, so scale = eps and
    // min_neg / scale = -2.5 exactly, which rounds half to even to -2: zp = -128 + 2 = -126.
    Tensor x = f32(new float[] {-2.5f / 4096f, 0f}, 2);
    List<Tensor> r = run(CHOOSE, x, -128, 127, 0.000244140625, DType.I8).outputs();
    assertEquals(0.000244140625, r.get(0).doubles()[0]);
    assertEquals(-126L, r.get(1).longs()[0]);
    // -3.5 rounds to -4: zp = -124.
    Tensor y = f32(new float[] {-3.5f / 4096f, 1e-9f}, 2);
    assertEquals(-124L, run(CHOOSE, y, -128, 127, 0.000244140625, DType.I8).outputs().get(1).longs()[0]);
  }

  @Test
  void chooseQParamsOnHalfInputRoundsTheFirstStepsToHalf() {
    // f16 input {-1, 0.5, 2}: (2 - -1) / 255 is rounded to f16: 0.0117645263671875 (not 0.011764706);
    // the max with the f32 eps is f32; -1 / scale = -85.0013 -> -85, zp -43.
    Tensor x = Tensor.zeros(TensorType.of(DType.F16, 3));
    x.setDouble(0, -1);
    x.setDouble(1, 0.5);
    x.setDouble(2, 2);
    List<Tensor> r = run(CHOOSE, x, -128, 127, 0.000244140625, DType.I8).outputs();
    assertEquals(0.0117645263671875, r.get(0).doubles()[0]);
    assertEquals(-43L, r.get(1).longs()[0]);
  }

  @Test
  void dynamicQuantizationChain() {
    // choose_qparams -> quantize_per_tensor.tensor -> dequantize_per_tensor.tensor, as in a dynamic
    // PT2E graph; the qparams flow as f64[1] and i64[1] tensors.
    Tensor x = f32(new float[] {-1f, 0.5f, 2f}, 1, 3);
    List<Tensor> qp = run(CHOOSE, x, -128, 127, 0.000244140625, DType.I8).outputs();
    Tensor q = run(QT, x, qp.get(0), qp.get(1), -128, 127, DType.I8).out();
    // inv = fl32(1 / 0.011764706f) = fl32(84.9999983) = 85: -1 -> -85 - 43 = -128; 0.5 -> 42.5 -> 42 (even)
    // - 43 = -1; 2 -> 170 - 43 = 127 (clamped from 127).
    assertArrayEquals(new byte[] {-128, -1, 127}, q.bytes());
    Tensor y = run(DQT, q, qp.get(0), qp.get(1), -128, 127, DType.I8).out();
    assertArrayEquals(new float[] {-85f * 0.011764706f, 42f * 0.011764706f, 170f * 0.011764706f}, y.floats());
  }

  // ---- errors ----

  @Test
  void boundsAreCheckedAgainstTheDtype() {
    TensorType x = f32Type(2);
    inferError(Q, new Object[] {x, 0.1, 0, -129, 127, DType.I8}, Q, "quant_min -129", "i8");
    inferError(Q, new Object[] {x, 0.1, 0, -128, 128, DType.I8}, "quant_max 128", "upper bound 127");
    inferError(Q, new Object[] {x, 0.1, 0, -1, 255, DType.U8}, "quant_min -1", "u8");
    inferError(Q, new Object[] {x, 0.1, 0, 0, 255, DType.F32}, "unsupported dtype f32");
    inferError(Q, new Object[] {x, 0.1, 0, 0, 255, DType.I64}, "unsupported dtype i64");
    inferError(QC, new Object[] {x, f32Type(2), TensorType.of(DType.I64, 2), 0, -200, 127, DType.I8},
        "quant_min -200");
    inferError(DQC, new Object[] {TensorType.of(DType.I8, 2), f32Type(2), TensorType.of(DType.I64, 2), 0, -128, 300,
        DType.I8}, "quant_max 300");
  }

  @Test
  void dtypesAndShapesAreChecked() {
    inferError(Q, new Object[] {TensorType.of(DType.I32, 2), 0.1, 0, -128, 127, DType.I8}, "input must be f32");
    inferError(Q, new Object[] {TensorType.of(DType.F64, 2), 0.1, 0, -128, 127, DType.I8}, "input must be f32");
    inferError(DQ, new Object[] {TensorType.of(DType.I32, 2), 0.1, 0, -128, 127, DType.I8},
        "quantized_decomposed.dequantize_per_tensor: input is i32 but dtype says i8");
    inferError(DQ, new Object[] {TensorType.of(DType.I8, 2), 0.1, 0, -128, 127, DType.I8, DType.I32},
        "out_dtype must be a floating-point type");
    inferError(QT, new Object[] {f32Type(2), f32Type(2), TensorType.of(DType.I64, 1), -128, 127, DType.I8},
        "scale must have exactly one element");
    inferError(QT, new Object[] {f32Type(2), f32Type(1), f32Type(1), -128, 127, DType.I8},
        "zero_point must be an integer tensor");
    inferError(DQT, new Object[] {TensorType.of(DType.I8, 2), TensorType.of(DType.I64, 1),
        TensorType.of(DType.I64, 1), -128, 127, DType.I8}, "scale must be a floating-point tensor");
    inferError(QC, new Object[] {f32Type(2, 3), f32Type(3), TensorType.of(DType.I64, 3), 0, -128, 127, DType.I8},
        "scales must be 1-D with one value per channel (2 along axis 0");
    inferError(QC, new Object[] {f32Type(2, 3), f32Type(2), TensorType.of(DType.I64, 3), 0, -128, 127, DType.I8},
        "zero_points must be 1-D with as many values as scales (2)");
    inferError(QC, new Object[] {f32Type(2, 3), f32Type(2), TensorType.of(DType.I64, 2), 2, -128, 127, DType.I8},
        "axis 2 is out of range");
    inferError(QC, new Object[] {f32Type(2), TensorType.of(DType.I64, 2), TensorType.of(DType.I64, 2), 0, -128, 127,
        DType.I8}, "scales must be f32 or f64");
    inferError(DQC, new Object[] {TensorType.of(DType.U8, 2), f32Type(2), TensorType.of(DType.I64, 2), 0, -128, 127,
        DType.I8}, "input is u8 but dtype says i8");
  }

  @Test
  void chooseQParamsChecksItsArguments() {
    inferError(CHOOSE, new Object[] {TensorType.of(DType.I8, 2), -128, 127, 1e-5, DType.I8}, "input must be f32");
    inferError(CHOOSE, new Object[] {f32Type(0), -128, 127, 1e-5, DType.I8}, "empty");
    inferError(CHOOSE, new Object[] {f32Type(2), 1, 127, 1e-5, DType.I8}, "must include 0");
    inferError(CHOOSE_SYM, new Object[] {f32Type(2), 0, 0, 1e-5, DType.I8}, "strictly less");
    inferError(CHOOSE_SYM, new Object[] {f32Type(2), -128, 127, 1e-5, DType.F32}, "unsupported dtype f32");
    // NaN fails check_min_max_valid's min <= max when the op runs.
    Tensor nan = f32(new float[] {1f, Float.NaN}, 2);
    QforgeException e = assertThrows(QforgeException.class, () -> run(CHOOSE, nan, -128, 127, 1e-5, DType.I8));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
  }

  // ---- observe ----

  @Test
  void observeReturnsItsInputUnchanged() {
    Tensor x = f32(new float[] {1f, -2f}, 2);
    OpHarness.Run r = run("qforge.observe", x, 3);
    assertSame(x, r.out());
    assertEquals(List.of(TensorType.of(DType.I8, 4)), infer("qforge.observe", TensorType.of(DType.I8, 4), 0));
  }

  // ---- PyTorch's ground truth ----

  @Test
  void quantizesTheFirstReferenceInput() throws IOException {
    // The input quantization of digits_rescnn (node "x" of pt2e/per_tensor/qparams.json).
    Path model = REF.resolve("digits_rescnn");
    String qparams = Files.readString(model.resolve("pt2e/per_tensor/qparams.json"));
    double scale = number(qparams, "\"x\"", "scale");
    long zp = (long) number(qparams, "\"x\"", "zero_point");
    assertEquals(0.003919653594493866, scale);
    assertEquals(-128, zp);
    Tensor x = readNpy(model.resolve("debug/fp32_activations/x.npy"));
    assertEquals(f32Type(1, 1, 8, 8), x.type());
    Tensor q = run(Q, x, scale, zp, -128, 127, DType.I8).out();
    assertEquals(TensorType.of(DType.I8, 1, 1, 8, 8), q.type());
    // By hand: inv = fl32(1 / scale) = 255.12459 (255.1245880126953125).
    //   x = 0      -> 0 - 128 = -128
    //   x = 0.25   -> 63.781147 -> 64 - 128 = -64
    //   x = 0.6875 -> 175.39815 -> 175 - 128 = 47
    //   x = 0.5625 -> 143.50758 -> 144 - 128 = 16
    //   x = 0.3125 -> 79.72643  -> 80 - 128 = -48
    //   x = 1      -> 255.12459 -> 255 - 128 = 127
    float[] xs = x.floats();
    float[] inputs = {0f, 0.25f, 0.6875f, 0.5625f, 0.3125f, 1f};
    byte[] expected = {-128, -64, 47, 16, -48, 127};
    for (int k = 0; k < inputs.length; k++) {
      boolean seen = false;
      for (int i = 0; i < xs.length; i++) {
        if (xs[i] == inputs[k]) {
          assertEquals(expected[k], q.bytes()[i], "x[" + i + "] = " + xs[i]);
          seen = true;
        }
      }
      assertTrue(seen, "the reference input holds " + inputs[k]);
    }
    Tensor y = run(DQ, q, scale, zp, -128, 127, DType.I8).out();
    assertEquals(f32Type(1, 1, 8, 8), y.type());
    for (int i = 0; i < xs.length; i++) {
      assertEquals((q.bytes()[i] + 128) * (float) scale, y.floats()[i]);
      assertTrue(Math.abs(y.floats()[i] - xs[i]) <= scale / 2 + 1e-7, "dequantized within half a step");
    }
  }

  @Test
  void matchesPyTorchsPerTensorWeightsAndSymmetricQParams() throws IOException {
    // digits_mlp fc1.weight (weight_0 of model.pt2), quantized by PyTorch's convert (per-tensor
    // symmetric, -127..127): pt2e/per_tensor/weights/linear.arg1.npy.
    Path model = REF.resolve("digits_mlp");
    Tensor w = readWeight(model.resolve("model.pt2"), "weight_0", 128, 64);
    String qparams = Files.readString(model.resolve("pt2e/per_tensor/qparams.json"));
    double scale = number(qparams, "\"linear.arg1\"", "scale");
    Tensor expected = readNpy(model.resolve("pt2e/per_tensor/weights/linear.arg1.npy"));
    Tensor q = run(Q, w, scale, 0, -127, 127, DType.I8).out();
    assertTrue(expected.contentEquals(q), "per-tensor int8 weights differ from PyTorch's");
    // The weight observer's scale is what choose_qparams_symmetric computes on the same tensor.
    List<Tensor> qp = run(CHOOSE_SYM, w, -127, 127, 0.000244140625, DType.I8).outputs();
    assertEquals(scale, qp.get(0).doubles()[0]);
    assertEquals(0L, qp.get(1).longs()[0]);
  }

  @Test
  void matchesPyTorchsPerChannelWeights() throws IOException {
    checkPerChannelWeights(REF.resolve("digits_mlp"), 128, 64);
    Tensor[] wq = checkPerChannelWeights(REF.resolve("mlp_784_1024"), 1024, 784);
    float[] w = wq[0].floats();
    byte[] q = wq[1].bytes();
    float[] s = wq[2].floats();
    // Two elements of mlp_784_1024's fc1 that tell the formulas apart (PyTorch's values are from
    // the reference; the alternatives are computed here):
    // [155, 1]: fl32(x * fl32(1 / s)) = -76.500008 -> -77 (PyTorch), but fl32(x / s) = -76.5 -> -76.
    int i = 155 * 784 + 1;
    assertEquals(-77, q[i]);
    assertEquals(-76.0, Math.rint(w[i] / s[155]));
    // [483, 467]: fl32(x * fl32(1 / s)) = 55.5 -> 56 (PyTorch), but the exact x / s = 55.4999981 -> 55.
    int k = 483 * 784 + 467;
    assertEquals(56, q[k]);
    assertEquals(55.0, Math.rint((double) w[k] / s[483]));
  }

  /** Quantizes fc1.weight per channel and compares with PyTorch's; returns weight, result, scales. */
  private static Tensor[] checkPerChannelWeights(Path model, int rows, int cols) throws IOException {
    Tensor w = readWeight(model.resolve("model.pt2"), "weight_0", rows, cols);
    String qparams = Files.readString(model.resolve("pt2e/per_channel/qparams.json"));
    double[] scales = numbers(qparams, "\"linear.arg1\"", "scales");
    double[] zeroPoints = numbers(qparams, "\"linear.arg1\"", "zero_points");
    assertEquals(rows, scales.length);
    float[] s = new float[rows];
    long[] z = new long[rows];
    for (int c = 0; c < rows; c++) {
      s[c] = (float) scales[c];
      assertEquals(scales[c], s[c], "scales are f32 values");
      z[c] = (long) zeroPoints[c];
    }
    Tensor expected = readNpy(model.resolve("pt2e/per_channel/weights/linear.arg1.npy"));
    Tensor q = run(QC, w, f32(s, rows), Tensor.ofLongs(z, rows), 0, -127, 127, DType.I8).out();
    assertTrue(expected.contentEquals(q), "per-channel int8 weights of " + model + " differ from PyTorch's");
    return new Tensor[] {w, q, f32(s, rows)};
  }

  // ---- reading the reference files (the ir module cannot use the frontend's readers) ----

  /** A little-endian, C-order .npy of f4 or i1. */
  private static Tensor readNpy(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals((byte) 0x93, b.get(0));
    assertEquals("NUMPY", new String(all, 1, 5, StandardCharsets.US_ASCII));
    int major = all[6];
    int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
    int offset = major == 1 ? 10 : 12;
    String header = new String(all, offset, headerLen, StandardCharsets.US_ASCII);
    assertTrue(header.contains("'fortran_order': False"), header);
    Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(header);
    assertTrue(m.find(), header);
    int[] shape = java.util.Arrays.stream(m.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty())
        .mapToInt(Integer::parseInt).toArray();
    DType dtype;
    if (header.contains("'descr': '<f4'")) {
      dtype = DType.F32;
    } else if (header.contains("'descr': '|i1'")) {
      dtype = DType.I8;
    } else {
      throw new AssertionError("unexpected .npy dtype in " + header);
    }
    ByteBuffer data = ByteBuffer.wrap(all, offset + headerLen, all.length - offset - headerLen);
    return Tensor.fromLittleEndian(TensorType.of(dtype, shape), data);
  }

  /** An f32 weight stored raw (little-endian) in a .pt2 archive. */
  private static Tensor readWeight(Path pt2, String pathName, int... shape) throws IOException {
    try (ZipFile zip = new ZipFile(pt2.toFile())) {
      ZipEntry e = zip.getEntry("model/data/weights/" + pathName);
      assertTrue(e != null, pathName + " in " + pt2);
      byte[] bytes = zip.getInputStream(e).readAllBytes();
      return Tensor.fromLittleEndian(TensorType.of(DType.F32, shape), ByteBuffer.wrap(bytes));
    }
  }

  /** The number at {@code "key": n} after the first {@code section} in a JSON text. */
  private static double number(String json, String section, String key) {
    int at = json.indexOf(section);
    assertTrue(at >= 0, section);
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(-?[0-9.eE+-]+)").matcher(json);
    assertTrue(m.find(at), key + " after " + section);
    return Double.parseDouble(m.group(1));
  }

  /** The list at {@code "key": [...]} after the first {@code section} in a JSON text. */
  private static double[] numbers(String json, String section, String key) {
    int at = json.indexOf(section);
    assertTrue(at >= 0, section);
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    assertTrue(m.find(at), key + " after " + section);
    List<Double> out = new ArrayList<>();
    for (String t : m.group(1).split(",")) {
      out.add(Double.parseDouble(t.trim()));
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
