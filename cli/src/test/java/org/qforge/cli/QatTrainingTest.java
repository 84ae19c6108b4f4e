package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.QatTraining;
import org.qforge.passes.quant.observer.FusedMovingAvgObsFakeQuantize;
import org.qforge.passes.quant.observer.Observer;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * The first part of issue 8: {@code prepare_qat_pt2e} with the QAT config and the training loop, on
 * digits_mlp (no batch norm, so no conv-bn QAT fusion is needed), then convert.
 */
class QatTrainingTest {
  private static final Path MLP = Path.of("../shared/reference/digits_mlp");

  @Test
  void trainingMovesTheFakeQuantizersAndTheConvertedModelStillClassifies() {
    Graph g = Pt2Importer.importFile(MLP.resolve("model.pt2"));
    ObservedGraph observed = Pt2eFlow.prepareQat(g,
        new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(true, true, false)), null);
    for (Observer o : observed.observers()) {
      assertInstanceOf(FusedMovingAvgObsFakeQuantize.class, o);
    }
    // 40 batches of one sample (the export's batch size): [40, 1, 1, 8, 8].
    Tensor calib = Npy.read(MLP.resolve("calib.npy"));
    Tensor batches = calib.sliceRows(0, 40).reshape(40, 1, 1, 8, 8);
    int[] done = new int[1];
    QatTraining.run(observed, batches, "calib.npy", k -> done[0] = k);
    assertEquals(40, done[0]);

    // The input's fake quantizer: a float32 moving average (constant 0.01) of the batches' minima
    // and maxima, worked out here independently.
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    float[] x = batches.floats();
    for (int k = 0; k < 40; k++) {
      float bMin = Float.POSITIVE_INFINITY;
      float bMax = Float.NEGATIVE_INFINITY;
      for (int i = k * 64; i < (k + 1) * 64; i++) {
        bMin = Math.min(bMin, x[i]);
        bMax = Math.max(bMax, x[i]);
      }
      min = Float.isInfinite(min) ? bMin : min + 0.01f * (bMin - min);
      max = Float.isInfinite(max) ? bMax : max + 0.01f * (bMax - max);
    }
    FusedMovingAvgObsFakeQuantize input = (FusedMovingAvgObsFakeQuantize) observed.observers().get(0);
    assertEquals(min, input.minVal()[0]);
    assertEquals(max, input.maxVal()[0]);
    // Every fake quantizer ran its forward (not only observed): it holds the qparams it fake-quantized with.
    for (Observer o : observed.observers()) {
      assertTrue(((FusedMovingAvgObsFakeQuantize) o).trainingScales().length > 0, o.kind() + " never fake-quantized");
    }

    Pt2eFlow.convert(observed, true, null);
    Tensor test = Npy.read(MLP.resolve("test_inputs.npy"));
    Tensor labels = Npy.read(MLP.resolve("test_labels.npy"));
    Tensor y = new BatchRunner(g).run(test, "test_inputs.npy", d -> {});
    int rows = test.type().dim(0);
    int correct = 0;
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int c = 1; c < 10; c++) {
        best = y.getDouble(r * 10 + c) > y.getDouble(r * 10 + best) ? c : best;
      }
      correct += best == labels.getLong(r) ? 1 : 0;
    }
    assertTrue(correct >= 0.95 * rows, "accuracy " + correct + "/" + rows);
  }

  @Test
  void badBatchesAreRefusedClearly() {
    Graph g = Pt2Importer.importFile(MLP.resolve("model.pt2"));
    ObservedGraph observed = Pt2eFlow.prepareQat(g,
        new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(false, true, false)), null);
    QforgeException shape = assertThrows(QforgeException.class,
        () -> QatTraining.run(observed, Tensor.zeros(org.qforge.ir.TensorType.of(org.qforge.ir.DType.F32, 2, 64)),
            "b.npy", k -> {}));
    assertTrue(shape.getMessage().startsWith("b.npy: training batches are f32[2,64] but input %x takes f32[1,1,8,8]"),
        shape.getMessage());
    float[] nan = new float[64];
    nan[5] = Float.NaN;
    QforgeException bad = assertThrows(QforgeException.class,
        () -> QatTraining.run(observed, Tensor.ofFloats(nan, 1, 1, 1, 8, 8), "b.npy", k -> {}));
    assertEquals("b.npy: batch 0 contains NaN (element 5); training data must be finite", bad.getMessage());


    assertThrows(UnsupportedOperationException.class, () -> SymmetricQuantizationConfig.get(false, true, true));
  }
}
