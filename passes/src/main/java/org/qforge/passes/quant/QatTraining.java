package org.qforge.passes.quant;

import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;
import org.qforge.passes.quant.observer.FusedMovingAvgObsFakeQuantize;
import org.qforge.passes.quant.observer.Observer;

/**
 * The training half of PT2E's QAT flow as the reference data runs it: after {@code prepare_qat_pt2e},
 * one forward pass per batch in train mode, no optimizer step. Every {@code qforge.observe} node whose
 * observer is a {@link FusedMovingAvgObsFakeQuantize} replaces its value by the fake-quantized one
 * (later nodes compute on it, as in PyTorch); other observers only watch. Training-mode batch norms
 * use batch statistics and update their running statistics and {@code num_batches_tracked}; those
 * buffers are written back into the graph at the end, as PyTorch's in-place updates leave them in
 * the module.
 *
 * <p>Requires a graph prepared with a QAT config. Guarantees afterwards: the observers hold the
 * running ranges of all batches, the graph's buffers hold the updated statistics.
 */
public final class QatTraining {
  private QatTraining() {}

  /**
   * Runs {@code batches} ({@code [K, B, ...]}, each {@code [B, ...]} the graph's input type) through
   * {@code observed}; {@code progress} receives the number of batches done.
   *
   * @throws QforgeException for no batches, a batch shape that does not fit, or NaN/infinity (naming
   *     the batch)
   */
  public static void run(ObservedGraph observed, Tensor batches, String source, IntConsumer progress) {
    Graph g = observed.graph();
    Value input = g.inputs().get(0);
    List<Integer> want = input.type().shape();
    int rank = batches.type().rank();
    if (rank != want.size() + 1 || !batches.type().shape().subList(1, rank).equals(want)
        || batches.dtype() != input.type().dtype()) {
      throw new QforgeException(source + ": training batches are " + batches.type() + " but input %" + input.name()
          + " takes " + input.type() + " per batch; give [K, " + String.join(", ", want.stream().map(String::valueOf)
          .toList()) + "]");
    }
    int count = batches.type().dim(0);
    if (count == 0) {
      throw new QforgeException(source + ": there are no training batches; give at least one");
    }
    FiniteRows.require(batches, count, source, "batch", "training");
    Interpreter interpreter = new Interpreter(g);
    for (int k = 0; k < count; k++) {
      Tensor batch = batches.sliceRows(k, 1).reshape(input.type().dims());
      interpreter.intercept(List.of(batch), (node, results) -> {
        if (!node.op().name().equals("qforge.observe")) {
          return results;
        }
        Observer o = observed.observerOf(node);
        if (o instanceof FusedMovingAvgObsFakeQuantize fq) {
          return List.of(fq.forward(results.get(0)));
        }
        o.observe(results.get(0));
        return results;
      });
      progress.accept(k + 1);
    }
    for (Map.Entry<String, Tensor> b : interpreter.buffers().entrySet()) {
      g.setConstantData(b.getKey(), b.getValue());
    }
  }
}
