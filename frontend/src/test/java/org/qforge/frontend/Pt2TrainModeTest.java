package org.qforge.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.interp.Interpreter;

/**
 * The train-mode export of digits_rescnn (batch 8) runs on {@code qat_batches.npy}: batch norm uses
 * batch statistics and updates its running statistics in the interpreter's buffers, and
 * {@code num_batches_tracked} counts the batches, as in PyTorch.
 */
class Pt2TrainModeTest {
  private static final String[] BNS = {"bn1", "bn2", "bn3"};

  @Test
  void buffersMoveOncePerBatch() {
    Graph g = Pt2Importer.importFile(Reference.trainArchive());
    Tensor batches = Npy.read(Reference.dir("digits_rescnn").resolve("qat_batches.npy"));
    int[] dims = batches.dims();
    int count = dims[0];
    int[] batchShape = java.util.Arrays.copyOfRange(dims, 1, dims.length);
    assertEquals(g.inputs().get(0).type().dims().length, batchShape.length);
    int batchSize = batches.numel() / count;

    Map<String, Tensor> original = new HashMap<>();
    g.constants().forEach((name, c) -> original.put(name, c.tensor().copy()));
    Interpreter interp = new Interpreter(g);
    Map<String, Tensor> previous = snapshot(interp);

    for (int b = 0; b < count; b++) {
      float[] x = new float[batchSize];
      System.arraycopy(batches.floats(), b * batchSize, x, 0, batchSize);
      Map<String, Tensor> seen = new LinkedHashMap<>();
      Tensor y = interp.run(List.of(Tensor.ofFloats(x, batchShape)),
          (node, results) -> seen.put(node.name(), results.get(0).copy())).get(0);
      assertEquals(List.of(8, 10), y.type().shape());
      for (float v : y.floats()) {
        assertTrue(Float.isFinite(v));
      }
      Map<String, Tensor> now = snapshot(interp);
      for (String bn : BNS) {
        long before = original.get("b_" + bn + "_num_batches_tracked").getLong(0);
        assertEquals(before + b + 1, now.get("b_" + bn + "_num_batches_tracked").getLong(0), bn);
        assertFalse(now.get("b_" + bn + "_running_mean").contentEquals(previous.get("b_" + bn + "_running_mean")),
            bn + ".running_mean should move on batch " + b);
        assertFalse(now.get("b_" + bn + "_running_var").contentEquals(previous.get("b_" + bn + "_running_var")),
            bn + ".running_var should move on batch " + b);
      }
      checkBatchNorm(g, seen.get("conv2d"), seen.get("batch_norm"), previous, now);
      previous = now;
    }
    // The graph's own buffers are untouched: only the interpreter's copies move.
    g.constants().forEach((name, c) -> assertTrue(original.get(name).contentEquals(c.tensor()), name));
    System.out.println("model_train_b8: bn1.running_mean[0] after " + count + " batches = "
        + previous.get("b_bn1_running_mean").getDouble(0) + ", num_batches_tracked = "
        + previous.get("b_bn1_num_batches_tracked").getLong(0));
  }

  /**
   * bn1 against the definition: the output normalizes with the batch's biased variance, the running
   * statistics move by momentum 0.1 toward the batch mean and unbiased variance.
   */
  private static void checkBatchNorm(Graph g, Tensor x, Tensor y, Map<String, Tensor> before, Map<String, Tensor> after) {
    int n = x.dims()[0];
    int c = x.dims()[1];
    int hw = x.numel() / (n * c);
    float[] w = g.constant("p_bn1_weight").tensor().floats();
    float[] bias = g.constant("p_bn1_bias").tensor().floats();
    double momentum = 0.1;
    double eps = 1e-5;
    for (int ch = 0; ch < c; ch++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < hw; k++) {
          sum += x.floats()[(i * c + ch) * hw + k];
        }
      }
      int m = n * hw;
      double mean = sum / m;
      double sq = 0;
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < hw; k++) {
          double d = x.floats()[(i * c + ch) * hw + k] - mean;
          sq += d * d;
        }
      }
      double biased = sq / m;
      double unbiased = sq / (m - 1);
      double rm = (1 - momentum) * before.get("b_bn1_running_mean").getDouble(ch) + momentum * mean;
      double rv = (1 - momentum) * before.get("b_bn1_running_var").getDouble(ch) + momentum * unbiased;
      assertEquals(rm, after.get("b_bn1_running_mean").getDouble(ch), 1e-6 + 1e-5 * Math.abs(rm), "running_mean " + ch);
      assertEquals(rv, after.get("b_bn1_running_var").getDouble(ch), 1e-6 + 1e-5 * Math.abs(rv), "running_var " + ch);
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < hw; k++) {
          int at = (i * c + ch) * hw + k;
          double expected = (x.floats()[at] - mean) / Math.sqrt(biased + eps) * w[ch] + bias[ch];
          assertEquals(expected, y.floats()[at], 1e-4, "batch_norm output");
        }
      }
    }
  }

  private static Map<String, Tensor> snapshot(Interpreter interp) {
    Map<String, Tensor> m = new HashMap<>();
    interp.buffers().forEach((k, v) -> m.put(k, v.copy()));
    return m;
  }
}
