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

    Path work = tempDir();
    JarModel fp32Jar = compile(out, work, "fp32", copyOf(fp32), false);
    JarModel int8Jar = int8 == null ? null : compile(out, work, "int8", copyOf(int8), true);
    // The same int8 jar on the Vector API kernels, when this JVM has the module (./qforge demo adds it).
    boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    JarModel int8VectorJar = int8Jar == null || !vectorModule ? null : JarModel.open(work.resolve("int8.jar"), true);

    if (fp32.inputs().get(0).type().dim(0) != 1) {
      throw new QforgeException(dir.resolve("model.pt2") + ": the demo runs models exported with batch size 1");
    }
    int classes = fp32.outputs().get(0).type().numelInt();
    out.printf("%-44s %9s %18s%n", "engine", "accuracy", "latency/sample");
    row(out, "fp32, reference interpreter", interpreter(fp32), x, labels, classes);
    if (int8 != null) {
      row(out, "int8 (q/dq), reference interpreter", interpreter(int8), x, labels, classes);
    }
    if (fp32Jar != null) {
      row(out, "fp32, compiled jar (asm)", fp32Jar::run, x, labels, classes);
      fp32Jar.close();
    }
    if (int8Jar != null) {
      row(out, "int8, compiled jar (asm, scalar loops)", int8Jar::run, x, labels, classes);
      int8Jar.close();
    }
    if (int8VectorJar != null) {
      row(out, "int8, compiled jar (asm, Vector API kernels)", int8VectorJar::run, x, labels, classes);
      int8VectorJar.close();
    }
    out.flush();
    return 0;
  }

  /** Runs one batch. */
  private interface Engine {
    void run(float[] in, float[] out);
  }

  private static Engine interpreter(Graph g) {
    BatchRunner runner = new BatchRunner(g);
    return (in, out) -> {
      Tensor y = runner.runGroup(Tensor.ofFloats(in, g.inputs().get(0).type().dims()));
      System.arraycopy(y.floats(), 0, out, 0, out.length);
    };
  }

  private static Graph copyOf(Graph g) {
    return org.qforge.ir.text.IrParser.parse(org.qforge.ir.text.IrPrinter.printWithData(g), g.name() + ".qir");
  }

  private static Path tempDir() {
    try {
      Path d = Files.createTempDirectory("qforge-demo");
      d.toFile().deleteOnExit();
      return d;
    } catch (java.io.IOException e) {
      throw new QforgeException("cannot create a temporary directory: " + e.getMessage(), e);
    }
  }

  /** Compiles {@code g} (lowering it to integer ops if quantized) into a jar and opens it. */
  private static JarModel compile(PrintWriter out, Path dir, String label, Graph g, boolean quantized) {
    long t0 = System.nanoTime();
    if (quantized) {
      new org.qforge.passes.lower.LowerToIntegerOps().run(g);
    } else {
      new org.qforge.passes.quant.FuseConvBatchNorm().run(g);
      new org.qforge.passes.EliminateDeadCode().run(g);
    }
    try {
      org.qforge.codegen.JarCompiler.Result r = org.qforge.codegen.JarCompiler.compile(g,
          new org.qforge.codegen.JarCompiler.Options("qforge.demo.Digits" + label.toUpperCase(java.util.Locale.ROOT),
              org.qforge.codegen.JarCompiler.Backend.ASM, "qforge demo model, " + label, Version.current()));
      Path jar = dir.resolve(label + ".jar");
      Files.write(jar, r.jar());
      jar.toFile().deleteOnExit();
      out.printf("compiled the %s model: %d kernels, %.1f KiB jar, %.1f KiB scratch, in %.2f s%n", label, r.steps(),
          r.jar().length / 1024.0, r.peakScratchBytes() / 1024.0, (System.nanoTime() - t0) / 1e9);
      return JarModel.open(jar, false);
    } catch (QforgeException | java.io.IOException e) {
      out.printf("could not compile the %s model: %s%n", label, e.getMessage());
      return null;
    }
  }

  /**
   * Passes over the test set run untimed first until this much time has gone by (at least one): C2
   * compiles a jar's Vector API kernels only after ~1.5 s of runs for the demo model (~3.5 s for
   * resnet20), and until then they run boxed, slower than the scalar loops.
   */
  private static final long WARM_UP_NANOS = 3_000_000_000L;

  /** Measures accuracy and median latency per sample of one engine (on its last pass) and prints its row. */
  private static void row(PrintWriter out, String engine, Engine e, Tensor x, Tensor labels, int classes) {
    int rows = x.type().dim(0);
    int per = x.numel() / rows;
    float[] in = new float[per];
    float[] y = new float[classes];
    long[] nanos = new long[rows];
    int correct = 0;
    long start = System.nanoTime();
    boolean timed = false;
    while (!timed) {
      timed = System.nanoTime() - start >= WARM_UP_NANOS;
      correct = 0;
      for (int r = 0; r < rows; r++) {
        System.arraycopy(x.floats(), r * per, in, 0, per);
        long t0 = System.nanoTime();
        e.run(in, y);
        nanos[r] = System.nanoTime() - t0;
        correct += argmax(y) == labels.getLong(r) ? 1 : 0;
      }
    }
    Arrays.sort(nanos);
    out.printf("%-44s %8.1f%% %15.1f us%n", engine, 100.0 * correct / rows, nanos[rows / 2] / 1000.0);
    out.flush();
  }

  private static int argmax(float[] y) {
    int best = 0;
    for (int c = 1; c < y.length; c++) {
      if (y[c] > y[best]) {
        best = c;
      }
    }
    return best;
  }


}
