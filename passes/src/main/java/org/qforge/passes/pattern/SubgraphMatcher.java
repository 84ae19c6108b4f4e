package org.qforge.passes.pattern;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * Finds the occurrences of a pattern graph in a graph with the semantics of {@code torch.fx}'s
 * {@code SubgraphMatcher} ({@code torch/fx/passes/utils/matcher_utils.py}):
 *
 * <ul>
 *   <li><b>Anchors</b> are the pattern's sinks: nodes producing a pattern output and used by no other
 *       pattern node. Every graph node with an anchor's op is a candidate; anchors × candidates are
 *       searched by backtracking, and a complete assignment is a match.
 *   <li><b>Node matching</b> walks from an anchor towards the inputs: ops must be equal, arguments are
 *       compared position by position (our nodes always carry every schema argument, which is FX's
 *       schema normalisation). A pattern input is a wildcard that binds a graph value or a literal,
 *       consistently across its uses; a pattern literal must equal the graph's literal in type and
 *       value unless {@link MatcherOptions#ignoreLiterals()}, with which any non-(value, value) pair
 *       is accepted. The map from pattern to graph is injective.
 *   <li><b>Filters</b>, in FX's order: containment (a matched node that is not a pattern output may
 *       only be used inside the match, and may not be a graph output), no cycle when the match is
 *       fused, then greedy removal of overlapping matches in match order.
 * </ul>
 *
 * <p>Pattern constants (FX's {@code get_attr}) match any graph constant; they are bound like inputs
 * and are not erased by rewrites (the graph keeps its constants until a dead-constant sweep).
 *
 * <p><b>Complexity.</b> With N graph nodes, P pattern nodes, A anchors and C_a candidates for anchor a:
 * finding candidates is O(A·N); each candidate is matched in O(P) (every pattern node and argument is
 * visited once); the backtracking over anchors costs O(P · Π C_a) in the worst case — linear in N for
 * single-anchor patterns, exponential in A in theory, as in FX. The cycle check of a match visits only
 * nodes that lie between the match's first and last node in execution order, so its cost is bounded by
 * that span, and overlap removal is O(total matched nodes).
 */
public final class SubgraphMatcher {
  private final Graph pattern;
  private final MatcherOptions options;
  private final List<Value> patternInputs;
  private final List<Value> patternOutputs;
  private final Set<Node> returningPatternNodes;
  private final List<Node> anchors;
  private final Map<String, Node> namedNodes;
  private final java.util.function.Function<org.qforge.ir.OpDef, String> opKey;

  public SubgraphMatcher(Pattern pattern, MatcherOptions options) {
    this(pattern, options, org.qforge.ir.OpDef::name);
  }

  /**
   * A matcher that compares ops by {@code opKey} instead of by name, for passes that, like PT2E's
   * {@code remove_tensor_overload_for_qdq_ops}, treat the overloads of an op as one.
   */
  public SubgraphMatcher(Pattern pattern, MatcherOptions options,
      java.util.function.Function<org.qforge.ir.OpDef, String> opKey) {
    this.opKey = opKey;
    this.pattern = pattern.graph();
    this.options = options;
    this.namedNodes = pattern.namedNodes();
    Graph p = pattern.graph();
    if (p.nodes().isEmpty()) {
      throw new IllegalArgumentException("SubgraphMatcher cannot be initialized with an empty pattern");
    }
    for (Value in : p.inputs()) {
      if (!in.hasUsers() && !p.outputs().contains(in)) {
        throw new IllegalArgumentException("pattern " + p.name() + " has dead code: input %" + in.name() + " is unused");
      }
    }
    for (Node n : p.nodes()) {
      if (n.results().stream().noneMatch(r -> r.hasUsers() || p.outputs().contains(r))) {
        throw new IllegalArgumentException("pattern " + p.name() + " has dead code: %" + n.name() + " is unused");
      }
    }
    this.patternInputs = p.inputs();
    this.patternOutputs = p.outputs();
    Set<Node> returning = new LinkedHashSet<>();
    for (Value out : p.outputs()) {
      if (out.producer() != null) {
        returning.add(out.producer());
      }
    }
    this.returningPatternNodes = Collections.unmodifiableSet(returning);
    List<Node> a = new ArrayList<>();
    if (!options.matchOutput()) {
      for (Node n : returning) {
        if (n.results().stream().noneMatch(Value::hasUsers)) {
          a.add(n);
        }
      }
    }
    this.anchors = List.copyOf(a);
  }

  public SubgraphMatcher(Pattern pattern) {
    this(pattern, MatcherOptions.DEFAULT);
  }

  /** The pattern's anchors (its sinks); empty when matching outputs. */
  public List<Node> anchors() {
    return anchors;
  }

  /** All matches of the pattern in {@code graph}, filtered as the class comment says. */
  public List<InternalMatch> match(Graph graph) {
    List<InternalMatch> matches = new ArrayList<>();
    if (options.matchOutput()) {
      InternalMatch m = new InternalMatch(anchors);
      if (matchArgs(patternOutputs, graph.outputs(), m)) {
        complete(m);
        matches.add(m);
      }
    } else {
      List<List<Node>> candidates = new ArrayList<>();
      for (Node anchor : anchors) {
        List<Node> c = new ArrayList<>();
        for (Node n : graph.nodes()) {
          if (nodesAreEqual(anchor, n)) {
            c.add(n);
          }
        }
        candidates.add(c);
      }
      backtrack(0, new InternalMatch(anchors), candidates, matches);
    }

    Map<Node, Integer> position = new IdentityHashMap<>();
    List<Node> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      position.put(nodes.get(i), i);
    }
    List<InternalMatch> valid = new ArrayList<>();
    for (InternalMatch m : matches) {
      if (isContained(m, graph) && !fusingCreatesCycle(m, position)) {
        valid.add(m);
      }
    }
    return options.removeOverlappingMatches() ? removeOverlapping(valid) : valid;
  }

  private void backtrack(int anchorIndex, InternalMatch match, List<List<Node>> candidates,
      List<InternalMatch> out) {
    if (anchorIndex == anchors.size()) {
      complete(match);
      out.add(match);
      return;
    }
    Node anchor = anchors.get(anchorIndex);
    for (Node candidate : candidates.get(anchorIndex)) {
      InternalMatch attempt = match.copy();
      if (matchNodes(anchor, candidate, attempt)) {
        backtrack(anchorIndex + 1, attempt, candidates, out);
      }
    }
  }

  private void complete(InternalMatch m) {
    List<Argument> placeholders = new ArrayList<>();
    for (Value in : patternInputs) {
      placeholders.add(m.placeholderMap.get(in));
    }
    m.placeholderNodes = placeholders;
    List<Argument> returning = new ArrayList<>();
    for (Value out : patternOutputs) {
      returning.add(image(out, m));
    }
    m.returningNodes = returning;
    Map<String, Node> names = new LinkedHashMap<>();
    namedNodes.forEach((k, pn) -> names.put(k, m.nodesMap.get(pn)));
    m.nameNodeMap = names;
  }

  /** What pattern value {@code v} corresponds to in the graph under match {@code m}. */
  static Argument image(Value v, InternalMatch m) {
    if (v.producer() == null) {
      return m.placeholderMap.get(v);
    }
    Node gn = m.nodesMap.get(v.producer());
    return gn == null ? null : gn.results().get(v.resultIndex());
  }

  private boolean nodesAreEqual(Node pn, Node gn) {
    return pn.op() == gn.op() || opKey.apply(pn.op()).equals(opKey.apply(gn.op()));
  }

  private boolean matchNodes(Node pn, Node gn, InternalMatch m) {
    Node already = m.nodesMap.get(pn);
    if (already != null) {
      return already == gn;
    }
    if (isClaimed(gn, m)) {
      return false;
    }
    if (!nodesAreEqual(pn, gn)) {
      return false;
    }
    m.nodesMap.put(pn, gn);
    m.claimed.put(gn, pn);
    return matchArgs(pn.args(), gn.args(), m);
  }

  private static boolean isClaimed(Node gn, InternalMatch m) {
    if (m.claimed.containsKey(gn)) {
      return true;
    }
    for (Value r : gn.results()) {
      if (m.claimed.containsKey(r)) {
        return true;
      }
    }
    return false;
  }

  private boolean matchArgs(List<? extends Argument> pattern, List<? extends Argument> graph, InternalMatch m) {
    if (pattern.size() != graph.size()) {
      return false;
    }
    for (int i = 0; i < pattern.size(); i++) {
      if (!matchArg(pattern.get(i), graph.get(i), m)) {
        return false;
      }
    }
    return true;
  }

  private boolean matchArg(Argument pa, Argument ga, InternalMatch m) {
    if (pa instanceof Value pv && ga instanceof Value gv) {
      return matchValues(pv, gv, m);
    }
    if (pa instanceof ValueList pl && ga instanceof ValueList gl) {
      return matchArgs(pl.values(), gl.values(), m);
    }
    return matchLiterals(pa, ga, m) || options.ignoreLiterals();
  }

  private boolean matchValues(Value pv, Value gv, InternalMatch m) {
    switch (pv.kind()) {
      case RESULT -> {
        return gv.producer() != null && gv.resultIndex() == pv.resultIndex()
            && matchNodes(pv.producer(), gv.producer(), m);
      }
      case CONSTANT -> {
        return gv.kind() == Value.Kind.CONSTANT && bind(pv, gv, m);
      }
      default -> {
        if (options.matchPlaceholder() && gv.kind() != Value.Kind.INPUT) {
          return false;
        }
        return bind(pv, gv, m);
      }
    }
  }

  /** Binds a pattern input (or constant) to a graph value, keeping the map injective. */
  private static boolean bind(Value pv, Value gv, InternalMatch m) {
    Argument already = m.placeholderMap.get(pv);
    if (already != null) {
      return already == gv;
    }
    if (m.claimed.containsKey(gv) || (gv.producer() != null && m.claimed.containsKey(gv.producer()))) {
      return false;
    }
    m.placeholderMap.put(pv, gv);
    m.claimed.put(gv, pv);
    return true;
  }

  /** FX's {@code _match_literals}: at most one side is a value here. */
  private static boolean matchLiterals(Argument pa, Argument ga, InternalMatch m) {
    if (pa instanceof Value pv) {
      if (pv.kind() != Value.Kind.INPUT) {
        return false;
      }
      Argument already = m.placeholderMap.get(pv);
      if (already != null) {
        return already.equals(ga);
      }
      m.placeholderMap.put(pv, ga);
      return true;
    }
    if (ga instanceof Value) {
      return false;
    }
    if (pa instanceof Literal pl && ga instanceof Literal gl) {
      return pl.getClass() == gl.getClass() && pl.equals(gl);
    }
    return false;
  }

  /** Graph nodes matched by pattern nodes (not inputs). */
  private static Set<Node> matchedNodes(InternalMatch m) {
    Set<Node> s = Collections.newSetFromMap(new IdentityHashMap<>());
    s.addAll(m.nodesMap.values());
    return s;
  }

  private boolean isContained(InternalMatch m, Graph graph) {
    Set<Node> inside = matchedNodes(m);
    Set<Value> graphOutputs = Collections.newSetFromMap(new IdentityHashMap<>());
    graphOutputs.addAll(graph.outputs());
    for (Map.Entry<Node, Node> e : m.nodesMap.entrySet()) {
      if (returningPatternNodes.contains(e.getKey())) {
        continue;
      }
      for (Value r : e.getValue().results()) {
        if (graphOutputs.contains(r)) {
          return false;
        }
        for (Node user : r.users()) {
          if (!inside.contains(user)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * FX's {@code validate_partition}: fusing the matched nodes into one would create a cycle iff some
   * path leaves the match and comes back. Only nodes before the match's last node can lead back, so
   * the search stops at later nodes.
   */
  private static boolean fusingCreatesCycle(InternalMatch m, Map<Node, Integer> position) {
    Set<Node> inside = matchedNodes(m);
    int last = 0;
    for (Node n : inside) {
      last = Math.max(last, position.get(n));
    }
    Deque<Node> queue = new ArrayDeque<>();
    Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node n : inside) {
      for (Value r : n.results()) {
        for (Node user : r.users()) {
          if (!inside.contains(user) && visited.add(user)) {
            queue.add(user);
          }
        }
      }
    }
    while (!queue.isEmpty()) {
      Node current = queue.poll();
      if (position.get(current) > last) {
        continue;
      }
      for (Value r : current.results()) {
        for (Node user : r.users()) {
          if (inside.contains(user)) {
            return true;
          }
          if (visited.add(user)) {
            queue.add(user);
          }
        }
      }
    }
    return false;
  }

  private static List<InternalMatch> removeOverlapping(List<InternalMatch> matches) {
    List<InternalMatch> kept = new ArrayList<>();
    Set<Node> used = new HashSet<>();
    for (InternalMatch m : matches) {
      boolean overlap = false;
      for (Node gn : m.nodesMap.values()) {
        if (used.contains(gn)) {
          overlap = true;
          break;
        }
      }
      if (!overlap) {
        kept.add(m);
        used.addAll(m.nodesMap.values());
      }
    }
    return kept;
  }

  /** The pattern graph. */
  public Graph pattern() {
    return pattern;
  }
}
