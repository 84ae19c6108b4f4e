package org.qforge.passes.pattern;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * One occurrence of a pattern in a graph, as {@code torch.fx}'s {@code InternalMatch}.
 *
 * <ul>
 *   <li>{@link #nodesMap()}: each pattern node to the graph node it matched;
 *   <li>{@link #placeholderNodes()}: what each pattern input (placeholder) bound to, in pattern input
 *       order: a graph {@link Value} or a literal;
 *   <li>{@link #returningNodes()}: the graph values (or literals) standing for the pattern's outputs;
 *   <li>{@link #nameNodeMap()}: the images of the pattern's named nodes.
 * </ul>
 *
 * The maps are mutable only while the matcher builds the match and while the rewriter redirects
 * bindings to replacement nodes of earlier matches (FX's {@code match_changed_node}).
 */
public final class InternalMatch {
  private final List<Node> anchors;
  final Map<Node, Node> nodesMap;
  final Map<Value, Argument> placeholderMap;
  final Map<Object, Object> claimed;
  List<Argument> placeholderNodes = List.of();
  List<Argument> returningNodes = List.of();
  Map<String, Node> nameNodeMap = Map.of();

  InternalMatch(List<Node> anchors) {
    this.anchors = anchors;
    this.nodesMap = new LinkedHashMap<>();
    this.placeholderMap = new LinkedHashMap<>();
    this.claimed = new IdentityHashMap<>();
  }

  private InternalMatch(InternalMatch other) {
    this.anchors = other.anchors;
    this.nodesMap = new LinkedHashMap<>(other.nodesMap);
    this.placeholderMap = new LinkedHashMap<>(other.placeholderMap);
    this.claimed = new IdentityHashMap<>(other.claimed);
  }

  /** A copy sharing the anchors, as FX's {@code __copy__}. */
  InternalMatch copy() {
    return new InternalMatch(this);
  }

  /** The pattern nodes from which the match was found. */
  public List<Node> anchors() {
    return anchors;
  }

  /** Pattern node to graph node. */
  public Map<Node, Node> nodesMap() {
    return Collections.unmodifiableMap(nodesMap);
  }

  /** Pattern input to what it bound: a graph value or a literal. */
  public Map<Value, Argument> placeholderMap() {
    return Collections.unmodifiableMap(placeholderMap);
  }

  /** The bindings of the pattern's inputs, in the pattern's input order. */
  public List<Argument> placeholderNodes() {
    return Collections.unmodifiableList(placeholderNodes);
  }

  /** The graph values standing for the pattern's outputs, in order. */
  public List<Argument> returningNodes() {
    return Collections.unmodifiableList(returningNodes);
  }

  /** Graph nodes matched by the pattern's named nodes. */
  public Map<String, Node> nameNodeMap() {
    return Collections.unmodifiableMap(nameNodeMap);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("InternalMatch{");
    nodesMap.forEach((p, g) -> sb.append('%').append(p.name()).append("->%").append(g.name()).append(' '));
    return sb.append('}').toString();
  }
}
