package org.qforge.ir.verify;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.Param;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * Checks the invariants every pass may rely on and must preserve:
 *
 * <ul>
 *   <li>SSA: every value a node uses is a graph input, a constant of this graph, or a result of an
 *       earlier node; names are unique; outputs are defined values;
 *   <li>schema: each node has one argument per parameter of its op, each of the parameter's kind;
 *   <li>types: each node's declared result types equal what its op's shape function infers from the
 *       argument types.
 * </ul>
 *
 * Failures throw {@link VerificationException} naming the node, e.g.
 * {@code node %conv2d (aten.conv2d): declares f32[1,16,8,8] but its arguments give f32[1,16,6,6]}.
 */
public final class Verifier {
  private Verifier() {}

  /** Verifies {@code graph}, throwing on the first broken invariant. */
  public static void verify(Graph graph) {
    Set<Value> defined = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<String> names = new java.util.HashSet<>();
    for (Value in : graph.inputs()) {
      defineOnce(graph, in, names, "input");
      defined.add(in);
    }
    for (Constant c : graph.constants().values()) {
      defineOnce(graph, c.value(), names, "constant");
      if (!c.tensor().type().equals(c.value().type())) {
        throw new VerificationException("constant %" + c.name() + " declares " + c.value().type()
            + " but holds " + c.tensor().type());
      }
      defined.add(c.value());
    }
    for (Node n : graph.nodes()) {
      String where = "node %" + n.name() + " (" + n.op().name() + ")";
      checkArguments(n, where, defined);
      checkTypes(n, where);
      for (Value r : n.results()) {
        defineOnce(graph, r, names, where + " result");
        defined.add(r);
      }
    }
    if (graph.outputs().isEmpty()) {
      throw new VerificationException("graph " + graph.name() + " has no outputs");
    }
    for (Value out : graph.outputs()) {
      if (!defined.contains(out)) {
        throw new VerificationException("graph output %" + out.name() + " is not defined in graph " + graph.name());
      }
    }
  }

  private static void defineOnce(Graph g, Value v, Set<String> names, String what) {
    if (!names.add(v.name())) {
      throw new VerificationException(what + " %" + v.name() + ": the name is defined twice");
    }
    if (g.value(v.name()) != v) {
      throw new VerificationException(what + " %" + v.name() + " is not registered in graph " + g.name());
    }
  }

  private static void checkArguments(Node n, String where, Set<Value> defined) {
    List<Param> params = n.op().params();
    if (n.args().size() != params.size()) {
      throw new VerificationException(where + ": has " + n.args().size() + " arguments, its schema "
          + n.op().signature() + " has " + params.size());
    }
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      Argument a = n.arg(i);
      if (p.type().coerce(a) != a) {
        throw new VerificationException(where + ": argument '" + p.name() + "' must be "
            + p.type().schemaName() + ", got " + (a instanceof Literal l ? l.toText() : a));
      }
      List<Value> used = a instanceof Value v ? List.of(v)
          : a instanceof ValueList vl ? vl.values() : List.of();
      for (Value v : used) {
        if (!defined.contains(v)) {
          boolean later = v.producer() != null && !v.producer().isErased()
              && v.producer().graph() == n.graph();
          throw new VerificationException(where + ": argument '" + p.name() + "' uses %" + v.name()
              + (later ? ", which is defined after its use" : ", which is not defined in this graph"));
        }
      }
    }
  }

  private static void checkTypes(Node n, String where) {
    List<TensorType> inferred;
    try {
      inferred = n.op().shapeFunction().infer(NodeArgs.of(n));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new VerificationException(where + ": " + e.getMessage());
    }
    List<TensorType> declared = n.results().stream().map(Value::type).toList();
    if (!inferred.equals(declared)) {
      throw new VerificationException(where + ": declares " + typesText(declared)
          + " but its arguments give " + typesText(inferred));
    }
  }

  private static String typesText(List<TensorType> types) {
    return types.size() == 1 ? types.get(0).toString() : types.toString();
  }
}
