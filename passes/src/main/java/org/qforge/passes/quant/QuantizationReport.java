package org.qforge.passes.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;

/**
 * The quantization parameters a converted graph uses, in the layout of the reference
 * {@code qparams.json}: activations keyed by the node whose output is quantized, weights keyed by
 * {@code <consumer node>.arg<i>} with their integer values.
 *
 * @param activations per quantized activation
 * @param weights per quantized weight input
 */
public record QuantizationReport(Map<String, Activation> activations, Map<String, Weight> weights) {

  /**
   * One activation's parameters.
   *
   * @param scale the scale (a float32 value)
   * @param zeroPoint the zero point
   * @param quantMin lower bound
   * @param quantMax upper bound
   * @param dtype quantized dtype
   */
  public record Activation(double scale, long zeroPoint, long quantMin, long quantMax, DType dtype) {}

  /**
   * One weight's parameters and integer values.
   *
   * @param intValuesOf the constant holding the integer values (e.g. {@code _frozen_param0})
   * @param feeds every {@code consumer.arg<i>} the dequantized weight feeds
   * @param dtype quantized dtype
   * @param quantMin lower bound
   * @param quantMax upper bound
   * @param scales one scale per tensor or per channel
   * @param zeroPoints matching zero points
   * @param axis channel axis, or null for per-tensor
   * @param values the integer weight
   */
  public record Weight(String intValuesOf, List<String> feeds, DType dtype, long quantMin, long quantMax,
      double[] scales, long[] zeroPoints, Integer axis, Tensor values) {}

  /** Reads the parameters off a converted graph. */
  public static QuantizationReport of(Graph g) {
    Map<String, Activation> acts = new LinkedHashMap<>();
    Map<String, Weight> weights = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      String op = n.op().name();
      if (op.equals("quantized_decomposed.quantize_per_tensor") && !isConstant(g, (Value) n.arg(0))) {
        acts.putIfAbsent(((Value) n.arg(0)).name(), new Activation(lit(n.arg(1)), (long) lit(n.arg(2)),
            (long) lit(n.arg(3)), (long) lit(n.arg(4)), ((Literal.DTypeLit) n.arg(5)).value()));
      }
      if (op.startsWith("quantized_decomposed.dequantize_per_") && isConstant(g, (Value) n.arg(0))) {
        Weight w = weight(g, n);
        for (String key : w.feeds()) {
          weights.put(key, w);
        }
      }
    }
    return new QuantizationReport(acts, weights);
  }

  private static double lit(Argument a) {
    return a instanceof Literal.Int i ? i.value() : ((Literal.Float) a).value();
  }

  /** A value computed from constants only: a constant, or a quantize of one (fold_quantize off). */
  private static boolean isConstant(Graph g, Value v) {
    if (v.kind() == Value.Kind.CONSTANT) {
      return true;
    }
    Node p = v.producer();
    return p != null && p.op().name().startsWith("quantized_decomposed.quantize_per_")
        && ((Value) p.arg(0)).kind() == Value.Kind.CONSTANT;
  }

  private static Weight weight(Graph g, Node dq) {
    Value in = (Value) dq.arg(0);
    List<String> feeds = new ArrayList<>();
    for (Node user : new LinkedHashSet<>(dq.result().users())) {
      for (int i = 0; i < user.args().size(); i++) {
        if (user.arg(i) == dq.result()) {
          feeds.add(user.name() + ".arg" + i);
        }
      }
    }
    boolean perChannel = dq.op().name().equals("quantized_decomposed.dequantize_per_channel");
    double[] scales;
    long[] zps;
    Integer axis = null;
    int last;
    if (perChannel) {
      Tensor s = g.constant(((Value) dq.arg(1)).name()).tensor();
      Tensor z = dq.arg(2) instanceof Value zv ? g.constant(zv.name()).tensor() : null;
      scales = new double[s.numel()];
      zps = new long[s.numel()];
      for (int i = 0; i < scales.length; i++) {
        scales[i] = s.getDouble(i);
        zps[i] = z == null ? 0 : z.getLong(i);
      }
      axis = (int) ((Literal.Int) dq.arg(3)).value();
      last = 4;
    } else {
      scales = new double[] {lit(dq.arg(1))};
      zps = new long[] {(long) lit(dq.arg(2))};
      last = 3;
    }
    Tensor values;
    String name;
    if (in.kind() == Value.Kind.CONSTANT) {
      values = g.constant(in.name()).tensor();
      name = g.constant(in.name()).fqn().isEmpty() ? in.name() : g.constant(in.name()).fqn();
    } else {
      values = evaluateQuantize(g, in.producer());
      name = in.name();
    }
    return new Weight(name, feeds, ((Literal.DTypeLit) dq.arg(last + 2)).value(), (long) lit(dq.arg(last)),
        (long) lit(dq.arg(last + 1)), scales, zps, axis, values);
  }

  private static Tensor evaluateQuantize(Graph g, Node q) {
    Graph sub = new Graph("q");
    List<Argument> args = new ArrayList<>();
    for (Argument a : q.args()) {
      if (a instanceof Value v) {
        Constant c = g.constant(v.name());
        args.add(sub.value(v.name()) != null ? sub.value(v.name())
            : sub.addConstant(v.name(), Constant.Kind.CONST, "", c.tensor()));
      } else {
        args.add(a);
      }
    }
    Node copy = sub.addNode(q.op(), args, List.of("q"), List.of(q.result().type()), Map.of());
    sub.setOutputs(List.of(copy.result()));
    return new Interpreter(sub).run(List.of()).get(0);
  }
}
