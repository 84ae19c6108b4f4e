package org.qforge.ir.interp;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.KernelContext;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * The reference interpreter: runs any verified graph node by node with each op's kernel. It is the
 * semantics every backend is checked against, so it favours clarity over speed.
 *
 * <p>An interpreter instance owns a private copy of the graph's buffers: ops that mutate buffers
 * (training-mode batch norm updating running statistics, {@code aten.add_} on a counter) change
 * that copy, and the changes persist across {@link #run} calls as they would on a PyTorch module.
 * Parameters and plain constants are shared with the graph and never written. An instance is not
 * thread-safe.
 */
public final class Interpreter {

  /** Sees every node's results as they are computed (observers use this during calibration). */
  @FunctionalInterface
  public interface Listener {
    void onNode(Node node, List<Tensor> results);
  }

  /**
   * Sees every node's results as they are computed and may replace them: what it returns is what
   * later nodes read (QAT fake quantizers transform the value they observe). It must return as many
   * tensors, of the same types.
   */
  @FunctionalInterface
  public interface Interceptor {
    List<Tensor> afterNode(Node node, List<Tensor> results);
  }

  private final Graph graph;
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();

  public Interpreter(Graph graph) {
    this.graph = graph;
    for (Constant c : graph.constants().values()) {
      if (c.kind() == Constant.Kind.BUFFER) {
        buffers.put(c.name(), c.tensor().copy());
      }
    }
  }

  private static void checkReplacement(Node n, List<Tensor> results, List<Tensor> replaced) {
    if (replaced.size() != results.size()) {
      throw new IllegalStateException("an interceptor replaced " + results.size() + " results of %" + n.name()
          + " with " + replaced.size());
    }
    for (int r = 0; r < results.size(); r++) {
      if (!replaced.get(r).type().equals(results.get(r).type())) {
        throw new IllegalStateException("an interceptor replaced result " + r + " of %" + n.name() + " ("
            + results.get(r).type() + ") with " + replaced.get(r).type());
      }
    }
  }

  /** The interpreter's current buffer values by constant name (live, mutable state). */
  public Map<String, Tensor> buffers() {
    return buffers;
  }

  /** Runs the graph on {@code inputs} (one per graph input, types must match exactly). */
  public List<Tensor> run(List<Tensor> inputs) {
    return run(inputs, null);
  }

  /** Runs the graph, calling {@code listener} (if not null) after each node. */
  public List<Tensor> run(List<Tensor> inputs, Listener listener) {
    return intercept(inputs, listener == null ? null : (node, results) -> {
      listener.onNode(node, results);
      return results;
    });
  }

  /**
   * Runs the graph; after each node, {@code interceptor} (if not null) sees its results and returns
   * the ones later nodes read.
   *
   * @throws IllegalStateException if the interceptor returns a different number or type of tensors
   */
  public List<Tensor> intercept(List<Tensor> inputs, Interceptor interceptor) {
    List<Value> graphInputs = graph.inputs();
    checkArgument(inputs.size() == graphInputs.size(),
        "graph %s takes %s inputs, got %s", graph.name(), graphInputs.size(), inputs.size());
    Map<Value, Tensor> env = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Value v = graphInputs.get(i);
      Tensor t = inputs.get(i);
      if (!t.type().equals(v.type())) {
        throw new QforgeException("input %" + v.name() + " of graph " + graph.name() + " must be "
            + v.type() + ", got " + t.type());
      }
      env.put(v, t);
    }
    for (Constant c : graph.constants().values()) {
      env.put(c.value(), c.kind() == Constant.Kind.BUFFER ? buffers.get(c.name()) : c.tensor());
    }
    // Free each intermediate after its last use so that large graphs run in bounded memory.
    Map<Value, Integer> lastUse = new HashMap<>();
    List<Node> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      for (Value v : nodes.get(i).inputValues()) {
        lastUse.put(v, i);
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      List<Tensor> results = execute(n, env);
      if (interceptor != null) {
        List<Tensor> replaced = interceptor.afterNode(n, results);
        if (replaced != results) {
          checkReplacement(n, results, replaced);
          results = replaced;
        }
      }
      for (int r = 0; r < results.size(); r++) {
        env.put(n.results().get(r), results.get(r));
      }
      for (Value v : n.inputValues()) {
        if (v.kind() == Value.Kind.RESULT && lastUse.get(v) == i && !graph.outputs().contains(v)) {
          env.remove(v);
        }
      }
    }
    List<Tensor> out = new ArrayList<>();
    for (Value v : graph.outputs()) {
      out.add(env.get(v));
    }
    return out;
  }

  private static List<Tensor> execute(Node n, Map<Value, Tensor> env) {
    OpDef op = n.op();
    List<TensorType> resultTypes = n.results().stream().map(Value::type).toList();
    KernelContext ctx = new Context(op, n.args(), env, resultTypes);
    List<Tensor> results;
    try {
      results = op.kernel().run(ctx);
    } catch (QforgeException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new QforgeException("node %" + n.name() + " (" + op.name() + ") failed: " + e.getMessage(), e);
    }
    if (results.size() != resultTypes.size()) {
      throw new IllegalStateException(op.name() + " kernel returned " + results.size()
          + " results, expected " + resultTypes.size());
    }
    for (int r = 0; r < results.size(); r++) {
      if (!results.get(r).type().equals(resultTypes.get(r))) {
        throw new IllegalStateException("node %" + n.name() + " (" + op.name() + ") produced "
            + results.get(r).type() + " but declares " + resultTypes.get(r));
      }
    }
    return results;
  }

  private record Context(OpDef op, List<Argument> args, Map<Value, Tensor> env, List<TensorType> resultTypes)
      implements KernelContext {

    @Override
    public Argument arg(int i) {
      return args.get(i);
    }

    @Override
    public TensorType type(int i) {
      return tensor(i).type();
    }

    @Override
    public List<TensorType> types(int i) {
      return tensors(i).stream().map(Tensor::type).toList();
    }

    @Override
    public Tensor tensor(int i) {
      if (args.get(i) instanceof Value v) {
        return env.get(v);
      }
      throw new IllegalArgumentException(op.name() + " argument '" + op.params().get(i).name()
          + "' should be a tensor, got " + args.get(i));
    }

    @Override
    public Tensor optTensor(int i) {
      return isNone(i) ? null : tensor(i);
    }

    @Override
    public List<Tensor> tensors(int i) {
      if (args.get(i) instanceof ValueList vl) {
        return vl.values().stream().map(env::get).toList();
      }
      throw new IllegalArgumentException(op.name() + " argument '" + op.params().get(i).name()
          + "' should be a list of tensors, got " + args.get(i));
    }
  }
}
