package org.qforge.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An SSA value: a graph input, a named constant tensor, or one result of a {@link Node}. Every value
 * has a name unique within its graph (printed {@code %name}) and a static {@link TensorType}.
 *
 * <p>A value knows its users (nodes that take it as an argument, once per use), kept up to date by
 * {@link Graph} and {@link Node} so that rewrites can find consumers without scanning the graph.
 */
public final class Value implements Argument {

  /** Where a value comes from. */
  public enum Kind {
    /** A user input of the graph. */
    INPUT,
    /** A named constant tensor: parameter, buffer or constant (see {@link Constant}). */
    CONSTANT,
    /** A result of a node. */
    RESULT
  }

  private final Kind kind;
  private String name;
  private final TensorType type;
  private final Node producer;
  private final int resultIndex;
  private final List<Node> users = new ArrayList<>();

  Value(Kind kind, String name, TensorType type, Node producer, int resultIndex) {
    this.kind = kind;
    this.name = name;
    this.type = type;
    this.producer = producer;
    this.resultIndex = resultIndex;
  }

  public Kind kind() {
    return kind;
  }

  public String name() {
    return name;
  }

  void rename(String newName) {
    this.name = newName;
  }

  public TensorType type() {
    return type;
  }

  /** The node this value is a result of, or null for inputs and constants. */
  public Node producer() {
    return producer;
  }

  /** Which result of its producer this value is (0 for inputs and constants). */
  public int resultIndex() {
    return resultIndex;
  }

  /** Nodes that use this value, in the order the uses were made; a node appears once per use. */
  public List<Node> users() {
    return Collections.unmodifiableList(users);
  }

  /** True if some node uses this value. Graph outputs are not counted here. */
  public boolean hasUsers() {
    return !users.isEmpty();
  }

  void addUser(Node n) {
    users.add(n);
  }

  void removeUser(Node n) {
    users.remove(n);
  }

  @Override
  public String toString() {
    return "%" + name;
  }
}
