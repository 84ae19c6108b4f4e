package org.qforge.ir;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operation in a {@link Graph}: an {@link OpDef}, its arguments in schema order (every
 * parameter present, defaults filled in), one or more typed results, and string metadata
 * ({@code stack_trace}, {@code nn_module_stack}, quantization annotations, ...).
 *
 * <p>The node's name is the name of its first result, as in {@code torch.fx} where a node and the
 * value it produces share one name.
 */
public final class Node {
  private final Graph graph;
  private final OpDef op;
  private final List<Argument> args;
  private final List<Value> results;
  private final Map<String, String> metadata;
  private boolean erased;

  Node(Graph graph, OpDef op, List<Argument> args, List<String> resultNames, List<TensorType> resultTypes,
      Map<String, String> metadata) {
    checkArgument(resultNames.size() == resultTypes.size(), "one name per result type is required");
    checkArgument(!resultNames.isEmpty(), "a node has at least one result");
    this.graph = graph;
    this.op = op;
    this.args = new ArrayList<>(args);
    List<Value> rs = new ArrayList<>();
    for (int i = 0; i < resultNames.size(); i++) {
      rs.add(new Value(Value.Kind.RESULT, resultNames.get(i), resultTypes.get(i), this, i));
    }
    this.results = List.copyOf(rs);
    this.metadata = new LinkedHashMap<>(metadata);
    for (Argument a : this.args) {
      forEachValue(a, v -> v.addUser(this));
    }
  }

  public Graph graph() {
    return graph;
  }

  public OpDef op() {
    return op;
  }

  /** The node's name: that of its first result. */
  public String name() {
    return results.get(0).name();
  }

  /** The arguments in schema order. */
  public List<Argument> args() {
    return Collections.unmodifiableList(args);
  }

  public Argument arg(int i) {
    return args.get(i);
  }

  /** The argument bound to the schema parameter called {@code paramName}. */
  public Argument arg(String paramName) {
    return args.get(op.paramIndex(paramName));
  }

  /** Replaces argument {@code i}, keeping use lists up to date. */
  public void setArg(int i, Argument a) {
    checkState(!erased, "node %s was erased", name());
    forEachValue(args.get(i), v -> v.removeUser(this));
    args.set(i, a);
    forEachValue(a, v -> v.addUser(this));
  }

  /** Replaces every use of {@code from} among this node's arguments by {@code to}. */
  public void replaceInput(Value from, Value to) {
    for (int i = 0; i < args.size(); i++) {
      Argument a = args.get(i);
      if (a == from) {
        setArg(i, to);
      } else if (a instanceof ValueList vl && vl.values().contains(from)) {
        List<Value> vs = new ArrayList<>(vl.values());
        vs.replaceAll(v -> v == from ? to : v);
        setArg(i, new ValueList(vs));
      }
    }
  }

  /** The tensor values among the arguments, in order, with repeats. */
  public List<Value> inputValues() {
    List<Value> out = new ArrayList<>();
    for (Argument a : args) {
      forEachValue(a, out::add);
    }
    return out;
  }

  public List<Value> results() {
    return results;
  }

  /** The single result; fails for multi-result nodes. */
  public Value result() {
    checkState(results.size() == 1, "%s has %s results", name(), results.size());
    return results.get(0);
  }

  /** Mutable metadata, in insertion order. */
  public Map<String, String> metadata() {
    return metadata;
  }

  public boolean isErased() {
    return erased;
  }

  void markErased() {
    for (Argument a : args) {
      forEachValue(a, v -> v.removeUser(this));
    }
    erased = true;
  }

  static void forEachValue(Argument a, java.util.function.Consumer<Value> f) {
    if (a instanceof Value v) {
      f.accept(v);
    } else if (a instanceof ValueList vl) {
      vl.values().forEach(f);
    }
  }

  @Override
  public String toString() {
    return "%" + name() + " = " + op.name() + "(...)";
  }
}
