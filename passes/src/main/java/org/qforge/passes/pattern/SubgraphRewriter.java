package org.qforge.passes.pattern;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * Replaces occurrences of a pattern by a replacement graph, with the semantics of {@code torch.fx}'s
 * {@code replace_pattern}, {@code replace_pattern_with_filters} and {@code _replace_pattern}
 * ({@code torch/fx/subgraph_rewriter.py}):
 *
 * <ol>
 *   <li>match with {@link SubgraphMatcher} (placeholders as wildcards, overlapping matches removed,
 *       literals compared unless ignored);
 *   <li>apply the filters to the remaining matches (after overlap removal, so a filtered-out match
 *       may still have suppressed one it overlapped);
 *   <li>for each surviving match in order: bind the replacement's inputs positionally to the match's
 *       placeholder bindings (redirected to the replacement of an earlier match where a bound value was
 *       itself replaced); copy the replacement's nodes before the first user, in graph order, of any
 *       value the match returns (at the end of the graph when the only uses are graph outputs; right
 *       after the last returning node when there are none); point every use of each returned value at
 *       the replacement's corresponding output; erase the matched nodes in reverse pattern order.
 * </ol>
 *
 * Copied nodes take the replacement node's name (made unique in the graph, FX style), its metadata,
 * and result types inferred afresh from their actual arguments. Replacement constants are added to
 * the graph as new constants.
 */
public final class SubgraphRewriter {
  private SubgraphRewriter() {}

  /** FX's {@code replace_pattern}: rewrites every non-overlapping match and returns them. */
  public static List<ReplacedPattern> replacePattern(Graph graph, Pattern pattern, Pattern replacement) {
    return replacePatternWithFilters(graph, pattern, replacement, List.of(), false, null);
  }

  /**
   * FX's {@code replace_pattern_with_filters}.
   *
   * @param replacement the common replacement; may be null when {@code callback} is given
   * @param filters all must accept a match for it to be rewritten
   * @param ignoreLiterals passed to the matcher
   * @param callback if not null, chooses the replacement for each match
   */
  public static List<ReplacedPattern> replacePatternWithFilters(Graph graph, Pattern pattern, Pattern replacement,
      List<MatchFilter> filters, boolean ignoreLiterals, ReplacementCallback callback) {
    return replacePatternWithFilters(graph, pattern, replacement, filters, ignoreLiterals, callback,
        org.qforge.ir.OpDef::name);
  }

  /** As above, comparing ops by {@code opKey} (see {@link SubgraphMatcher}). */
  public static List<ReplacedPattern> replacePatternWithFilters(Graph graph, Pattern pattern, Pattern replacement,
      List<MatchFilter> filters, boolean ignoreLiterals, ReplacementCallback callback,
      java.util.function.Function<org.qforge.ir.OpDef, String> opKey) {
    if (replacement == null && callback == null) {
      throw new IllegalArgumentException("a replacement or a replacement callback is required");
    }
    SubgraphMatcher matcher = new SubgraphMatcher(pattern, MatcherOptions.DEFAULT.withIgnoreLiterals(ignoreLiterals),
        opKey);
    List<InternalMatch> matches = new ArrayList<>();
    for (InternalMatch m : matcher.match(graph)) {
      if (filters.stream().allMatch(f -> f.test(m, graph, pattern.graph()))) {
        matches.add(m);
      }
    }
    Map<Value, Value> changed = new IdentityHashMap<>();
    List<ReplacedPattern> out = new ArrayList<>();
    for (InternalMatch m : matches) {
      Pattern r = callback != null ? callback.replacementFor(m, graph, pattern.graph()) : replacement;
      out.add(rewrite(graph, pattern.graph(), r.graph(), m, changed));
    }
    return out;
  }

  private static ReplacedPattern rewrite(Graph graph, Graph pattern, Graph replacement, InternalMatch m,
      Map<Value, Value> changed) {
    List<Value> rInputs = replacement.inputs();
    if (rInputs.size() != m.placeholderNodes.size()) {
      throw new IllegalArgumentException("replacement " + replacement.name() + " takes " + rInputs.size()
          + " inputs but pattern " + pattern.name() + " has " + m.placeholderNodes.size() + " placeholders");
    }
    // Redirect bindings to values an earlier rewrite replaced.
    List<Argument> bindings = new ArrayList<>();
    for (int i = 0; i < m.placeholderNodes.size(); i++) {
      Argument a = m.placeholderNodes.get(i);
      if (a instanceof Value v && changed.containsKey(v)) {
        a = changed.get(v);
        m.placeholderMap.put(pattern.inputs().get(i), a);
      }
      bindings.add(a);
    }
    m.placeholderNodes = bindings;

    Map<Value, Argument> valMap = new IdentityHashMap<>();
    for (int i = 0; i < rInputs.size(); i++) {
      valMap.put(rInputs.get(i), bindings.get(i));
    }
    for (Constant c : replacement.constants().values()) {
      valMap.put(c.value(), graph.addConstant(c.name(), c.kind(), c.fqn(), c.tensor()));
    }

    List<Value> returning = new ArrayList<>();
    for (Argument a : m.returningNodes) {
      if (a instanceof Value v) {
        returning.add(v);
      }
    }
    Node before = insertionPoint(graph, returning);

    List<Node> copied = new ArrayList<>();
    for (Node rn : replacement.nodes()) {
      List<Argument> args = new ArrayList<>();
      for (Argument a : rn.args()) {
        args.add(mapArgument(a, valMap));
      }
      List<TensorType> types = rn.op().shapeFunction().infer(new NodeArgs(rn.op(), args));
      List<String> names = rn.results().stream().map(Value::name).toList();
      Node n = before == null
          ? graph.addNode(rn.op(), args, names, types, rn.metadata())
          : graph.insertBefore(before, rn.op(), args, names, types, rn.metadata());
      for (int i = 0; i < rn.results().size(); i++) {
        valMap.put(rn.results().get(i), n.results().get(i));
      }
      copied.add(n);
    }

    List<Value> rOutputs = replacement.outputs();
    if (rOutputs.size() != m.returningNodes.size()) {
      throw new IllegalArgumentException("replacement " + replacement.name() + " returns " + rOutputs.size()
          + " values but pattern " + pattern.name() + " returns " + m.returningNodes.size());
    }
    for (int i = 0; i < rOutputs.size(); i++) {
      if (m.returningNodes.get(i) instanceof Value ret && valMap.get(rOutputs.get(i)) instanceof Value to
          && ret != to) {
        graph.replaceAllUses(ret, to);
        changed.put(ret, to);
      }
    }

    List<Node> patternNodes = new ArrayList<>(pattern.nodes());
    Collections.reverse(patternNodes);
    for (Node pn : patternNodes) {
      // With ignoreLiterals a pattern node may have been matched against a literal and have no image.
      Node gn = m.nodesMap.get(pn);
      if (gn != null) {
        graph.erase(gn);
      }
    }
    Node anchor = m.anchors().isEmpty() ? null : m.anchors().get(0);
    return new ReplacedPattern(anchor, m.nodesMap, copied, m);
  }

  private static Argument mapArgument(Argument a, Map<Value, Argument> valMap) {
    if (a instanceof Value v) {
      return valMap.get(v);
    }
    if (a instanceof ValueList vl) {
      List<Value> vs = new ArrayList<>();
      for (Value v : vl.values()) {
        if (!(valMap.get(v) instanceof Value mapped)) {
          throw new IllegalArgumentException("replacement puts %" + v.name() + ", bound to a literal, in a list");
        }
        vs.add(mapped);
      }
      return new ValueList(vs);
    }
    return a;
  }

  /**
   * The node before which replacement nodes go: the first user in graph order of any returned value;
   * null (append) when the returned values are only graph outputs; else the node after the last
   * returned one.
   */
  private static Node insertionPoint(Graph graph, List<Value> returning) {
    Set<Node> users = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Value v : returning) {
      users.addAll(v.users());
    }
    List<Node> nodes = graph.nodes();
    if (!users.isEmpty()) {
      for (Node n : nodes) {
        if (users.contains(n)) {
          return n;
        }
      }
    }
    if (returning.stream().anyMatch(graph.outputs()::contains)) {
      return null;
    }
    int last = -1;
    Map<Node, Boolean> producers = new LinkedHashMap<>();
    for (Value v : returning) {
      if (v.producer() != null) {
        producers.put(v.producer(), true);
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (producers.containsKey(nodes.get(i))) {
        last = i;
      }
    }
    return last + 1 < nodes.size() ? nodes.get(last + 1) : null;
  }
}
