package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.run;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Literal;
import org.qforge.ir.Tensor;

/** {@code higher_order.out_dtype} and arithmetic on two numbers, as PT2E's reference representation uses them. */
class HigherOrderOpsTest {

  @Test
  void linearAccumulatesInInt32() {
    Tensor x = Tensor.zeros(org.qforge.ir.TensorType.of(DType.I16, 1, 3));
    Tensor w = Tensor.zeros(org.qforge.ir.TensorType.of(DType.I16, 2, 3));
    short[] xv = {200, -300, 100};
    short[] wv = {127, 127, 127, -127, 3, 1};
    for (int i = 0; i < 3; i++) {
      x.setLong(i, xv[i]);
    }
    for (int i = 0; i < 6; i++) {
      w.setLong(i, wv[i]);
    }
    Tensor y = run("higher_order.out_dtype", new Literal.Str("aten.linear"), DType.I32, x, w, null).out();
    assertEquals(DType.I32, y.dtype());
    // 127*(200-300+100) = 0; -127*200 + 3*-300 + 100 = -25400 - 900 + 100 = -26200.
    assertArrayEquals(new int[] {0, -26200}, y.ints());
  }

  @Test
  void mulByAFloatScaleTruncatesTowardZero() {
    Tensor acc = Tensor.ofInts(new int[] {7, -7, 5}, 3);
    Tensor scale = Tensor.scalar(DType.F32, 0.5);
    Tensor y = run("higher_order.out_dtype", new Literal.Str("aten.mul.Tensor"), DType.I32, acc, scale, null).out();
    // 3.5 -> 3, -3.5 -> -3, 2.5 -> 2: truncation, not rounding.
    assertArrayEquals(new int[] {3, -3, 2}, y.ints());
  }

  @Test
  void divOfBiasByScaleTruncates() {
    Tensor bias = f32(new float[] {1.0f, -1.0f}, 2);
    Tensor s = Tensor.scalar(DType.F32, 0.3);
    Tensor y = run("higher_order.out_dtype", new Literal.Str("aten.div.Tensor"), DType.I32, bias, s, null).out();
    // 1/0.3f = 3.3333333 -> 3; -3.333 -> -3.
    assertArrayEquals(new int[] {3, -3}, y.ints());
  }

  @Test
  void productOfTwoNumbersIsAFloat32Scalar() {
    Tensor y = run("aten.mul.Tensor", 0.1, 0.2).out();
    assertEquals(DType.F32, y.dtype());
    assertEquals(0, y.type().rank());
    // Both numbers are rounded to float32 first: 0.1f * 0.2f, not (float) (0.1 * 0.2).
    assertEquals(0.1f * 0.2f, y.floats()[0]);
    Tensor q = run("aten.div.Tensor", y, 0.7).out();
    assertEquals(0.1f * 0.2f / 0.7f, q.floats()[0]);
  }
}
