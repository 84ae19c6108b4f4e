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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qforge demo}: the main job on the example model shipped in {@code examples/}. For now it
 * imports the model and measures the fp32 reference interpreter; quantization and compiled jars join
 * the table as the {@code quantize} and {@code compile} commands land.
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
    Graph g = ModelLoader.load(dir.resolve("model.pt2"));
    Tensor x = Npy.read(dir.resolve("test_inputs.npy"));
    Tensor labels = Npy.read(dir.resolve("test_labels.npy"));
    BatchRunner runner = new BatchRunner(g);
    int groups = runner.groups(x, dir.resolve("test_inputs.npy").toString());
    int b = runner.batchSize();
    out.printf("qforge demo: %s (%s), %d test samples%n", dir.getFileName(), dir, groups * b);
    out.flush();

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
    double medianUs = nanos[groups / 2] / 1000.0 / b;
    out.printf("%-28s %9s %18s%n", "engine", "accuracy", "latency/sample");
    out.printf("%-28s %8.1f%% %15.1f us%n", "fp32, reference interpreter", 100.0 * correct / (groups * b),
        medianUs);
    out.println("(int8 quantization and compiled jars join this table with the quantize and compile commands)");
    out.flush();
    return 0;
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
