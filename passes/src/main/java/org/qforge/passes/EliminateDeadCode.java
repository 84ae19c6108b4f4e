package org.qforge.passes;

import java.util.List;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * Removes nodes whose results nobody uses, then constants nobody uses: {@code torch.fx}'s
 * {@code Graph.eliminate_dead_code()}, which PT2E calls after its rewrites.
 *
 * <p>Requires: a verified graph. Guarantees: every remaining node has a used result, is a graph
 * output, or mutates an argument (impure, like FX's mutable-schema ops: {@code aten.add_},
 * training-mode batch norm); every remaining constant is used. Inputs are kept even if unused.
 */
public final class EliminateDeadCode implements Pass {

  @Override
  public String name() {
    return "eliminate-dead-code";
  }

  @Override
  public void run(Graph graph) {
    List<Node> nodes = graph.nodes();
    // Reverse order: erasing a node can make its producers dead in the same sweep.
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (isDead(graph, n)) {
        graph.erase(n);
      }
    }
    for (String name : List.copyOf(graph.constants().keySet())) {
      Value v = graph.constant(name).value();
      if (!v.hasUsers() && !graph.outputs().contains(v)) {
        graph.removeConstant(name);
      }
    }
  }

  private static boolean isDead(Graph graph, Node n) {
    if (!n.op().mutatedParams().isEmpty()) {
      return false;
    }
    for (Value r : n.results()) {
      if (r.hasUsers() || graph.outputs().contains(r)) {
        return false;
      }
    }
    return true;
  }
}
