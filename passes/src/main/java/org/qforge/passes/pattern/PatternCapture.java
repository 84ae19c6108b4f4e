package org.qforge.passes.pattern;

import java.util.List;
import org.qforge.ir.Graph;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;

/**
 * Turns a pattern written as a Java function into a {@link Pattern}: the counterpart of PT2E's
 * {@code _get_aten_graph_module_for_pattern}, which exports a Python function with example inputs.
 * The function receives a {@link GraphBuilder} and one placeholder per example input (named
 * {@code arg0_1}, {@code arg1_1}, ... as in exported pattern graphs) and returns the pattern's
 * output: a {@link Value}, or a {@code List<Value>} for several outputs.
 *
 * <pre>{@code
 * Pattern p = PatternCapture.capture("linear_relu",
 *     List.of(TensorType.of(F32, 1, 4), TensorType.of(F32, 3, 4), TensorType.of(F32, 3)),
 *     (b, in) -> b.relu(b.linear(in[0], in[1], in[2])));
 * }</pre>
 */
public final class PatternCapture {
  private PatternCapture() {}

  /** The body of a pattern. */
  @FunctionalInterface
  public interface PatternFunction {
    Object apply(GraphBuilder b, Value[] inputs);
  }

  /**
   * A pattern whose first inputs are tensors of the given types and whose remaining inputs stand
   * for literals ({@link GraphBuilder#literalInput}), typed by the example values.
   */
  public static Pattern capture(String name, List<TensorType> tensorInputs, List<Object> literalExamples,
      PatternFunction body) {
    Graph g = new Graph(name);
    GraphBuilder b = new GraphBuilder(g);
    Value[] inputs = new Value[tensorInputs.size() + literalExamples.size()];
    for (int i = 0; i < tensorInputs.size(); i++) {
      inputs[i] = g.addInput("arg" + i + "_1", tensorInputs.get(i));
    }
    for (int i = 0; i < literalExamples.size(); i++) {
      int k = tensorInputs.size() + i;
      inputs[k] = b.literalInput("arg" + k + "_1", literalExamples.get(i));
    }
    return finish(name, g, b, body.apply(b, inputs));
  }

  /** Runs {@code body} on placeholders of the example types and returns the captured pattern. */
  public static Pattern capture(String name, List<TensorType> exampleInputs, PatternFunction body) {
    Graph g = new Graph(name);
    Value[] inputs = new Value[exampleInputs.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = g.addInput("arg" + i + "_1", exampleInputs.get(i));
    }
    GraphBuilder b = new GraphBuilder(g);
    return finish(name, g, b, body.apply(b, inputs));
  }

  private static Pattern finish(String name, Graph g, GraphBuilder b, Object out) {
    if (out instanceof Value v) {
      g.setOutputs(List.of(v));
    } else if (out instanceof List<?> list && list.stream().allMatch(Value.class::isInstance)) {
      g.setOutputs(list.stream().map(Value.class::cast).toList());
    } else {
      throw new IllegalArgumentException("pattern " + name + " must return a Value or a List<Value>, got " + out);
    }
    if (!b.hasLiteralInputs()) {
      org.qforge.ir.verify.Verifier.verify(g);
    }
    return new Pattern(g, b.namedNodes());
  }
}
