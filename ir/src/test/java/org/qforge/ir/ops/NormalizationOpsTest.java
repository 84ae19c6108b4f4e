package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.ir.ops.OpHarness.assertClose;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.doubles;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.random;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.ops.OpHarness.Buffer;
import org.qforge.ir.ops.OpHarness.Run;

class NormalizationOpsTest {

  @Test
  void evalModeHandComputed() {
    // Channel 0: x {1, 3}, mean 1, var 4 -> (x - 1) / 2 * 1 + 0 = {0, 1}.
    // Channel 1: x {2, 6}, mean 2, var 16 -> (x - 2) / 4 * 2 + 1 = {1, 3}.
    Tensor x = f32(new float[] {1, 3, 2, 6}, 1, 2, 2);
    Tensor y = run("aten.batch_norm", x, f32(new float[] {1, 2}, 2), f32(new float[] {0, 1}, 2),
        f32(new float[] {1, 2}, 2), f32(new float[] {4, 16}, 2), false, 0.1, 0.0, false).out();
    assertEquals(f32Type(1, 2, 2), y.type());
    assertValues(y, 0, 1, 1, 3);
  }

  @Test
  void evalModeIsBitExactWithPyTorch() {
    // Inputs, parameters and outputs of bn1 in shared/reference/digits_rescnn (PyTorch's own fp32
    // activations for the first test image). Most of these outputs differ in the last bit from
    // x * alpha + beta rounded twice: PyTorch's CPU kernel uses fused multiply-adds.
    Tensor x = f32(new float[] {0.22920355f, 0.32700905f, 0.4444766f, 0.516364f,
        -0.030436285f, 0.2603211f, 0.48744547f, 0.09872889f}, 1, 2, 4);
    Tensor y = run("aten.batch_norm", x, f32(new float[] {0.9385281f, 0.9842773f}, 2),
        f32(new float[] {0.09030239f, -0.2526559f}, 2), f32(new float[] {0.30807933f, 0.2792797f}, 2),
        f32(new float[] {0.02488795f, 0.04845238f}, 2), false, 0.1, 1e-5, false).out();
    assertArrayEquals(new float[] {-0.37884483f, 0.20289494f, 0.90158314f,
        1.3291639f, -1.6374294f, -0.33742186f, 0.6780756f, -1.059918f}, y.floats());
  }

  @Test
  void evalModeMatchesStraightforwardFormula() {
    Tensor x = random(1, 2, 3, 4, 5);
    float[] w = {0.5f, -1.25f, 2f};
    float[] b = {0.1f, 0f, -3f};
    float[] mean = {0.2f, -0.1f, 0f};
    float[] var = {0.9f, 0.05f, 2.5f};
    double eps = 1e-5;
    Tensor y = run("aten.batch_norm", x, f32(w, 3), f32(b, 3), f32(mean, 3), f32(var, 3), false, 0.1, eps,
        true).out();
    double[] xd = doubles(x);
    double[] expected = new double[xd.length];
    for (int i = 0; i < xd.length; i++) {
      int c = (i / 20) % 3;
      expected[i] = (xd[i] - mean[c]) / Math.sqrt(var[c] + eps) * w[c] + b[c];
    }
    assertClose(expected, y, 1e-6, 1e-6);
  }

  @Test
  void trainingModeNormalizesWithBatchStatsAndUpdatesRunningStats() {
    // N=2, C=1, L=2: values {1, 2, 3, 6}: mean 3, biased var (4+1+0+9)/4 = 3.5, unbiased 14/3.
    Tensor x = f32(new float[] {1, 2, 3, 6}, 2, 1, 2);
    Buffer rm = new Buffer("running_mean", f32(new float[] {0}, 1));
    Buffer rv = new Buffer("running_var", f32(new float[] {1}, 1));
    // eps 0.5 makes sqrt(var + eps) = 2.
    Run r = run("aten.batch_norm", x, null, null, rm, rv, true, 0.1, 0.5, false);
    assertValues(r.out(), -1, -0.5, 0, 1.5);
    Tensor liveMean = r.interpreter().buffers().get("running_mean");
    Tensor liveVar = r.interpreter().buffers().get("running_var");
    assertClose(new double[] {0.9 * 0 + 0.1 * 3}, liveMean, 1e-7, 0);
    assertClose(new double[] {0.9 * 1 + 0.1 * 14 / 3.0}, liveVar, 1e-7, 0);
    assertEquals(0f, rm.tensor().floats()[0], "the graph's constant stays as it was");
    // A second forward pass updates the interpreter's buffers again.
    r.interpreter().run(List.of(x));
    assertClose(new double[] {0.9 * 0.3 + 0.1 * 3}, liveMean, 1e-6, 0);
  }

  @Test
  void trainingModeWithoutRunningStatsStillNormalizes() {
    Tensor x = f32(new float[] {1, 2, 3, 6, 10, 10, 20, 20}, 2, 2, 2);
    // channel 0: {1, 2, 10, 10} mean 5.75; channel 1: {3, 6, 20, 20} mean 12.25
    Tensor y = run("aten.batch_norm", x, f32(new float[] {2, 1}, 2), null, null, null, true, 0.1, 1e-5, false).out();
    double[] xd = doubles(x);
    double[] expected = new double[8];
    for (int c = 0; c < 2; c++) {
      double m = 0;
      double v = 0;
      for (int n = 0; n < 2; n++) {
        for (int i = 0; i < 2; i++) {
          m += xd[n * 4 + c * 2 + i] / 4;
        }
      }
      for (int n = 0; n < 2; n++) {
        for (int i = 0; i < 2; i++) {
          v += Math.pow(xd[n * 4 + c * 2 + i] - m, 2) / 4;
        }
      }
      for (int n = 0; n < 2; n++) {
        for (int i = 0; i < 2; i++) {
          int k = n * 4 + c * 2 + i;
          expected[k] = (xd[k] - m) / Math.sqrt(v + 1e-5) * (c == 0 ? 2 : 1);
        }
      }
    }
    assertClose(expected, y, 1e-6, 1e-6);
  }

  @Test
  void nativeLegitReturnsSavedMeanAndInvstd() {
    Tensor x = f32(new float[] {1, 2, 3, 6}, 2, 1, 2);
    Buffer rm = new Buffer("rm", f32(new float[] {0}, 1));
    Buffer rv = new Buffer("rv", f32(new float[] {1}, 1));
    Run r = run("aten._native_batch_norm_legit", x, null, null, rm, rv, true, 0.1, 0.5);
    assertEquals(3, r.outputs().size());
    assertValues(r.out(), -1, -0.5, 0, 1.5);
    assertValues(r.outputs().get(1), 3);
    assertValues(r.outputs().get(2), 0.5);
    assertClose(new double[] {0.3}, r.interpreter().buffers().get("rm"), 1e-7, 0);
  }

  @Test
  void noTrainingVariantReturnsEmptyStats() {
    Tensor x = f32(new float[] {1, 3, 2, 6}, 1, 2, 2);
    Run r = run("aten._native_batch_norm_legit_no_training", x, null, null, f32(new float[] {1, 2}, 2),
        f32(new float[] {4, 16}, 2), 0.1, 0.0);
    assertValues(r.out(), 0, 1, 0, 1);
    assertEquals(f32Type(0), r.outputs().get(1).type());
    assertEquals(f32Type(0), r.outputs().get(2).type());
    List<TensorType> types = infer("aten.native_batch_norm", f32Type(4, 3, 2), null, null, f32Type(3), f32Type(3),
        true, 0.1, 1e-5);
    assertEquals(List.of(f32Type(4, 3, 2), f32Type(3), f32Type(3)), types);
    types = infer("aten.native_batch_norm", f32Type(4, 3, 2), null, null, f32Type(3), f32Type(3), false, 0.1, 1e-5);
    assertEquals(List.of(f32Type(4, 3, 2), f32Type(0), f32Type(0)), types);
  }

  @Test
  void declaresWhatItMutates() {
    assertEquals(Set.of(3, 4), OpHarness.op("aten.batch_norm").mutatedParams());
    assertEquals(Set.of(3, 4), OpHarness.op("aten._native_batch_norm_legit").mutatedParams());
    assertTrue(OpHarness.op("aten._native_batch_norm_legit_no_training").mutatedParams().isEmpty());
  }

  @Test
  void rejectsBadArguments() {
    inferError("aten.batch_norm", new Object[] {f32Type(1, 4, 2, 2), null, null, f32Type(3), f32Type(4), false,
        0.1, 1e-5, false}, "aten.batch_norm", "running_mean should be [4]");
    inferError("aten.batch_norm", new Object[] {f32Type(1, 4), null, null, null, null, true, 0.1, 1e-5, false},
        "more than 1 value per channel");
    inferError("aten.batch_norm", new Object[] {f32Type(2, 4), null, null, null, null, false, 0.1, 1e-5, false},
        "must be defined in evaluation mode");
    inferError("aten.batch_norm", new Object[] {f32Type(4), null, null, null, null, true, 0.1, 1e-5, false},
        "at least 2 dimensions");
  }
}
