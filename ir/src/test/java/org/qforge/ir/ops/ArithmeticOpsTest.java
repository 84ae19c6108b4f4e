package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.ops.OpHarness.Buffer;
import org.qforge.ir.ops.OpHarness.Run;

class ArithmeticOpsTest {

  @Test
  void addIsTheCorrectlyRoundedFloatSum() {
    float a = 0.1f;
    float b = 0.2f;
    float c = 16777216f; // 2^24: 2^24 + 1 is not a float and rounds to even, back to 2^24
    Tensor y = run("aten.add.Tensor", f32(new float[] {a, c, c}, 3), f32(new float[] {b, 1f, 3f}, 3)).out();
    // 0.1f + 0.2f = 0.30000000447... exactly, whose nearest float is 0.3f (not the double 0.30000000000000004).
    assertEquals(0.3f, y.floats()[0]);
    assertEquals(16777216f, y.floats()[1]);
    assertEquals(16777220f, y.floats()[2]);
  }

  @Test
  void divAndMulAreBitExactFloat() {
    Tensor y = run("aten.div.Tensor", f32(new float[] {1f, 2f, 10f}, 3), 3.0).out();
    assertArrayEquals(new float[] {1f / 3f, 2f / 3f, 10f / 3f}, y.floats());
    Tensor z = run("aten.mul.Tensor", f32(new float[] {0.1f, 3f}, 2), 0.003919653594493866).out();
    float s = (float) 0.003919653594493866;
    assertArrayEquals(new float[] {0.1f * s, 3f * s}, z.floats());
  }

  @Test
  void scalarOverloadsTakeOnlyNumbers() {
    assertValues(run("aten.add.Scalar", f32(new float[] {1f, -2f}, 2), 3, 2).out(), 7f, 4f);
    assertValues(run("aten.sub.Scalar", f32(new float[] {1f, -2f}, 2), 0.5).out(), 0.5f, -2.5f);
    assertValues(run("aten.mul.Scalar", f32(new float[] {1.5f, -2f}, 2), 2).out(), 3f, -4f);
    assertValues(run("aten.div.Scalar", f32(new float[] {1f, -3f}, 2), 4).out(), 0.25f, -0.75f);
    inferError("aten.mul.Scalar", new Object[] {f32Type(2), f32Type(2)}, "argument 'other' must be Scalar");
  }

  @Test
  void broadcastsRowAgainstMatrix() {
    Tensor x = f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor row = f32(new float[] {10, 20, 30}, 3);
    Tensor y = run("aten.add.Tensor", x, row).out();
    assertEquals(f32Type(2, 3), y.type());
    assertValues(y, 11, 22, 33, 14, 25, 36);
  }

  @Test
  void broadcastsColumnTimesRowToOuterProduct() {
    Tensor col = f32(new float[] {1, 2}, 2, 1);
    Tensor row = f32(new float[] {3, 4, 5}, 1, 3);
    Tensor y = run("aten.mul.Tensor", col, row).out();
    assertEquals(f32Type(2, 3), y.type());
    assertValues(y, 3, 4, 5, 6, 8, 10);
  }

  @Test
  void broadcastsPerChannelScaleOver4d() {
    Tensor x = f32(new float[] {1, 1, 1, 1, 2, 2, 2, 2}, 1, 2, 2, 2);
    Tensor scale = f32(new float[] {3, 5}, 2, 1, 1);
    Tensor y = run("aten.mul.Tensor", x, scale).out();
    assertValues(y, 3, 3, 3, 3, 10, 10, 10, 10);
  }

  @Test
  void addAndSubWithAlpha() {
    Tensor x = f32(new float[] {1, 2}, 2);
    Tensor o = f32(new float[] {3, 4}, 2);
    assertValues(run("aten.add.Tensor", x, o, 2).out(), 7, 10);
    assertValues(run("aten.sub.Tensor", x, o, 2).out(), -5, -6);
    assertValues(run("aten.sub.Tensor", List.of(x, o), Map.of("alpha", 0.5)).out(), -0.5, 0);
  }

  @Test
  void subtractsIntScalarFromFloatTensorAsFloat() {
    Run r = run("aten.sub.Tensor", f32(new float[] {1.5f, -2f}, 2), 1);
    assertEquals(DType.F32, r.out().dtype());
    assertValues(r.out(), 0.5, -3);
  }

  @Test
  void intTensorPlusIntScalarKeepsIntType() {
    Tensor x = Tensor.ofInts(new int[] {1, -2, Integer.MAX_VALUE}, 3);
    Tensor y = run("aten.add.Tensor", x, 7).out();
    assertEquals(DType.I32, y.dtype());
    // Integer arithmetic wraps like int32 does.
    assertArrayEquals(new int[] {8, 5, Integer.MIN_VALUE + 6}, y.ints());
  }

  @Test
  void intTensorTimesFloatScalarIsF32() {
    Tensor x = Tensor.ofInts(new int[] {1, 3}, 2);
    Tensor y = run("aten.mul.Tensor", x, 2.5).out();
    assertEquals(DType.F32, y.dtype());
    assertValues(y, 2.5, 7.5);
  }

  @Test
  void intDivisionIsTrueDivisionInF32() {
    Tensor x = Tensor.ofLongs(new long[] {1, 3, -7}, 3);
    Tensor y = run("aten.div.Tensor", x, 2).out();
    assertEquals(DType.F32, y.dtype());
    assertValues(y, 0.5, 1.5, -3.5);
    Tensor z = run("aten.div.Tensor", x, Tensor.ofLongs(new long[] {2, 2, 2}, 3)).out();
    assertEquals(DType.F32, z.dtype());
    assertValues(z, 0.5, 1.5, -3.5);
  }

  @Test
  void zeroDimTensorPromotesLikeAScalar() {
    // A 0-dim f64 tensor does not widen an f32 tensor ...
    assertEquals(f32Type(3), infer("aten.add.Tensor", f32Type(3), TensorType.of(DType.F64)).get(0));
    // ... but it does make an integer tensor floating (its category is higher).
    assertEquals(TensorType.of(DType.F64, 3),
        infer("aten.add.Tensor", TensorType.of(DType.I32, 3), TensorType.of(DType.F64)).get(0));
    // A 0-dim i64 tensor does not widen an i32 tensor.
    assertEquals(TensorType.of(DType.I32, 3),
        infer("aten.mul.Tensor", TensorType.of(DType.I32, 3), TensorType.of(DType.I64)).get(0));
    // Two 0-dim tensors promote normally.
    assertEquals(TensorType.of(DType.F64),
        infer("aten.add.Tensor", TensorType.of(DType.F32), TensorType.of(DType.F64)).get(0));
    // Dimensioned tensors promote normally.
    assertEquals(TensorType.of(DType.F64, 2),
        infer("aten.add.Tensor", f32Type(2), TensorType.of(DType.F64, 2)).get(0));
  }

  @Test
  void promotesDtypePairsLikeTorchPromoteTypes() {
    assertEquals(DType.I16, TypePromotion.promoteTypes(DType.U8, DType.I8));
    assertEquals(DType.I32, TypePromotion.promoteTypes(DType.U8, DType.I32));
    assertEquals(DType.I64, TypePromotion.promoteTypes(DType.I32, DType.I64));
    assertEquals(DType.F32, TypePromotion.promoteTypes(DType.F16, DType.BF16));
    assertEquals(DType.F16, TypePromotion.promoteTypes(DType.I64, DType.F16));
    assertEquals(DType.I8, TypePromotion.promoteTypes(DType.BOOL, DType.I8));
    assertEquals(TensorType.of(DType.I16, 2),
        infer("aten.add.Tensor", TensorType.of(DType.U8, 2), TensorType.of(DType.I8, 2)).get(0));
  }

  @Test
  void mixedTensorDtypesComputeInPromotedType() {
    Tensor i = Tensor.ofInts(new int[] {1, 2}, 2);
    Tensor f = f32(new float[] {0.25f, 0.5f}, 2);
    Tensor y = run("aten.add.Tensor", i, f).out();
    assertEquals(DType.F32, y.dtype());
    assertValues(y, 1.25, 2.5);
  }

  @Test
  void addInPlaceIncrementsBufferAndReturnsIt() {
    Tensor counter = Tensor.ofLongs(new long[] {0});
    Run r = run("aten.add_.Tensor", new Buffer("num_batches_tracked", counter), 1);
    Tensor live = r.interpreter().buffers().get("num_batches_tracked");
    assertEquals(1L, live.getLong(0));
    assertSame(live, r.out(), "add_ returns the tensor it wrote into");
    assertEquals(0L, counter.getLong(0), "the graph's constant is not touched, only the interpreter's copy");
    r.interpreter().run(List.of());
    assertEquals(2L, live.getLong(0));
    assertTrue(OpHarness.op("aten.add_.Tensor").mutatedParams().contains(0));
  }

  @Test
  void addInPlaceRejectsBroadcastGrowthAndLossyCast() {
    inferError("aten.add_.Tensor", new Object[] {f32Type(3), f32Type(2, 3)}, "aten.add_.Tensor", "[3]", "[2, 3]");
    inferError("aten.add_.Tensor", new Object[] {TensorType.of(DType.I64), 0.5}, "can't be cast", "i64");
  }

  @Test
  void rejectsShapesThatDoNotBroadcast() {
    inferError("aten.add.Tensor", new Object[] {f32Type(2, 3), f32Type(4)}, "aten.add.Tensor", "not broadcastable",
        "[2, 3]", "[4]");
  }

  @Test
  void rejectsBoolSubtractionAndFloatAlphaOnIntegers() {
    inferError("aten.sub.Tensor", new Object[] {TensorType.of(DType.BOOL, 2), TensorType.of(DType.BOOL, 2)}, "bool");
    inferError("aten.add.Tensor", new Object[] {TensorType.of(DType.I32, 2), TensorType.of(DType.I32, 2), 0.5},
        "alpha");
  }

  @Test
  void roundsHalfToEven() {
    Tensor x = f32(new float[] {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4999f, -2.6f}, 7);
    Tensor y = run("aten.round", x).out();
    assertArrayEquals(new float[] {0f, 2f, 2f, -0f, -2f, 2f, -3f}, y.floats());
    Tensor ints = Tensor.ofInts(new int[] {3, -4}, 2);
    assertArrayEquals(new int[] {3, -4}, run("aten.round", ints).out().ints());
  }

  @Test
  void toDtypeTruncatesTowardZero() {
    Tensor x = f32(new float[] {-1.7f, 2.9f, 127.5f, -0.2f}, 4);
    Tensor y = run("aten.to.dtype", x, DType.I32).out();
    assertArrayEquals(new int[] {-1, 2, 127, 0}, y.ints());
    Tensor b = run("aten.to.dtype", x, DType.I8).out();
    assertArrayEquals(new byte[] {-1, 2, 127, 0}, b.bytes());
    Tensor bools = run("aten.to.dtype", f32(new float[] {0f, -0.0f, 0.1f}, 3), DType.BOOL).out();
    assertArrayEquals(new byte[] {0, 0, 1}, bools.bytes());
    Tensor back = run("aten.to.dtype", Tensor.ofBytes(DType.I8, new byte[] {-128, 5}, 2), DType.F32).out();
    assertArrayEquals(new float[] {-128f, 5f}, back.floats());
  }

  @Test
  void toCopyKeepsDtypeWhenNoneAndCopies() {
    Tensor x = f32(new float[] {1f, 2f}, 2);
    Tensor y = run("aten._to_copy", x).out();
    assertEquals(x.type(), y.type());
    assertValues(y, 1, 2);
    Tensor z = run("aten._to_copy", List.of(x), Map.of("dtype", DType.F64)).out();
    assertEquals(DType.F64, z.dtype());
  }
}
