package org.qforge.passes.quant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;

/**
 * Convert step 5 with {@code fold_quantize=True}: PT2E's {@code constant_fold(model,
 * _quant_node_constraint)}. A quantize node computed from constants only (a weight, possibly through
 * pure ops such as a transpose) is evaluated once and replaced by a new int8 buffer constant
 * {@code _frozen_param<i>}; the float weight and the ops in between die. Dequantize nodes are impure
 * and never folded, and nothing else is folded (constants unrelated to quantization stay).
 *
 * <p>Guarantees: every remaining quantize node depends on a graph input; the integer weights are
 * constants that feed dequantize nodes.
 */
public final class FoldQuantize implements Pass {
  private static final Set<String> QUANT_OPS = Set.of("quantized_decomposed.quantize_per_tensor",
      "quantized_decomposed.quantize_per_tensor.tensor", "quantized_decomposed.quantize_per_channel");

  @Override
  public String name() {
    return "fold-quantize";
  }

  @Override
  public void run(Graph graph) {
    Set<Value> constantDerived = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Constant c : graph.constants().values()) {
      if (c.kind() != Constant.Kind.BUFFER || !isMutated(c.value())) {
        constantDerived.add(c.value());
      }
    }
    List<Node> toFold = new ArrayList<>();
    for (Node n : graph.nodes()) {
      boolean pure = n.op().mutatedParams().isEmpty() && !n.op().name().startsWith("quantized_decomposed.dequantize");
      if (pure && !n.inputValues().isEmpty() && constantDerived.containsAll(n.inputValues())) {
        constantDerived.addAll(n.results());
        if (QUANT_OPS.contains(n.op().name())) {
          toFold.add(n);
        }
      }
    }
    if (toFold.isEmpty()) {
      return;
    }
    Map<Value, Tensor> values = evaluate(graph, constantDerived);
    int next = 0;
    for (Node q : toFold) {
      while (graph.value("_frozen_param" + next) != null) {
        next++;
      }
      String name = "_frozen_param" + next;
      Value frozen = graph.addConstant(name, Constant.Kind.BUFFER, name, values.get(q.result()));
      graph.replaceAllUses(q.result(), frozen);
    }
    new EliminateDeadCode().run(graph);
  }

  private static boolean isMutated(Value v) {
    for (Node u : v.users()) {
      for (int i : u.op().mutatedParams()) {
        if (u.arg(i) == v) {
          return true;
        }
      }
    }
    return false;
  }

  /** Evaluates the constant-derived nodes with the reference interpreter, on a graph of just them. */
  private static Map<Value, Tensor> evaluate(Graph graph, Set<Value> constantDerived) {
    Graph sub = new Graph(graph.name() + "_constants");
    Map<Value, Value> map = new IdentityHashMap<>();
    for (Constant c : graph.constants().values()) {
      map.put(c.value(), sub.addConstant(c.name(), Constant.Kind.CONST, c.fqn(), c.tensor()));
    }
    List<Value> outs = new ArrayList<>();
    List<Value> originals = new ArrayList<>();
    for (Node n : graph.nodes()) {
      if (n.inputValues().isEmpty() || !constantDerived.containsAll(n.results())) {
        continue;
      }
      List<org.qforge.ir.Argument> args = new ArrayList<>();
      for (org.qforge.ir.Argument a : n.args()) {
        args.add(a instanceof Value v ? map.get(v)
            : a instanceof org.qforge.ir.ValueList vl
                ? new org.qforge.ir.ValueList(vl.values().stream().map(map::get).toList()) : a);
      }
      Node copy = sub.addNode(n.op(), args, n.results().stream().map(Value::name).toList(),
          n.results().stream().map(Value::type).toList(), Map.of());
      for (int i = 0; i < n.results().size(); i++) {
        map.put(n.results().get(i), copy.results().get(i));
        outs.add(copy.results().get(i));
        originals.add(n.results().get(i));
      }
    }
    sub.setOutputs(outs);
    List<Tensor> results = new Interpreter(sub).run(List.of());
    Map<Value, Tensor> byOriginal = new IdentityHashMap<>();
    for (int i = 0; i < originals.size(); i++) {
      byOriginal.put(originals.get(i), results.get(i));
    }
    return byOriginal;
  }
}
