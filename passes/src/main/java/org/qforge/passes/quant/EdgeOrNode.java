package org.qforge.passes.quant;

import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * What a quantization spec is attached to, PT2E's {@code EdgeOrNode}: an input edge (the value an
 * argument carries into a consumer node) or a node's output. Equality is by identity of the IR
 * objects, as FX nodes compare.
 */
public sealed interface EdgeOrNode permits EdgeOrNode.Edge, EdgeOrNode.Output {

  /** The value this edge or output carries. */
  Value value();

  /**
   * An input edge: {@code value} flowing into {@code consumer}.
   *
   * @param value the argument (a node result, a graph input or a constant)
   * @param consumer the annotated node that takes it
   */
  record Edge(Value value, Node consumer) implements EdgeOrNode {
    @Override
    public String toString() {
      return "(%" + value.name() + " -> %" + consumer.name() + ")";
    }
  }

  /**
   * A node's output.
   *
   * @param value the node's (single) result
   */
  record Output(Value value) implements EdgeOrNode {
    @Override
    public String toString() {
      return "%" + value.name();
    }
  }

  static Edge edge(Value value, Node consumer) {
    return new Edge(value, consumer);
  }

  static Output output(Node node) {
    return new Output(node.result());
  }
}
