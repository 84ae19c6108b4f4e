package org.qforge.passes.pattern;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.ops.OpRegistry;

/**
 * Builds a small graph by calling ops, inferring every result type from the arguments: the Java
 * counterpart of tracing a Python pattern function with example inputs. Arguments may be
 * {@link Value}s, lists of values, or plain Java literals ({@code Integer}, {@code Long},
 * {@code Double}, {@code Float}, {@code Boolean}, {@code String}, {@link DType}, {@code int[]},
 * {@code double[]}, {@code null} for None), converted to IR {@link Literal}s.
 *
 * <p>Node names follow the op ({@code aten.conv2d} → {@code conv2d}, {@code conv2d_1}, ...), as
 * {@code torch.export} names them.
 */
public final class GraphBuilder {
  private final Graph graph;
  private final OpRegistry registry;
  private final Map<String, Node> namedNodes = new LinkedHashMap<>();
  /** Pattern inputs standing for literals, with the example literal used to type the nodes using them. */
  private final Map<Value, Literal> literalInputs = new java.util.IdentityHashMap<>();

  public GraphBuilder(Graph graph) {
    this(graph, OpRegistry.standard());
  }

  public GraphBuilder(Graph graph, OpRegistry registry) {
    this.graph = graph;
    this.registry = registry;
  }

  /** The graph being built. */
  public Graph graph() {
    return graph;
  }

  /**
   * Names the node producing {@code v}, so that a {@link Pattern} built from this graph reports the
   * node's image in every match under {@code name}.
   */
  public Value name(String name, Value v) {
    checkArgument(v.producer() != null, "only node results can be named, not %%%s", v.name());
    namedNodes.put(name, v.producer());
    return v;
  }

  /** Whether some input stands for a literal (the graph is then a pattern that does not verify). */
  public boolean hasLiteralInputs() {
    return !literalInputs.isEmpty();
  }

  /** The nodes named so far. */
  public Map<String, Node> namedNodes() {
    return namedNodes;
  }

  /** Adds a graph input (a pattern placeholder). */
  public Value input(String name, TensorType type) {
    return graph.addInput(name, type);
  }

  /**
   * A pattern input that stands for a literal argument (a scale, a zero point, a bound), as the
   * tensors PT2E passes as example inputs to its patterns become placeholders that match the
   * literals of the real graph. Nodes built with it are typed with {@code example}; the node then
   * holds the input itself, so the graph is a pattern, not a program (it does not verify).
   */
  public Value literalInput(String name, Object example) {
    Literal lit = Literal.fromJava(example);
    DType type = lit instanceof Literal.Float ? DType.F64 : DType.I64;
    Value v = graph.addInput(name, new TensorType(type, List.of()));
    literalInputs.put(v, lit);
    return v;
  }

  /** Calls {@code op} with positional arguments and returns its single result. */
  public Value call(String op, Object... args) {
    return callNode(op, List.of(args), Map.of()).result();
  }

  /** Calls {@code op} with positional and named arguments and returns its results. */
  public List<Value> callMulti(String op, List<?> positional, Map<String, ?> named) {
    return callNode(op, positional, named).results();
  }

  /** Calls {@code op} and returns the node. */
  public Node callNode(String op, List<?> positional, Map<String, ?> named) {
    OpDef def = registry.get(op);
    List<Argument> pos = new ArrayList<>();
    Map<Integer, Value> swaps = new LinkedHashMap<>();
    for (Object o : positional) {
      Argument a = toArgument(o);
      if (a instanceof Value v && literalInputs.containsKey(v)) {
        swaps.put(pos.size(), v);
        a = literalInputs.get(v);
      }
      pos.add(a);
    }
    Map<String, Argument> kw = new LinkedHashMap<>();
    named.forEach((k, v) -> kw.put(k, toArgument(v)));
    List<Argument> bound = def.bind(pos, kw);
    List<TensorType> types = def.shapeFunction().infer(new org.qforge.ir.NodeArgs(def, bound));
    String base = baseName(op);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      names.add(i == 0 ? base : base + "_out" + i);
    }
    Node node = graph.addNode(def, bound, names, types, Map.of());
    swaps.forEach(node::setArg);
    return node;
  }

  /** Sets the graph's outputs. */
  public void output(Value... values) {
    graph.setOutputs(List.of(values));
  }

  // Convenience for the ops patterns use most; anything else goes through call().

  public Value relu(Value x) {
    return call("aten.relu", x);
  }

  public Value linear(Value x, Value w, Value bias) {
    return call("aten.linear", x, w, bias);
  }

  public Value add(Value a, Object b) {
    return call("aten.add.Tensor", a, b);
  }

  public Value mul(Value a, Object b) {
    return call("aten.mul.Tensor", a, b);
  }

  /** The name torch.export gives a node calling {@code op}: the op's base name without namespace or overload. */
  static String baseName(String op) {
    String[] parts = op.split("\\.");
    return parts.length > 1 ? parts[1] : parts[0];
  }

  /** Converts a Java value to an IR argument: values and lists of values as they are, the rest via {@link Literal#fromJava}. */
  static Argument toArgument(Object o) {
    if (o instanceof Argument a) {
      return a;
    }
    if (o instanceof List<?> list) {
      checkArgument(list.stream().allMatch(e -> e instanceof Value), "lists passed to ops must hold values: %s", list);
      return new ValueList(list.stream().map(Value.class::cast).toList());
    }
    return Literal.fromJava(o);
  }
}
