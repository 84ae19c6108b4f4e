package org.qforge.passes.quant;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.passes.quant.observer.Observer;
import org.qforge.passes.quant.observer.ObserverSettings;

/**
 * PT2E's {@code prepare()} ({@code torchao/quantization/pt2e/prepare.py}): turns annotations into
 * observers.
 *
 * <ol>
 *   <li>every annotated input edge and output, in node order, gets its spec;
 *   <li>sharing groups by union-find: explicit {@link SharedQuantizationSpec}s, plus implicit sharing
 *       of an input edge with the other uses of the same value and with the producer's output when
 *       their root specs agree on dtype, is_dynamic, quant_min, quant_max, qscheme, ch_axis, scale
 *       and zero_point (the observer class is not compared: the group's first member wins);
 *   <li>one observer per group, created from the group's first spec in map order;
 *   <li>{@code qforge.observe} nodes inserted on edges (after the argument) and outputs (after the
 *       node, users redirected), reusing a node whenever the same observer already watches that value.
 * </ol>
 *
 * Requires: annotations from a {@link Quantizer}. Guarantees: the graph verifies; running it is
 * unchanged (observers are identities); each {@code qforge.observe} node's {@code observer}
 * argument indexes {@link ObservedGraph#observers()}.
 */
public final class InsertObservers {
  private InsertObservers() {}

  public static ObservedGraph run(Graph graph, Annotations annotations, Quantizer quantizer) {
    List<Node> nodesBefore = List.copyOf(graph.nodes());
    LinkedHashMap<EdgeOrNode, QuantizationSpecBase> qspecs = new LinkedHashMap<>();
    for (Node n : nodesBefore) {
      QuantizationAnnotation a = annotations.get(n);
      if (a == null) {
        continue;
      }
      a.inputQspecMap().forEach((arg, spec) -> qspecs.put(new EdgeOrNode.Edge(arg, n), spec));
      if (a.outputQspec() != null) {
        qspecs.put(new EdgeOrNode.Output(n.result()), a.outputQspec());
      }
    }
    Map<EdgeOrNode, Integer> groups = new SharingGroups(qspecs, annotations).groupIds();
    Map<EdgeOrNode, Observer> observerMap = createObservers(qspecs, groups);
    quantizer.prepareObserverCallback(graph, observerMap);

    List<Observer> observers = new ArrayList<>();
    Map<Observer, Integer> ids = new IdentityHashMap<>();
    Inserter inserter = new Inserter(graph, observerMap, observers, ids);
    for (Node n : nodesBefore) {
      if (annotations.get(n) != null) {
        inserter.inputs(n);
        inserter.output(n);
      }
    }
    return new ObservedGraph(graph, annotations, observers, observerMap);
  }

  /** {@code _get_obs_or_fq_map}: one observer per group, from the group's first spec. */
  private static Map<EdgeOrNode, Observer> createObservers(LinkedHashMap<EdgeOrNode, QuantizationSpecBase> qspecs,
      Map<EdgeOrNode, Integer> groups) {
    Map<EdgeOrNode, Observer> map = new LinkedHashMap<>();
    Map<Integer, Observer> byGroup = new LinkedHashMap<>();
    Map<Integer, Boolean> created = new LinkedHashMap<>();
    for (Map.Entry<EdgeOrNode, QuantizationSpecBase> e : qspecs.entrySet()) {
      int g = groups.get(e.getKey());
      if (!created.containsKey(g)) {
        byGroup.put(g, create(e.getValue(), map));
        created.put(g, true);
      }
      map.put(e.getKey(), byGroup.get(g));
    }
    return map;
  }

  /** {@code _create_obs_or_fq_from_qspec}. */
  private static Observer create(QuantizationSpecBase spec, Map<EdgeOrNode, Observer> existing) {
    if (spec == null) {
      return null;
    }
    if (spec instanceof SharedQuantizationSpec s) {
      if (!existing.containsKey(s.edgeOrNode())) {
        throw new IllegalStateException("shared spec refers to " + s.edgeOrNode()
            + ", which has no observer yet (it must come earlier in graph order)");
      }
      return existing.get(s.edgeOrNode());
    }
    if (spec instanceof QuantizationSpec q) {
      return q.observer().create(q.observerSettings());
    }
    if (spec instanceof FixedQParamsQuantizationSpec f) {
      return org.qforge.passes.quant.observer.Observers.fixedQParams(f.scale(), f.zeroPoint())
          .create(new ObserverSettings(f.dtype(), f.quantMin(), f.quantMax(), f.qscheme(), null, f.isDynamic()));
    }
    DerivedQuantizationSpec d = (DerivedQuantizationSpec) spec;
    List<Observer> sources = new ArrayList<>();
    for (EdgeOrNode from : d.derivedFrom()) {
      if (!existing.containsKey(from)) {
        throw new IllegalStateException("derived spec refers to " + from + ", which has no observer yet");
      }
      sources.add(existing.get(from));
    }
    return new DerivedObserver(d, sources);
  }

  /** Inserts {@code qforge.observe} nodes, deduplicating as {@code prepare.py} does. */
  private static final class Inserter {
    private final Graph graph;
    private final Map<EdgeOrNode, Observer> map;
    private final List<Observer> observers;
    private final Map<Observer, Integer> ids;
    private final OpDef observe = OpRegistry.standard().get("qforge.observe");
    private int nextName;
    private Node lastLeafObserver;

    Inserter(Graph graph, Map<EdgeOrNode, Observer> map, List<Observer> observers, Map<Observer, Integer> ids) {
      this.graph = graph;
      this.map = map;
      this.observers = observers;
      this.ids = ids;
    }

    private static boolean isObserver(Node n) {
      return n != null && n.op().name().equals("qforge.observe");
    }

    private int idOf(Observer o) {
      return ids.computeIfAbsent(o, k -> {
        observers.add(k);
        return observers.size() - 1;
      });
    }

    void inputs(Node node) {
      for (int i = 0; i < node.args().size(); i++) {
        Argument a = node.arg(i);
        if (a instanceof Value v) {
          Value nv = inputArg(node, v);
          if (nv != v) {
            node.setArg(i, nv);
          }
        } else if (a instanceof ValueList vl) {
          List<Value> nvs = new ArrayList<>();
          boolean changed = false;
          for (Value v : vl.values()) {
            Value nv = inputArg(node, v);
            changed |= nv != v;
            nvs.add(nv);
          }
          if (changed) {
            node.setArg(i, new ValueList(nvs));
          }
        }
      }
    }

    /** {@code _maybe_insert_input_observer_for_arg_or_kwarg}. */
    private Value inputArg(Node node, Value arg) {
      Value original = arg;
      while (isObserver(original.producer())) {
        original = (Value) original.producer().arg(0);
      }
      EdgeOrNode.Edge edge = new EdgeOrNode.Edge(original, node);
      Observer obs = map.get(edge);
      if (obs == null) {
        return arg;
      }
      if (map.get(new EdgeOrNode.Output(original)) == obs) {
        return arg;
      }
      for (Node user : arg.users()) {
        if (isObserver(user) && observers.get((int) ((Literal.Int) user.arg(1)).value()) == obs) {
          return user.result();
        }
      }
      return insertAfter(arg, obs);
    }

    /** {@code _maybe_insert_output_observer_for_node}: observe the output and redirect its users. */
    void output(Node node) {
      if (node.results().size() != 1) {
        return;
      }
      Observer obs = map.get(new EdgeOrNode.Output(node.result()));
      if (obs == null) {
        return;
      }
      List<Node> users = List.copyOf(node.result().users());
      Value observed = insertAfter(node.result(), obs);
      for (Node u : users) {
        u.replaceInput(node.result(), observed);
      }
      graph.setOutputs(graph.outputs().stream().map(v -> v == node.result() ? observed : v).toList());
    }

    private Value insertAfter(Value v, Observer obs) {
      List<Argument> args = List.of(v, new Literal.Int(idOf(obs)));
      String name = nextFreeName();
      List<String> names = List.of(name);
      Node n;
      if (v.producer() != null) {
        n = graph.insertAfter(v.producer(), observe, args, names, List.of(v.type()), Map.of());
      } else if (lastLeafObserver != null) {
        n = graph.insertAfter(lastLeafObserver, observe, args, names, List.of(v.type()), Map.of());
      } else if (!graph.nodes().isEmpty()) {
        n = graph.insertBefore(graph.nodes().get(0), observe, args, names, List.of(v.type()), Map.of());
      } else {
        n = graph.addNode(observe, args, names, List.of(v.type()), Map.of());
      }
      if (v.producer() == null) {
        lastLeafObserver = n;
      }
      return n.result();
    }

    /** {@code activation_post_process_<i>} with the smallest free i. */
    private String nextFreeName() {
      while (graph.value("activation_post_process_" + nextName) != null) {
        nextName++;
      }
      return "activation_post_process_" + nextName++;
    }
  }
}
