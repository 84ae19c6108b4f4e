package org.qforge.bench.model;

/** One way to run a model on one batch: the thing a benchmark times. */
public interface Engine extends AutoCloseable {

  /** Runs one batch from {@code input} into {@code output}. */
  void run(float[] input, float[] output) throws Exception;

  @Override
  default void close() throws Exception {}
}
