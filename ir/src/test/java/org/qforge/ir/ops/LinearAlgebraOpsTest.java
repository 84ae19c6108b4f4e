package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qforge.ir.ops.OpHarness.assertClose;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.doubles;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.random;
import static org.qforge.ir.ops.OpHarness.run;

import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

class LinearAlgebraOpsTest {

  /** y[r, o] = sum_k x[r, k] * w[o, k] + b[o], the definition of nn.Linear. */
  private static double[] linearRef(double[] x, double[] w, double[] b, int rows, int in, int out) {
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b[o];
        for (int k = 0; k < in; k++) {
          s += x[r * in + k] * w[o * in + k];
        }
        y[r * out + o] = s;
      }
    }
    return y;
  }

  /** Plain triple loop matrix product of [n, k] and [k, p] at the given offsets. */
  private static void mmRef(double[] a, int ao, double[] b, int bo, double[] c, int co, int n, int k, int p) {
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += a[ao + i * k + t] * b[bo + t * p + j];
        }
        c[co + i * p + j] = s;
      }
    }
  }

  @Test
  void linearMatchesDefinitionOnBatchedInput() {
    Tensor x = random(1, 2, 3, 4);
    Tensor w = random(2, 5, 4);
    Tensor b = random(3, 5);
    Tensor y = run("aten.linear", x, w, b).out();
    assertEquals(f32Type(2, 3, 5), y.type());
    assertClose(linearRef(doubles(x), doubles(w), doubles(b), 6, 4, 5), y, 1e-6, 1e-7);
  }

  @Test
  void linearSmallHandComputed() {
    Tensor x = f32(new float[] {1, 2}, 2); // 1-D input
    Tensor w = f32(new float[] {1, 0, 3, -1, 0.5f, 0.5f}, 3, 2);
    Tensor y = run("aten.linear", x, w, null).out();
    assertEquals(f32Type(3), y.type());
    assertValues(y, 1, 1, 1.5);
  }

  @Test
  void linearRejectsFeatureMismatch() {
    inferError("aten.linear", new Object[] {f32Type(2, 3), f32Type(4, 5), null},
        "aten.linear", "input has 3 features", "expects 5");
    inferError("aten.linear", new Object[] {f32Type(2, 5), f32Type(4, 5), f32Type(3)}, "bias must be [4]");
  }

  @Test
  void mmHandComputed() {
    Tensor a = f32(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = f32(new float[] {5, 6, 7, 8}, 2, 2);
    assertValues(run("aten.mm", a, b).out(), 19, 22, 43, 50);
  }

  @Test
  void mmOnInt32IsExact() {
    Tensor a = Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor b = Tensor.ofInts(new int[] {-1, 2, 0, 1, 30000, -30000}, 3, 2);
    Tensor y = run("aten.mm", a, b).out();
    assertEquals(DType.I32, y.dtype());
    assertArrayEquals(new int[] {89999, -89996, 179996, -179987}, y.ints());
  }

  @Test
  void mmRejectsInnerMismatch() {
    inferError("aten.mm", new Object[] {f32Type(2, 3), f32Type(4, 5)}, "cannot be multiplied", "2x3", "4x5");
  }

  @Test
  void addmmScalesBothTerms() {
    Tensor bias = f32(new float[] {1, 10}, 2); // broadcast over rows
    Tensor a = f32(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = f32(new float[] {1, 0, 0, 1}, 2, 2);
    // 0.5 * bias + 2 * (a @ I)
    Tensor y = run("aten.addmm", bias, a, b, 0.5, 2).out();
    assertValues(y, 2.5, 9, 6.5, 13);
  }

  @Test
  void matmulVectorCases() {
    Tensor v = f32(new float[] {1, 2, 3}, 3);
    Tensor m = f32(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
    Tensor dot = run("aten.matmul", v, v).out();
    assertEquals(TensorType.of(DType.F32), dot.type());
    assertValues(dot, 14);
    Tensor vm = run("aten.matmul", v, m).out();
    assertEquals(f32Type(2), vm.type());
    assertValues(vm, 4, 5);
    Tensor mt = f32(new float[] {1, 0, 1, 0, 1, 1}, 2, 3);
    Tensor mv = run("aten.matmul", mt, v).out();
    assertEquals(f32Type(2), mv.type());
    assertValues(mv, 4, 5);
  }

  @Test
  void matmulBroadcastsBatchDims() {
    Tensor a = random(4, 2, 1, 3, 4);
    Tensor b = random(5, 3, 4, 5);
    Tensor y = run("aten.matmul", a, b).out();
    assertEquals(f32Type(2, 3, 3, 5), y.type());
    double[] ad = doubles(a);
    double[] bd = doubles(b);
    double[] expected = new double[2 * 3 * 3 * 5];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        // a's batch [i, 0] broadcasts over j; b's batch [j] broadcasts over i.
        mmRef(ad, i * 12, bd, j * 20, expected, (i * 3 + j) * 15, 3, 4, 5);
      }
    }
    assertClose(expected, y, 1e-6, 1e-7);
  }

  @Test
  void matmulRejectsScalarsAndMismatch() {
    inferError("aten.matmul", new Object[] {TensorType.of(DType.F32), f32Type(3)}, "at least 1 dimension");
    inferError("aten.matmul", new Object[] {f32Type(2, 3), f32Type(2, 3)}, "cannot be multiplied");
    inferError("aten.matmul", new Object[] {f32Type(2, 2, 3), f32Type(3, 3, 4)}, "not broadcastable");
  }

  @Test
  void transposesMatrix() {
    Tensor x = f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor y = run("aten.t", x).out();
    assertEquals(f32Type(3, 2), y.type());
    assertValues(y, 1, 4, 2, 5, 3, 6);
    assertEquals(f32Type(4), infer("aten.t", f32Type(4)).get(0));
    inferError("aten.t", new Object[] {f32Type(1, 2, 3)}, "<= 2 dimensions");
  }
}
