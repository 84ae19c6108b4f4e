package org.qforge.codegen.runtime;

/**
 * Whether a compiled model runs its integer matrix kernels on the Vector API ({@link
 * Int8VectorKernels}) or on its plain scalar loops. Both give bit-identical results (integer sums
 * are exact in any order); the Vector API ones are several times faster.
 *
 * <p>The incubator module {@code jdk.incubator.vector} must be on the module graph, which a jar
 * manifest cannot arrange: {@code java --add-modules jdk.incubator.vector -jar model.jar ...}.
 * Without it, plain {@code java -jar} runs the scalar loops. This class refers to no vector type, so
 * reading {@link #ENABLED} never loads the incubator classes; {@code -Dqforge.vectorApi=false} forces
 * the scalar loops (for comparisons).
 */
public final class VectorSupport {
  /** True if the Vector API kernels run. */
  public static final boolean ENABLED = !"false".equals(System.getProperty("qforge.vectorApi"))
      && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private VectorSupport() {}
}
