package org.qforge.passes.quant;

import java.util.function.IntConsumer;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;

/**
 * Calibration: runs an observed graph on samples with the reference interpreter so that every
 * observer sees the tensors flowing past it, as PyTorch's calibration loop does by calling the
 * prepared model. Samples are fed in consecutive groups of the graph's batch size, in order.
 */
public final class Calibration {
  private Calibration() {}

  /**
   * Feeds {@code samples} ({@code [N, ...]}, rows grouped by the graph's batch size) through
   * {@code observed}; {@code progress} receives the number of groups done.
   *
   * @throws QforgeException for an empty set, a shape that does not fit, or a NaN/infinite value
   *     (naming the sample)
   */
  public static void run(ObservedGraph observed, Tensor samples, String source, IntConsumer progress) {
    Value input = observed.graph().inputs().get(0);
    int batch = input.type().dim(0);
    int rows = samples.type().rank() == 0 ? 0 : samples.type().dim(0);
    if (rows == 0) {
      throw new QforgeException(source + ": the calibration set is empty; give at least one sample");
    }
    if (!samples.type().shape().subList(1, samples.type().rank())
        .equals(input.type().shape().subList(1, input.type().rank())) || samples.dtype() != input.type().dtype()) {
      throw new QforgeException(source + ": calibration samples are " + samples.type() + " but input %"
          + input.name() + " takes " + input.type() + " per group of " + batch);
    }
    if (rows % batch != 0) {
      throw new QforgeException(source + ": " + rows + " calibration samples is not a multiple of the model's batch size "
          + batch);
    }
    FiniteRows.require(samples, rows, source, "sample", "calibration");
    Interpreter interpreter = new Interpreter(observed.graph());
    for (int g = 0; g < rows / batch; g++) {
      interpreter.run(java.util.List.of(samples.sliceRows(g * batch, batch)), (node, results) -> {
        if (node.op().name().equals("qforge.observe")) {
          observed.observerOf(node).observe(results.get(0));
        }
      });
      progress.accept(g + 1);
    }
  }
}
