package org.qforge.passes.pattern;

import java.util.List;
import java.util.Map;
import org.qforge.ir.Node;

/**
 * One rewrite done by {@link SubgraphRewriter}: FX's {@code ReplacedPatterns}.
 *
 * @param anchor the pattern anchor the match was found from (a node of the pattern graph)
 * @param nodesMap pattern node to the graph node it matched (those graph nodes are now erased)
 * @param replacements the nodes the rewrite inserted, in order
 * @param match the full match, including placeholder bindings and named nodes
 */
public record ReplacedPattern(Node anchor, Map<Node, Node> nodesMap, List<Node> replacements, InternalMatch match) {
  public ReplacedPattern {
    nodesMap = Map.copyOf(nodesMap);
    replacements = List.copyOf(replacements);
  }
}
