package org.qforge.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.interp.Interpreter;

/**
 * End to end: each imported reference model, run by the interpreter on {@code test_inputs.npy} one
 * sample at a time, reproduces PyTorch's {@code fp32_out.npy} to within 1e-4 of the output's scale.
 * For digits_rescnn every node's output is also compared with PyTorch's activations, so that a
 * mismatch points at one op.
 */
class Pt2ReferenceOutputsTest {
  private static final Map<String, String> FIGURES = new TreeMap<>();

  static List<String> models() {
    return Reference.MODELS;
  }

  @ParameterizedTest
  @MethodSource("models")
  void matchesPyTorch(String model) {
    Graph g = Pt2Importer.importFile(Reference.archive(model));
    Tensor inputs = Npy.read(Reference.dir(model).resolve("test_inputs.npy"));
    Tensor expected = Npy.read(Reference.dir(model).resolve("fp32_out.npy"));
    int n = inputs.dims()[0];
    assertEquals(n, expected.dims()[0]);
    int[] inShape = g.inputs().get(0).type().dims();
    assertEquals(1, inShape[0], "eval models have batch size 1");
    int rowIn = inputs.numel() / n;
    int rowOut = expected.numel() / n;

    Interpreter interp = new Interpreter(g);
    double maxErr = 0;
    double maxRef = 0;
    for (int i = 0; i < n; i++) {
      float[] x = new float[rowIn];
      System.arraycopy(inputs.floats(), i * rowIn, x, 0, rowIn);
      Tensor y = interp.run(List.of(Tensor.ofFloats(x, inShape))).get(0);
      assertEquals(rowOut, y.numel());
      for (int k = 0; k < rowOut; k++) {
        double ref = expected.floats()[i * rowOut + k];
        maxErr = Math.max(maxErr, Math.abs(y.floats()[k] - ref));
        maxRef = Math.max(maxRef, Math.abs(ref));
      }
    }
    String figure = String.format("max |y - fp32_out| = %.3g, max |fp32_out| = %.3g, ratio %.3g over %d samples",
        maxErr, maxRef, maxErr / maxRef, n);
    FIGURES.put(model, figure);
    System.out.println(model + ": " + figure);
    assertTrue(maxErr <= 1e-4 * maxRef, model + ": " + figure);
  }

  @Test
  void everyNodeOfDigitsRescnnMatchesPyTorchsActivations() {
    Graph g = Pt2Importer.importFile(Reference.archive("digits_rescnn"));
    java.nio.file.Path dir = Reference.dir("digits_rescnn").resolve("debug").resolve("fp32_activations");
    Tensor x = Npy.read(dir.resolve("x.npy"));
    StringBuilder report = new StringBuilder();
    new Interpreter(g).run(List.of(x), (Node node, List<Tensor> results) -> {
      Tensor ref = Npy.read(dir.resolve(node.name() + ".npy"));
      Tensor y = results.get(0);
      assertEquals(ref.type(), y.type(), node.name());
      double err = 0;
      double scale = 0;
      for (int i = 0; i < ref.numel(); i++) {
        err = Math.max(err, Math.abs(y.getDouble(i) - ref.getDouble(i)));
        scale = Math.max(scale, Math.abs(ref.getDouble(i)));
      }
      String line = String.format("  %-20s %-28s max err %.3g (scale %.3g)%n", node.name(), node.op().name(), err, scale);
      report.append(line);
      assertTrue(err <= 1e-5 * Math.max(scale, 1), "node " + node.name() + " (" + node.op().name()
          + ") differs from PyTorch: " + line.trim());
    });
    System.out.print("digits_rescnn per-node errors:\n" + report);
  }

  @AfterAll
  static void printFigures() {
    System.out.println("Per-model max error vs fp32_out.npy:");
    FIGURES.forEach((m, f) -> System.out.println("  " + m + ": " + f));
  }
}
