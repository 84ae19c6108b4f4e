package org.qforge.codegen.runtime;

/** What every compiled model class offers; {@link NpyMain} drives it from the command line. */
public interface CompiledModel {

  /** Input shape, batch dimension first. */
  int[] inputShape();

  /** Output shape, batch dimension first. */
  int[] outputShape();

  /** Runs one batch: {@code input} and {@code output} are row-major and exactly the shapes' sizes. */
  void run(float[] input, float[] output);
}
