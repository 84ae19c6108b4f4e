package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.qforge.ir.ops.OpHarness.assertClose;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.doubles;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.iota;
import static org.qforge.ir.ops.OpHarness.random;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

class ReductionOpsTest {

  @Test
  void meanOverOneDim() {
    Tensor x = f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor rows = run("aten.mean.dim", x, new int[] {1}).out();
    assertEquals(f32Type(2), rows.type());
    assertValues(rows, 2, 5);
    Tensor cols = run("aten.mean.dim", x, new int[] {0}, true).out();
    assertEquals(f32Type(1, 3), cols.type());
    assertValues(cols, 2.5, 3.5, 4.5);
  }

  /** 2^24 followed by ones: which ones survive a float32 sum depends only on its order. */
  private static float[] bigThenOnes(int n) {
    float[] v = new float[n];
    java.util.Arrays.fill(v, 1f);
    v[0] = 16777216f;
    return v;
  }

  @Test
  void float32MeanOverInnerDimsSumsInAtensOrder() {
    // [1, 1, 4, 4]: 2^24 then fifteen ones. ATen's 8-lane cascade keeps 14 of the ones (see
    // CascadeSumTest); a double accumulator would keep all 15, a sequential float sum none.
    Tensor x = f32(bigThenOnes(16), 1, 1, 4, 4);
    assertValues(run("aten.mean.dim", x, new int[] {-1, -2}, true).out(), (16777216.0 + 14) / 16);
    assertValues(run("aten.adaptive_avg_pool2d", x, new int[] {1, 1}).out(), (16777216.0 + 14) / 16);
    assertValues(run("aten.sum.dim_IntList", x, new int[] {2, 3}).out(), 16777216.0 + 14);
  }

  @Test
  void meanOverSpatialDimsIsGlobalAveragePool() {
    Tensor x = iota(1, 2, 2, 3); // channel 0: 0..5, channel 1: 6..11
    Tensor y = run("aten.mean.dim", x, new int[] {-1, -2}, true).out();
    assertEquals(f32Type(1, 2, 1, 1), y.type());
    assertValues(y, 2.5, 8.5);
  }

  @Test
  void meanOfEverything() {
    Tensor x = iota(2, 3, 4);
    Tensor all = run("aten.mean", x).out();
    assertEquals(TensorType.of(DType.F32), all.type());
    assertValues(all, 11.5);
    Tensor viaNone = run("aten.mean.dim", x, null).out();
    assertEquals(all, viaNone);
    Tensor viaEmpty = run("aten.mean.dim", x, new int[0]).out();
    assertEquals(all, viaEmpty);
  }

  @Test
  void float32SumAddsTheTailBeforeTheLanes() {
    // 2^24 and eight ones: one vector of eight lanes and a tail of one. ATen starts from the tail
    // (1), then adds the lanes in order: 1 + 2^24 rounds to 2^24 and every later 1 is lost.
    assertValues(run("aten.sum.dim_IntList", f32(bigThenOnes(9), 9), new int[] {0}).out(), 16777216);
  }

  @Test
  void float64AndOuterSumsAccumulateInDouble() {
    float[] v = bigThenOnes(9);
    Tensor f64 = Tensor.zeros(TensorType.of(DType.F64, 9));
    for (int i = 0; i < 9; i++) {
      f64.setDouble(i, v[i]);
    }
    assertValues(run("aten.sum.dim_IntList", f64, new int[] {0}).out(), 16777224);
    // Reducing the outer dim of [9, 1] is not a contiguous run: double accumulation, one rounding.
    assertValues(run("aten.sum.dim_IntList", f32(v, 9, 1), new int[] {0}).out(), 16777224);
  }

  @Test
  void meanRejectsIntegersWithoutDtypeAndDuplicateDims() {
    inferError("aten.mean.dim", new Object[] {TensorType.of(DType.I64, 3), new int[] {0}}, "floating point");
    assertEquals(TensorType.of(DType.F32),
        infer("aten.mean.dim", TensorType.of(DType.I64, 3), new int[] {0}, false, DType.F32).get(0));
    inferError("aten.mean.dim", new Object[] {f32Type(2, 3), new int[] {1, -1}}, "appears multiple times");
    inferError("aten.mean.dim", new Object[] {f32Type(2, 3), new int[] {2}}, "out of range");
  }

  @Test
  void meanWithDtypeConvertsFirst() {
    Tensor x = Tensor.ofInts(new int[] {1, 2, 4}, 3);
    Tensor y = run("aten.mean.dim", List.of(x, new int[] {0}), Map.of("dtype", DType.F64)).out();
    assertEquals(TensorType.of(DType.F64), y.type());
    assertValues(y, 7 / 3.0);
  }

  @Test
  void sumOfIntegersIsI64() {
    Tensor x = Tensor.ofInts(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 1, 2}, 2, 2);
    Tensor y = run("aten.sum.dim_IntList", x, new int[] {1}).out();
    assertEquals(TensorType.of(DType.I64, 2), y.type());
    assertEquals(2L * Integer.MAX_VALUE, y.longs()[0]);
    assertEquals(3L, y.longs()[1]);
    Tensor all = run("aten.sum", x).out();
    assertEquals(2L * Integer.MAX_VALUE + 3, all.longs()[0]);
  }

  private static double[] softmaxRef(double[] x, int rows, int cols, boolean log) {
    double[] out = new double[x.length];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        sum += Math.exp(x[r * cols + c]);
      }
      for (int c = 0; c < cols; c++) {
        double p = Math.exp(x[r * cols + c]) / sum;
        out[r * cols + c] = log ? Math.log(p) : p;
      }
    }
    return out;
  }

  @Test
  void softmaxRowsSumToOneAndMatchDefinition() {
    Tensor x = random(7, 4, 6);
    Tensor y = run("aten.softmax.int", x, -1).out();
    assertEquals(f32Type(4, 6), y.type());
    for (int r = 0; r < 4; r++) {
      double s = 0;
      for (int c = 0; c < 6; c++) {
        s += y.floats()[r * 6 + c];
      }
      assertEquals(1.0, s, 1e-6);
    }
    assertClose(softmaxRef(doubles(x), 4, 6, false), y, 1e-6, 1e-7);
    Tensor ly = run("aten._log_softmax", x, 1, false).out();
    assertClose(softmaxRef(doubles(x), 4, 6, true), ly, 1e-6, 1e-6);
  }

  @Test
  void softmaxAlongDimZero() {
    Tensor x = f32(new float[] {0, 1, 0, 1}, 2, 2);
    Tensor y = run("aten._softmax", x, 0, false).out();
    assertValues(y, 0.5, 0.5, 0.5, 0.5);
    Tensor z = run("aten.softmax.int", f32(new float[] {0, 0, (float) Math.log(3), 0}, 2, 2), 0).out();
    assertClose(new double[] {0.25, 0.5, 0.75, 0.5}, z, 1e-6, 0);
  }

  @Test
  void softmaxIsStableForLargeInputs() {
    Tensor x = f32(new float[] {1000, 1001, -1000, 5000}, 4);
    Tensor y = run("aten.log_softmax.int", x, 0).out();
    for (float v : y.floats()) {
      assertFalse(Float.isNaN(v) || Float.isInfinite(v) && v > 0, "unstable result " + v);
    }
    assertClose(new double[] {-4000, -3999, -6000, 0}, y, 1e-6, 0);
    Tensor p = run("aten.softmax.int", x, 0).out();
    assertValues(p, 0, 0, 0, 1);
  }

  @Test
  void softmaxDtypeRules() {
    assertEquals(TensorType.of(DType.F64, 3),
        infer("aten.softmax.int", f32Type(3), 0, DType.F64).get(0));
    assertEquals(f32Type(3), infer("aten._softmax", TensorType.of(DType.F16, 3), 0, true).get(0));
    inferError("aten._softmax", new Object[] {f32Type(3), 0, true}, "half_to_float");
    inferError("aten.softmax.int", new Object[] {TensorType.of(DType.I64, 3), 0}, "floating-point");
    inferError("aten.softmax.int", new Object[] {f32Type(3), 1}, "aten.softmax.int", "out of range");
  }
}
