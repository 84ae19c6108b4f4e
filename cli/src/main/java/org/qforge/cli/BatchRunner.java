package org.qforge.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;

/**
 * Runs a one-input, one-output graph over the samples of a tensor as the contract says: the graph
 * has a static batch size {@code B} (dimension 0 of its input), the samples are fed in consecutive
 * groups of {@code B} rows, and the outputs are concatenated along dimension 0.
 */
final class BatchRunner {
  private final Graph graph;
  private final Value input;
  private final Interpreter interpreter;

  BatchRunner(Graph graph) {
    if (graph.inputs().size() != 1 || graph.outputs().size() != 1) {
      throw new QforgeException("graph " + graph.name() + " has " + graph.inputs().size() + " inputs and "
          + graph.outputs().size() + " outputs; running from .npy files needs exactly one of each");
    }
    this.graph = graph;
    this.input = graph.inputs().get(0);
    if (input.type().rank() == 0) {
      throw new QforgeException("graph " + graph.name() + " takes a scalar input; it has no batch dimension");
    }
    this.interpreter = new Interpreter(graph);
  }

  /** The graph's static batch size. */
  int batchSize() {
    return input.type().dim(0);
  }

  /** Checks {@code x} (from {@code source}) against the graph's input and returns the number of groups. */
  int groups(Tensor x, String source) {
    TensorType want = input.type();
    TensorType got = x.type();
    List<Integer> sampleShape = want.shape().subList(1, want.rank());
    if (got.rank() != want.rank() || !got.shape().subList(1, got.rank()).equals(sampleShape)) {
      throw new QforgeException(source + ": samples have shape " + (got.rank() == 0 ? "[]"
          : got.shape().subList(1, got.rank())) + " (array " + got + "), but input %" + input.name()
          + " of " + graph.name() + " takes samples of shape " + sampleShape + " (input " + want + ")");
    }
    if (got.dtype() != want.dtype()) {
      throw new QforgeException(source + ": holds " + got.dtype() + " data, but input %" + input.name()
          + " of " + graph.name() + " is " + want.dtype());
    }
    int rows = got.dim(0);
    int b = batchSize();
    if (rows == 0) {
      throw new QforgeException(source + ": holds no samples");
    }
    if (rows % b != 0) {
      throw new QforgeException(source + ": " + rows + " samples is not a multiple of the model's batch size "
          + b + "; give a multiple of " + b + " rows");
    }
    return rows / b;
  }

  /** Runs every group of {@code x} and concatenates the outputs; {@code progress} gets each finished group. */
  Tensor run(Tensor x, String source, IntConsumer progress) {
    int n = groups(x, source);
    int b = batchSize();
    List<Tensor> outs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      outs.add(runGroup(x.sliceRows(i * b, b)));
      progress.accept(i + 1);
    }
    return Tensor.concatRows(outs);
  }

  /** Runs one group of exactly {@code B} rows. */
  Tensor runGroup(Tensor group) {
    Tensor out = interpreter.run(List.of(group)).get(0);
    if (out.type().rank() == 0) {
      throw new QforgeException("graph " + graph.name() + " returns a scalar; outputs need a batch dimension");
    }
    return out;
  }
}
