package org.qforge.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Calibration;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qforge demo}: the main job on the example model shipped in {@code examples/}: import,
 * quantize with PT2E on the shipped calibration set, and compare fp32 and int8 accuracy and latency;
 * compiled jars join the table with the {@code compile} command.
 */
@Command(name = "demo", description = "Run the main job on the example model shipped in the repository.")
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--model-dir", paramLabel = "DIR",
      description = "A directory with model.pt2, test_inputs.npy and test_labels.npy "
          + "(default: examples/digits_rescnn in the qforge checkout).")
  Path modelDir;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Path dir = modelDir != null ? modelDir
        : Path.of(System.getProperty("qforge.home", ".")).resolve("examples/digits_rescnn");
    for (String f : new String[] {"model.pt2", "test_inputs.npy", "test_labels.npy"}) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new QforgeException(dir.resolve(f) + ": missing; the demo needs model.pt2, test_inputs.npy "
            + "and test_labels.npy in " + dir);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    Graph fp32 = ModelLoader.load(dir.resolve("model.pt2"));
    Tensor x = Npy.read(dir.resolve("test_inputs.npy"));
    Tensor labels = Npy.read(dir.resolve("test_labels.npy"));
    int samples = x.type().dim(0);
    out.printf("qforge demo: %s (%s), %d test samples%n", dir.getFileName(), dir, samples);
    out.flush();

    Graph int8 = ModelLoader.load(dir.resolve("model.pt2"));
    Path calib = dir.resolve("calib.npy");
    if (Files.isRegularFile(calib)) {
      long t0 = System.nanoTime();
      ObservedGraph observed = Pt2eFlow.prepare(int8, new XnnpackQuantizer()
          .setGlobal(SymmetricQuantizationConfig.get(true, false, false)), null);
      Tensor c = Npy.read(calib);
      Calibration.run(observed, c, calib.toString(), done -> {});
      Pt2eFlow.convert(observed, true, null);
      out.printf("quantized with PT2E (XNNPACK symmetric, per-channel weights) on %d calibration samples in %.1f s%n",
          c.type().dim(0), (System.nanoTime() - t0) / 1e9);
    } else {
      int8 = null;
    }

    out.printf("%-40s %9s %18s%n", "engine", "accuracy", "latency/sample");
    row(out, "fp32, reference interpreter", fp32, x, labels);
    if (int8 != null) {
      row(out, "int8 (q/dq), reference interpreter", int8, x, labels);
    }
    out.println("(compiled jars join this table with the compile command)");
    out.flush();
    return 0;
  }

  /** Measures accuracy and median latency per sample of one engine and prints its row. */
  private static void row(PrintWriter out, String engine, Graph g, Tensor x, Tensor labels) {
    BatchRunner runner = new BatchRunner(g);
    int groups = runner.groups(x, "test_inputs.npy");
    int b = runner.batchSize();
    // Warm up the JIT on a few groups so that latency reflects steady state, not class loading.
    for (int i = 0; i < Math.min(groups, 50); i++) {
      runner.runGroup(x.sliceRows(i * b, b));
    }
    long[] nanos = new long[groups];
    int correct = 0;
    for (int i = 0; i < groups; i++) {
      long t0 = System.nanoTime();
      Tensor y = runner.runGroup(x.sliceRows(i * b, b));
      nanos[i] = System.nanoTime() - t0;
      correct += countCorrect(y, labels, i * b);
    }
    Arrays.sort(nanos);
    out.printf("%-40s %8.1f%% %15.1f us%n", engine, 100.0 * correct / (groups * b), nanos[groups / 2] / 1000.0 / b);
    out.flush();
  }

  private static int countCorrect(Tensor logits, Tensor labels, int firstRow) {
    int rows = logits.type().dim(0);
    int classes = logits.numel() / rows;
    int correct = 0;
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (logits.getDouble(r * classes + c) > logits.getDouble(r * classes + best)) {
          best = c;
        }
      }
      correct += best == labels.getLong(firstRow + r) ? 1 : 0;
    }
    return correct;
  }
}
