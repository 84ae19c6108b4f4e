package org.qforge.codegen;

import java.util.LinkedHashMap;
import java.util.Map;
import org.qforge.codegen.asm.AsmModelEmitter;
import org.qforge.codegen.jar.JarWriter;
import org.qforge.codegen.jar.ModelLayout;
import org.qforge.codegen.jar.RuntimeClasses;
import org.qforge.codegen.javapoet.InMemoryJavac;
import org.qforge.codegen.javapoet.JavaPoetModelEmitter;
import org.qforge.codegen.kernels.Kernels;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Graph;
import org.qforge.ir.verify.Verifier;

/**
 * Compiles a program (a graph ready for execution: fp32 ops, or integer ops after lowering) into a
 * self-contained jar with one of two backends that share everything up to the last step: the
 * {@link ExecutionPlan} (slots and scratch memory), the kernels in the loop language, and the class
 * structure. ASM writes class files directly; JavaPoet writes Java sources that javac compiles.
 */
public final class JarCompiler {

  /** The code generator. */
  public enum Backend {
    ASM,
    JAVAPOET
  }

  /**
   * What to build.
   *
   * @param className fully qualified name of the generated class
   * @param backend which backend writes the classes
   * @param description a paragraph on the model and its quantization, for the class's Javadoc
   * @param qforgeVersion recorded in the manifest
   */
  public record Options(String className, Backend backend, String description, String qforgeVersion) {}

  /**
   * A compiled model.
   *
   * @param jar the jar's bytes
   * @param sources the generated Java sources by internal name (JavaPoet backend only; empty for ASM)
   * @param peakScratchBytes scratch memory one model instance allocates
   * @param weightBytes memory the loaded weights take (scales, biases and zero points included)
   * @param int8WeightBytes the 8-bit weights among them
   * @param lookupTableBytes memory the loaded lookup tables take, apart from the weights (see {@code DerivedConstants})
   * @param steps number of kernels
   */
  public record Result(byte[] jar, Map<String, String> sources, long peakScratchBytes, long weightBytes,
      long int8WeightBytes, long lookupTableBytes, int steps) {}

  private JarCompiler() {}

  /** Compiles {@code program}, which must verify and have one f32 input and output. */
  public static Result compile(Graph program, Options options) {
    Verifier.verify(program);
    ExecutionPlan plan = ExecutionPlan.of(program, Kernels::workspace, Kernels::relayout, Kernels::derivedConstant);
    ModelLayout layout = ModelLayout.of(options.className(), options.description(), plan);
    Map<String, byte[]> classes = new LinkedHashMap<>();
    Map<String, String> sources = Map.of();
    if (options.backend() == Backend.ASM) {
      classes.putAll(AsmModelEmitter.emit(layout));
      classes.putAll(RuntimeClasses.relocated(layout));
    } else {
      sources = JavaPoetModelEmitter.sources(layout);
      classes.putAll(InMemoryJavac.compile(sources));
    }
    byte[] jar = JarWriter.write(layout, classes, options.qforgeVersion());
    return new Result(jar, sources, plan.peakScratchBytes(), plan.weightBytes(), plan.int8WeightBytes(),
        plan.lookupTableBytes(), layout.kernels().size());
  }
}
