package org.qforge.passes.pattern;

import java.util.Map;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;

/**
 * A pattern (or replacement) graph: its inputs are the placeholders, its outputs the values the
 * pattern returns. {@code namedNodes} are pattern nodes a pass wants to find again in each match,
 * as {@code SubgraphMatcherWithNameNodeMap} does with the dict a pattern function returns.
 *
 * @param graph the pattern graph
 * @param namedNodes nodes of {@code graph} by the name the pattern gave them, in naming order
 */
public record Pattern(Graph graph, Map<String, Node> namedNodes) {
  public Pattern {
    namedNodes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(namedNodes));
    for (Node n : namedNodes.values()) {
      if (n.graph() != graph) {
        throw new IllegalArgumentException("named node %" + n.name() + " is not in pattern " + graph.name());
      }
    }
  }

  /** A pattern without named nodes. */
  public static Pattern of(Graph graph) {
    return new Pattern(graph, Map.of());
  }
}
