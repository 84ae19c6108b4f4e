package org.qforge.ir;

import java.util.List;

/** {@link OpArgs} over a node's (or a pending call's) bound arguments, for shape inference. */
public final class NodeArgs implements OpArgs {
  private final OpDef op;
  private final List<Argument> args;

  public NodeArgs(OpDef op, List<Argument> args) {
    this.op = op;
    this.args = args;
  }

  /** The arguments of an existing node. */
  public static NodeArgs of(Node n) {
    return new NodeArgs(n.op(), n.args());
  }

  @Override
  public OpDef op() {
    return op;
  }

  @Override
  public Argument arg(int i) {
    return args.get(i);
  }

  @Override
  public TensorType type(int i) {
    if (args.get(i) instanceof Value v) {
      return v.type();
    }
    throw new IllegalArgumentException(op.name() + " argument '" + op.params().get(i).name()
        + "' should be a tensor, got " + args.get(i));
  }

  @Override
  public List<TensorType> types(int i) {
    if (args.get(i) instanceof ValueList vl) {
      return vl.values().stream().map(Value::type).toList();
    }
    throw new IllegalArgumentException(op.name() + " argument '" + op.params().get(i).name()
        + "' should be a list of tensors, got " + args.get(i));
  }
}
