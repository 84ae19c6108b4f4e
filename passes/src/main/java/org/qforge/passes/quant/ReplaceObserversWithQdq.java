package org.qforge.passes.quant;

import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;
import org.qforge.passes.quant.observer.Observer;
import org.qforge.passes.quant.observer.ObserverSettings;
import org.qforge.passes.quant.observer.QParams;

/**
 * Convert step 1 ({@code _convert_to_reference_decomposed_fx}, i.e. FX convert with
 * {@code is_reference=True, is_decomposed=True}): each {@code qforge.observe} node becomes a
 * {@code quantize → dequantize} pair with the observer's parameters, in graph order.
 *
 * <ul>
 *   <li>static per-tensor: {@code quantized_decomposed.quantize_per_tensor(x, scale, zp, qmin, qmax,
 *       dtype)} and the matching dequantize, scale and zero point as literals;
 *   <li>static per-channel: {@code quantize_per_channel(x, _scale_<i>, _zero_point_<i>, axis, ...)}
 *       with the scales (f32) and zero points (i64) as new buffer constants;
 *   <li>an observer that cannot be converted (a float placeholder) is removed.
 * </ul>
 *
 * Requires: a calibrated {@link ObservedGraph}. Guarantees: no {@code qforge.observe} node is left;
 * dead nodes are removed.
 */
public final class ReplaceObserversWithQdq implements Pass {
  private final List<Observer> observers;
  private final OpRegistry ops = OpRegistry.standard();

  public ReplaceObserversWithQdq(List<Observer> observers) {
    this.observers = observers;
  }

  @Override
  public String name() {
    return "replace-observers-with-qdq";
  }

  @Override
  public void run(Graph graph) {
    for (Node obsNode : List.copyOf(graph.nodes())) {
      if (!obsNode.op().name().equals("qforge.observe")) {
        continue;
      }
      Observer obs = observers.get((int) ((Literal.Int) obsNode.arg(1)).value());
      Value x = (Value) obsNode.arg(0);
      ObserverSettings s = obs.settings();
      Value replacement;
      if (s.isDynamic()) {
        replacement = dynamic(graph, obsNode, x, obs);
      } else if (s.dtype().isFloatingPoint()) {
        replacement = x;
      } else if (s.qscheme().isPerChannel()) {
        replacement = perChannel(graph, obsNode, x, obs);
      } else {
        replacement = perTensor(graph, obsNode, x, obs);
      }
      graph.replaceAllUses(obsNode.result(), replacement);
      graph.erase(obsNode);
    }
    new EliminateDeadCode().run(graph);
  }

  /** The observer's effective quant_min/quant_max ({@code calculate_qmin_qmax} without reduce_range). */
  static long[] qRange(ObserverSettings s) {
    if (s.quantMin() != null && s.quantMax() != null) {
      return new long[] {s.quantMin(), s.quantMax()};
    }
    return new long[] {s.dtype().minValue(), s.dtype().maxValue()};
  }

  private Value perTensor(Graph g, Node at, Value x, Observer obs) {
    QParams qp = obs.calculateQParams();
    long[] range = qRange(obs.settings());
    DType dtype = obs.settings().dtype();
    List<Argument> qArgs = List.of(x, new Literal.Float(qp.scale()), new Literal.Int(qp.zeroPoint()),
        new Literal.Int(range[0]), new Literal.Int(range[1]), new Literal.DTypeLit(dtype));
    Node q = insert(g, at, "quantized_decomposed.quantize_per_tensor", qArgs, "quantize_per_tensor_default",
        x.type().withDType(dtype));
    List<Argument> dqArgs = List.of(q.result(), new Literal.Float(qp.scale()), new Literal.Int(qp.zeroPoint()),
        new Literal.Int(range[0]), new Literal.Int(range[1]), new Literal.DTypeLit(dtype), Literal.NONE);
    return insert(g, at, "quantized_decomposed.dequantize_per_tensor", dqArgs, "dequantize_per_tensor_default",
        x.type()).result();
  }

  private Value perChannel(Graph g, Node at, Value x, Observer obs) {
    QParams qp = obs.calculateQParams();
    long[] range = qRange(obs.settings());
    DType dtype = obs.settings().dtype();
    int axis = obs.settings().chAxis() == null ? 0 : obs.settings().chAxis();
    Value scales = g.addConstant(freeName(g, "_scale_"), Constant.Kind.BUFFER, "",
        Tensor.ofFloats(qp.scales(), qp.size()));
    Value zps = g.addConstant(freeName(g, "_zero_point_"), Constant.Kind.BUFFER, "",
        Tensor.ofLongs(qp.zeroPoints(), qp.size()));
    List<Argument> qArgs = List.of(x, scales, zps, new Literal.Int(axis), new Literal.Int(range[0]),
        new Literal.Int(range[1]), new Literal.DTypeLit(dtype));
    Node q = insert(g, at, "quantized_decomposed.quantize_per_channel", qArgs, "quantize_per_channel_default",
        x.type().withDType(dtype));
    List<Argument> dqArgs = List.of(q.result(), scales, zps, new Literal.Int(axis), new Literal.Int(range[0]),
        new Literal.Int(range[1]), new Literal.DTypeLit(dtype), Literal.NONE);
    return insert(g, at, "quantized_decomposed.dequantize_per_channel", dqArgs, "dequantize_per_channel_default",
        x.type()).result();
  }

  /**
   * Dynamic quantization: {@code choose_qparams.tensor} (or the symmetric variant) computes scale and
   * zero point from the tensor at run time; eps is the observer's, or float32 epsilon if it has none.
   */
  private Value dynamic(Graph g, Node at, Value x, Observer obs) {
    ObserverSettings s = obs.settings();
    long[] range = qRange(s);
    double eps = obs instanceof org.qforge.passes.quant.observer.PlaceholderObserver p ? p.eps() : 0x1p-23;
    String choose = s.qscheme() == org.qforge.passes.quant.Qscheme.PER_TENSOR_SYMMETRIC
        ? "quantized_decomposed.choose_qparams_symmetric.tensor" : "quantized_decomposed.choose_qparams.tensor";
    OpDef cq = ops.get(choose);
    List<Argument> cqArgs = cq.bind(List.of(x, new Literal.Int(range[0]), new Literal.Int(range[1]),
        new Literal.Float(eps), new Literal.DTypeLit(s.dtype())), Map.of());
    Node chooser = g.insertBefore(at, cq, cqArgs, List.of("choose_qparams_tensor", "choose_qparams_tensor_1"),
        cq.shapeFunction().infer(new org.qforge.ir.NodeArgs(cq, cqArgs)), Map.of());
    Value scale = chooser.results().get(0);
    Value zp = chooser.results().get(1);
    List<Argument> qArgs = List.of(x, scale, zp, new Literal.Int(range[0]), new Literal.Int(range[1]),
        new Literal.DTypeLit(s.dtype()));
    Node q = insert(g, at, "quantized_decomposed.quantize_per_tensor.tensor", qArgs, "quantize_per_tensor_tensor",
        x.type().withDType(s.dtype()));
    List<Argument> dqArgs = List.of(q.result(), scale, zp, new Literal.Int(range[0]), new Literal.Int(range[1]),
        new Literal.DTypeLit(s.dtype()), Literal.NONE);
    return insert(g, at, "quantized_decomposed.dequantize_per_tensor.tensor", dqArgs, "dequantize_per_tensor_tensor",
        x.type()).result();
  }

  /** {@code get_new_attr_name_with_prefix}: the prefix with the smallest free integer suffix. */
  private static String freeName(Graph g, String prefix) {
    int i = 0;
    while (g.value(prefix + i) != null) {
      i++;
    }
    return prefix + i;
  }

  private Node insert(Graph g, Node before, String op, List<Argument> args, String name, TensorType type) {
    OpDef def = ops.get(op);
    return g.insertBefore(before, def, def.bind(args, Map.of()), List.of(name), List.of(type), Map.of());
  }
}
