package org.qforge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qforge.codegen.JarCompiler;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.io.AtomicFiles;
import org.qforge.ir.text.QirFiles;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.PassPipeline;
import org.qforge.passes.quant.FuseConvBatchNorm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qforge compile}: a model (fp32, or quantized with the quantize flags) to a dependency-free
 * jar whose {@code Main-Class} runs {@code .npy} files.
 */
@Command(name = "compile", description = "Compile a model ahead of time into a dependency-free jar.")
final class CompileCommand implements Callable<Integer> {

  /** The code generator to use. */
  enum BackendName {
    asm,
    javapoet
  }

  @Parameters(index = "0", paramLabel = "MODEL", description = "A .pt2 archive or a .qir program.")
  Path model;

  @Option(names = "--fp32", description = "Compile the float model as it is (batch norm folded), no quantization.")
  boolean fp32;

  @Mixin
  QuantizeOptions quant;

  @Option(names = "--backend", paramLabel = "asm|javapoet", description = "Code generator (default: asm).")
  BackendName backend = BackendName.asm;

  @Option(names = "--class-name", paramLabel = "NAME",
      description = "Fully qualified name of the generated class (default: qforge.generated.<Model>).")
  String className;

  @Option(names = "--emit-qir", paramLabel = "LOWERED.qir", description = "Also save the program exactly as compiled.")
  Path emitQir;

  @Option(names = "--emit-source", paramLabel = "DIR",
      description = "Also write the generated Java sources (javapoet backend) under DIR.")
  Path emitSource;

  @Option(names = "--output", required = true, paramLabel = "OUT.jar", description = "The jar to write.")
  Path output;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (emitSource != null && backend != BackendName.javapoet) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--emit-source needs --backend javapoet (the asm backend writes no sources)");
    }
    boolean qir = model.getFileName().toString().endsWith(".qir");
    Graph g = ModelLoader.load(model);
    String description;
    if (fp32 || (qir && quant.calibration == null && !quant.dynamic)) {
      PassPipeline.builder().add(new FuseConvBatchNorm()).add(new EliminateDeadCode())
          .printIrAfterAll(quant.irSink(spec.commandLine().getErr())).build().run(g);
      description = "fp32";
    } else {
      quant.quantize(g, spec.commandLine());
      // Compiled int8 programs use qforge's integer forms (round half to even), also when
      // --reference-representation is given: PyTorch's reference representation is a program for
      // reading, and its integer parts are what these kernels compute.
      PassPipeline.builder().add(new org.qforge.passes.lower.LowerToIntegerOps())
          .printIrAfterAll(quant.irSink(spec.commandLine().getErr())).build().run(g);
      description = quant.describe() + ", lowered to integer kernels";
    }
    String name = className != null ? className : defaultClassName(model);
    if (!name.matches("([A-Za-z_$][A-Za-z0-9_$]*\\.)*[A-Za-z_$][A-Za-z0-9_$]*")) {
      throw new QforgeException("--class-name " + name + " is not a Java class name");
    }
    long t0 = System.nanoTime();
    JarCompiler.Result r = JarCompiler.compile(g, new JarCompiler.Options(name,
        backend == BackendName.asm ? JarCompiler.Backend.ASM : JarCompiler.Backend.JAVAPOET,
        "Model " + model.getFileName() + ", " + description + ", compiled by qforge " + Version.current() + ".",
        Version.current()));
    if (emitQir != null) {
      QirFiles.write(g, emitQir);
    }
    if (emitSource != null) {
      for (Map.Entry<String, String> e : r.sources().entrySet()) {
        Path file = emitSource.resolve(e.getKey() + ".java");
        try {
          Files.createDirectories(file.getParent());
        } catch (IOException ex) {
          throw new QforgeException(file.getParent() + ": cannot create directory: " + ex.getMessage(), ex);
        }
        AtomicFiles.write(file, e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    AtomicFiles.write(output, r.jar());
    String weights = r.int8WeightBytes() == 0 ? String.format(Locale.ROOT, "%.1f KiB weights", r.weightBytes() / 1024.0)
        : String.format(Locale.ROOT, "%.1f KiB weights (%.2fx the %.1f KiB of int8)", r.weightBytes() / 1024.0,
            (double) r.weightBytes() / r.int8WeightBytes(), r.int8WeightBytes() / 1024.0);
    if (r.lookupTableBytes() > 0) {
      weights += String.format(Locale.ROOT, " + %.1f KiB lookup tables", r.lookupTableBytes() / 1024.0);
    }
    spec.commandLine().getErr().printf(Locale.ROOT, "qforge: %s: %d kernels, %.1f KiB jar, %s, %.1f KiB scratch per"
        + " instance, compiled in %.2f s%n", output, r.steps(), r.jar().length / 1024.0, weights,
        r.peakScratchBytes() / 1024.0, (System.nanoTime() - t0) / 1e9);
    spec.commandLine().getErr().flush();
    return 0;
  }

  /** {@code qforge.generated.<Stem>} from the model's file name, made a valid Java identifier. */
  static String defaultClassName(Path model) {
    String stem = model.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    StringBuilder sb = new StringBuilder();
    boolean upper = true;
    for (char c : stem.toCharArray()) {
      if (Character.isLetterOrDigit(c)) {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      } else {
        upper = true;
      }
    }
    if (sb.length() == 0 || !Character.isLetter(sb.charAt(0))) {
      sb.insert(0, "Model");
    }
    return "qforge.generated." + sb;
  }
}
