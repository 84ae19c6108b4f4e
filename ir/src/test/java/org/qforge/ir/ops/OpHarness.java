package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.interp.Interpreter;

/**
 * Runs one op through the real path: bind the arguments to the schema, infer result types with
 * the shape function, build a one-node graph and run it in the interpreter.
 *
 * <p>Arguments are given as Java values: a {@link Tensor} becomes a graph input, a {@link Buffer} a
 * buffer constant, a {@code List<Tensor>} a tensor list, {@code int}/{@code long} an int literal,
 * {@code double} a float literal, {@code boolean}, {@code int[]}, {@link DType}, and {@code null}
 * for none; a {@link Literal} is passed as it is.
 */
final class OpHarness {
  private OpHarness() {}

  /** Marks a tensor to be passed as a buffer constant (mutable state of the interpreter). */
  record Buffer(String name, Tensor tensor) {}

  /** One run's results, with the interpreter (for its buffers) and the inferred types. */
  record Run(List<Tensor> outputs, Interpreter interpreter, List<TensorType> types) {
    Tensor out() {
      return outputs.get(0);
    }
  }

  static OpDef op(String name) {
    return OpRegistry.standard().get(name);
  }

  /** Runs {@code name} with positional arguments. */
  static Run run(String name, Object... args) {
    return run(name, asList(args), Map.of());
  }

  private static List<Object> asList(Object[] args) {
    List<Object> l = new ArrayList<>();
    for (Object o : args) {
      l.add(o);
    }
    return l;
  }

  /** Runs {@code name} with positional and named arguments. */
  static Run run(String name, List<Object> positional, Map<String, Object> named) {
    OpDef op = op(name);
    Graph g = new Graph("t");
    List<Tensor> inputs = new ArrayList<>();
    List<Argument> pos = new ArrayList<>();
    for (Object o : positional) {
      pos.add(toArg(g, inputs, o));
    }
    Map<String, Argument> nm = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : named.entrySet()) {
      nm.put(e.getKey(), toArg(g, inputs, e.getValue()));
    }
    List<Argument> bound = op.bind(pos, nm);
    List<TensorType> types = op.shapeFunction().infer(new NodeArgs(op, bound));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      names.add("y" + i);
    }
    Node n = g.addNode(op, bound, names, types, Map.of());
    g.setOutputs(n.results());
    Interpreter interp = new Interpreter(g);
    List<Tensor> out = interp.run(inputs);
    for (int i = 0; i < out.size(); i++) {
      assertEquals(types.get(i), out.get(i).type(), "kernel result type must match the shape function");
    }
    return new Run(out, interp, types);
  }

  /** Only the shape function: the inferred types for arguments given as {@link TensorType}s or literals. */
  static List<TensorType> infer(String name, Object... args) {
    OpDef op = op(name);
    Graph g = new Graph("t");
    List<Argument> pos = new ArrayList<>();
    for (Object o : args) {
      if (o instanceof TensorType t) {
        pos.add(g.addInput("x" + pos.size(), t));
      } else if (o instanceof TensorType[] ts) {
        List<Value> vs = new ArrayList<>();
        for (TensorType t : ts) {
          vs.add(g.addInput("x", t));
        }
        pos.add(new ValueList(vs));
      } else {
        pos.add(toArg(g, new ArrayList<>(), o));
      }
    }
    return op.shapeFunction().infer(new NodeArgs(op, op.bind(pos, Map.of())));
  }

  /** Asserts the shape function rejects the arguments with a message containing every fragment. */
  static String inferError(String name, Object[] args, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> infer(name, args));
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
    }
    return e.getMessage();
  }

  private static Argument toArg(Graph g, List<Tensor> inputs, Object o) {
    if (o == null) {
      return Literal.NONE;
    }
    if (o instanceof Argument a) {
      return a;
    }
    if (o instanceof Tensor t) {
      inputs.add(t);
      return g.addInput("x", t.type());
    }
    if (o instanceof Buffer b) {
      return g.addConstant(b.name(), Constant.Kind.BUFFER, b.name(), b.tensor());
    }
    if (o instanceof List<?> list) {
      List<Value> vs = new ArrayList<>();
      for (Object e : list) {
        vs.add((Value) toArg(g, inputs, e));
      }
      return new ValueList(vs);
    }
    return Literal.fromJava(o);
  }

  // ---- tensor helpers ----

  static Tensor f32(float[] values, int... shape) {
    return Tensor.ofFloats(values, shape);
  }

  /** An f32 tensor of the given shape holding 0, 1, 2, ... */
  static Tensor iota(int... shape) {
    TensorType t = TensorType.of(DType.F32, shape);
    float[] v = new float[t.numelInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return Tensor.ofFloats(v, shape);
  }

  /** Deterministic pseudo-random f32 values in [-1, 1). */
  static Tensor random(long seed, int... shape) {
    java.util.Random r = new java.util.Random(seed);
    TensorType t = TensorType.of(DType.F32, shape);
    float[] v = new float[t.numelInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return Tensor.ofFloats(v, shape);
  }

  static TensorType f32Type(int... shape) {
    return TensorType.of(DType.F32, shape);
  }

  /** Asserts element-wise closeness: |a - e| <= atol + rtol * |e|. */
  static void assertClose(double[] expected, Tensor actual, double rtol, double atol) {
    assertEquals(expected.length, actual.numel(), "element count");
    for (int i = 0; i < expected.length; i++) {
      double a = actual.getDouble(i);
      double e = expected[i];
      assertTrue(Math.abs(a - e) <= atol + rtol * Math.abs(e),
          "element " + i + ": expected " + e + " but was " + a);
    }
  }

  static void assertValues(Tensor actual, double... expected) {
    assertClose(expected, actual, 0, 0);
  }

  static double[] doubles(Tensor t) {
    double[] d = new double[t.numel()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getDouble(i);
    }
    return d;
  }
}
