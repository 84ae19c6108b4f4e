package org.qforge.ir;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A program: user inputs, named constant tensors, nodes in execution order, and outputs.
 *
 * <p>This is the IR's one mutable container, in the spirit of {@code torch.fx.Graph}: nodes are
 * appended or inserted, arguments rewired, and dead nodes erased, while value names stay unique and
 * use lists stay exact. Invariants that span the whole graph (SSA dominance, types agreeing with
 * the op schemas) are checked by the verifier, not on every mutation.
 */
public final class Graph {
  private String name;
  private final List<Value> inputs = new ArrayList<>();
  private final LinkedHashMap<String, Constant> constants = new LinkedHashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final List<Value> outputs = new ArrayList<>();
  private final Map<String, Value> valuesByName = new HashMap<>();
  private final Map<String, Integer> nameCounters = new HashMap<>();
  /** Every name ever given out; names of erased values are not reused, as in torch.fx. */
  private final java.util.Set<String> usedNames = new java.util.HashSet<>();

  public Graph(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  /** Adds a user input. */
  public Value addInput(String inputName, TensorType type) {
    Value v = new Value(Value.Kind.INPUT, claim(inputName), type, null, 0);
    inputs.add(v);
    valuesByName.put(v.name(), v);
    return v;
  }

  /** Adds a named constant tensor; its type is the tensor's. */
  public Value addConstant(String constName, Constant.Kind kind, String fqn, Tensor tensor) {
    Value v = new Value(Value.Kind.CONSTANT, claim(constName), tensor.type(), null, 0);
    constants.put(v.name(), new Constant(v, kind, fqn, tensor));
    valuesByName.put(v.name(), v);
    return v;
  }

  /** Replaces the data of constant {@code constName} with a tensor of the same type. */
  public void setConstantData(String constName, Tensor tensor) {
    Constant c = constants.get(constName);
    checkArgument(c != null, "no constant named %s", constName);
    checkArgument(c.value().type().equals(tensor.type()),
        "constant %s is %s, not %s", constName, c.value().type(), tensor.type());
    constants.put(constName, new Constant(c.value(), c.kind(), c.fqn(), tensor));
  }

  /** Removes a constant nobody uses. */
  public void removeConstant(String constName) {
    Constant c = constants.get(constName);
    checkArgument(c != null, "no constant named %s", constName);
    checkState(!c.value().hasUsers() && !outputs.contains(c.value()), "constant %s is still used", constName);
    constants.remove(constName);
    valuesByName.remove(constName);
  }

  /** Appends a node at the end. Result names are made unique if taken. */
  public Node addNode(OpDef op, List<Argument> args, List<String> resultNames,
      List<TensorType> resultTypes, Map<String, String> metadata) {
    return insertNode(nodes.size(), op, args, resultNames, resultTypes, metadata);
  }

  /** Inserts a node just before {@code anchor}. */
  public Node insertBefore(Node anchor, OpDef op, List<Argument> args, List<String> resultNames,
      List<TensorType> resultTypes, Map<String, String> metadata) {
    return insertNode(indexOf(anchor), op, args, resultNames, resultTypes, metadata);
  }

  /** Inserts a node just after {@code anchor}. */
  public Node insertAfter(Node anchor, OpDef op, List<Argument> args, List<String> resultNames,
      List<TensorType> resultTypes, Map<String, String> metadata) {
    return insertNode(indexOf(anchor) + 1, op, args, resultNames, resultTypes, metadata);
  }

  private Node insertNode(int index, OpDef op, List<Argument> args, List<String> resultNames,
      List<TensorType> resultTypes, Map<String, String> metadata) {
    List<String> unique = new ArrayList<>();
    for (String n : resultNames) {
      unique.add(claim(n));
    }
    Node node = new Node(this, op, args, unique, resultTypes, metadata);
    nodes.add(index, node);
    for (Value r : node.results()) {
      valuesByName.put(r.name(), r);
    }
    return node;
  }

  /** Removes a node none of whose results is used or is a graph output. */
  public void erase(Node node) {
    checkArgument(node.graph() == this, "node %s belongs to another graph", node.name());
    for (Value r : node.results()) {
      checkState(!r.hasUsers(), "cannot erase %s: %s still uses it", node.name(),
          r.users().isEmpty() ? "" : r.users().get(0).name());
      checkState(!outputs.contains(r), "cannot erase %s: it is a graph output", node.name());
    }
    nodes.remove(node);
    node.markErased();
    for (Value r : node.results()) {
      valuesByName.remove(r.name());
    }
  }

  /** Points every use of {@code from} (node arguments and graph outputs) at {@code to}. */
  public void replaceAllUses(Value from, Value to) {
    for (Node user : List.copyOf(from.users())) {
      user.replaceInput(from, to);
    }
    outputs.replaceAll(v -> v == from ? to : v);
  }

  public void setOutputs(List<Value> outs) {
    outputs.clear();
    outputs.addAll(outs);
  }

  public List<Value> inputs() {
    return Collections.unmodifiableList(inputs);
  }

  /** Constants by name, in declaration order. */
  public Map<String, Constant> constants() {
    return Collections.unmodifiableMap(constants);
  }

  public Constant constant(String constName) {
    return constants.get(constName);
  }

  /** Nodes in execution order. */
  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  public List<Value> outputs() {
    return Collections.unmodifiableList(outputs);
  }

  /** The value called {@code valueName}, or null. */
  public Value value(String valueName) {
    return valuesByName.get(valueName);
  }

  /** The node whose first result is called {@code nodeName}, or null. */
  public Node node(String nodeName) {
    Value v = valuesByName.get(nodeName);
    return v != null && v.producer() != null && v.resultIndex() == 0 ? v.producer() : null;
  }

  /** Position of {@code node} in execution order. */
  public int indexOf(Node node) {
    int i = nodes.indexOf(node);
    checkArgument(i >= 0, "node %s is not in graph %s", node.name(), name);
    return i;
  }

  /**
   * A name never used in this graph (not even by an erased value), chosen as {@code torch.fx}'s
   * {@code _Namespace.create_name} does: a trailing {@code _<n>} is split off as a counter; the
   * name itself is used if free, else the base with the next free counter after {@code n} (or after
   * the highest counter handed out for that base).
   */
  public String freshName(String wanted) {
    java.util.regex.Matcher m = NAME_SUFFIX.matcher(wanted);
    String base = wanted;
    long num = -1;
    if (m.matches()) {
      base = m.group(1);
      num = Long.parseLong(m.group(2));
    }
    String candidate = num < 0 ? base : base + "_" + num;
    if (num <= 0) {
      num = nameCounters.getOrDefault(base, 0);
    }
    while (usedNames.contains(candidate)) {
      num++;
      candidate = base + "_" + num;
    }
    nameCounters.put(base, (int) num);
    return candidate;
  }

  private static final java.util.regex.Pattern NAME_SUFFIX = java.util.regex.Pattern.compile("(.*)_(\\d{1,9})");

  private String claim(String wanted) {
    checkArgument(wanted != null && !wanted.isEmpty(), "value names must not be empty");
    String name = freshName(wanted);
    usedNames.add(name);
    return name;
  }
}
