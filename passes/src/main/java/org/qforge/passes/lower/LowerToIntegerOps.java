package org.qforge.passes.lower;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;

/**
 * Lowers a converted PT2E program (quantize / dequantize around fp32 ops) to integer arithmetic: each
 * {@code dequantize → fp32 op [→ relu | hardtanh | clamp] → quantize_per_tensor} becomes one
 * {@code qforge.} integer op ({@code org.qforge.ir.ops.IntegerOps}) from the dequantized integer
 * inputs to the quantize's users, so that the program is integer from its first quantize to its last
 * dequantize. This is <b>not</b> part of PT2E's {@code convert_pt2e}, whose output (the q/dq program)
 * it takes as input; it prepares the program for the code generator.
 *
 * <p>Walking the quantize nodes in graph order, the pass lowers a {@code quantize_per_tensor} (literal
 * scale and zero point, to i8 or u8) of the result of:
 *
 * <ul>
 *   <li>{@code aten.conv1d}, {@code aten.conv2d} (any stride, padding, dilation, groups: depthwise and
 *       grouped too) and non-transposed {@code aten.convolution} → {@code qforge.quantized_conv1d/2d};
 *       {@code aten.linear} → {@code qforge.quantized_linear}. The input must be a
 *       {@code dequantize_per_tensor}; the weight a {@code dequantize_per_channel} along axis 0 or a
 *       {@code dequantize_per_tensor} of an i8 (or u8) value, whose per-tensor parameters become new
 *       per-channel constants {@code <name>_weight_scales} f32 [O] and {@code <name>_weight_zero_points}
 *       i64 [O]; the bias none or an f32 constant (or graph input).
 *   <li>{@code aten.add.Tensor} (alpha 1) and {@code aten.mul.Tensor} of two dequantized tensors →
 *       {@code qforge.quantized_add} / {@code quantized_mul}; {@code aten.cat} of dequantized tensors →
 *       {@code qforge.quantized_cat}.
 *   <li>{@code aten.max_pool2d}, {@code aten.adaptive_avg_pool2d}, {@code aten.mean.dim} and
 *       {@code aten.mean} (without a dtype) → {@code qforge.quantized_max_pool2d},
 *       {@code quantized_adaptive_avg_pool2d}, {@code quantized_mean}. Max pooling carries both
 *       parameter sets; when they are equal (PT2E shares them) it is the plain integer maximum.
 *   <li>shape ops ({@code flatten.using_ints}, {@code view}, {@code reshape}, {@code permute},
 *       {@code transpose.int}, {@code squeeze} (all overloads), {@code unsqueeze}, {@code clone},
 *       {@code slice.Tensor}, {@code select.int}, {@code expand}): the same op on the integer tensor,
 *       followed by {@code qforge.requantize} only when the quantize's parameters differ from the
 *       dequantize's (or its bounds are narrower than the dequantize's {@code quant_min}/{@code
 *       quant_max}).
 *   <li>a dequantize itself, possibly through a relu, hardtanh or clamp (PT2E leaves a standalone
 *       hardtanh as {@code q → dq → hardtanh → q}): {@code qforge.requantize}, or nothing at all when
 *       the quantize gives back the dequantized integer value unchanged.
 * </ul>
 *
 * A relu, hardtanh or clamp between the op and the quantize folds into the integer op's {@code
 * output_min}/{@code output_max} ({@link QuantizedOutput}). The fp32 op (and its activation) must have
 * no user but the chain to the quantize, so that nothing is computed twice.
 *
 * <p>Requires: a verified program as {@code Pt2eFlow.convert} leaves it (with or without folded
 * weights), in which a dequantize's {@code quant_min}/{@code quant_max} bound the values of its
 * input, as PT2E's quantize/dequantize pairs guarantee. Guarantees: every replaced quantize's users
 * now use an integer value of exactly the quantize's type (so the program still verifies); nodes and
 * constants left dead are removed. Quantize nodes of graph inputs (or of values not computed from
 * dequantized ones) and the dequantize nodes of graph outputs stay: they are the boundary. Whatever
 * has no integer form stays as it was, and {@link #lower} reports it.
 *
 * <p>Numerics: the integer ops compute in exact integers and double, rounding half to even; they
 * agree with the q/dq program they replace except for last-bit float32-versus-double differences
 * that move an output by one quantization step when its value lies within a rounding error of a
 * half step.
 */
public final class LowerToIntegerOps implements Pass {
  private static final String NS = "qforge.";

  /** Ops that only rearrange elements, which run on integer tensors as they are. */
  private static final Set<String> SHAPE_OPS = Set.of("aten.flatten.using_ints", "aten.view", "aten.reshape",
      "aten.permute", "aten.transpose.int", "aten.squeeze", "aten.squeeze.dim", "aten.squeeze.dims",
      "aten.unsqueeze", "aten.clone", "aten.slice.Tensor", "aten.select.int", "aten.expand");

  private final OpRegistry ops = OpRegistry.standard();

  @Override
  public String name() {
    return "lower-to-integer-ops";
  }

  @Override
  public void run(Graph graph) {
    lower(graph);
  }

  /** Lowers {@code graph} in place and reports what was replaced and what was left. */
  public LoweringReport lower(Graph graph) {
    List<LoweringReport.Lowered> lowered = new ArrayList<>();
    List<LoweringReport.Left> left = new ArrayList<>();
    for (Node q : List.copyOf(graph.nodes())) {
      if (q.isErased() || !q.op().name().equals(QuantizedOutput.QUANTIZE)) {
        continue;
      }
      Outcome r = lowerQuantize(graph, q);
      if (r.value == null) {
        left.add(new LoweringReport.Left(q.name(), r.reason));
        continue;
      }
      String name = q.name();
      graph.replaceAllUses(q.result(), r.value);
      graph.erase(q);
      lowered.add(new LoweringReport.Lowered(name, r.value.name(), r.source, r.integerOps));
    }
    new EliminateDeadCode().run(graph);
    return new LoweringReport(lowered, left);
  }

  /** The value that replaces a quantize, with what it replaced; or no value and the reason. */
  private record Outcome(Value value, String source, String integerOps, String reason) {
    static Outcome left(String reason) {
      return new Outcome(null, null, null, reason);
    }
  }

  /** Signals that a pattern does not apply, with the reason. */
  private static final class NotLowered extends Exception {
    private static final long serialVersionUID = 1L;

    NotLowered(String reason) {
      super(reason, null, false, false);
    }
  }

  /** The chain ending in quantize {@code q}: its activation (or null), the op before it, and the bounds. */
  private record Chain(Node q, Node activation, Node core, QuantizedOutput out) {
    /** The node whose metadata and name the replacement takes. */
    Node named() {
      return core.op().name().equals(DequantizedInput.DEQUANTIZE) ? (activation != null ? activation : q) : core;
    }

    String source() {
      return core.op().name() + (activation != null ? "+" + activation.op().name() : "");
    }
  }

  private Outcome lowerQuantize(Graph graph, Node q) {
    QuantizedOutput out = QuantizedOutput.of(q);
    if (out == null) {
      return Outcome.left("quantizes to neither i8 nor u8");
    }
    Value in = (Value) q.arg(0);
    Node core = in.producer();
    if (core == null) {
      return Outcome.left("quantizes " + (in.kind() == Value.Kind.INPUT ? "graph input %" : "constant %")
          + in.name() + ": the boundary of the integer program");
    }
    Node activation = null;
    if (QuantizedOutput.isClampingActivation(core)) {
      activation = core;
      if (!soleUser(graph, activation, q)) {
        return Outcome.left("%" + activation.name() + " has users besides the quantize");
      }
      out = out.clampedBy(activation);
      if (out == null) {
        return Outcome.left("%" + activation.name() + " leaves no quantized value in range");
      }
      core = ((Value) activation.arg(0)).producer();
      if (core == null) {
        return Outcome.left("quantizes an activation of a graph input or constant: the boundary of the integer"
            + " program");
      }
    }
    boolean isDequantize = core.op().name().equals(DequantizedInput.DEQUANTIZE);
    if (!isDequantize && core.inputValues().stream().noneMatch(LowerToIntegerOps::isDequantized)) {
      return Outcome.left("quantizes %" + core.name() + ", which computes on no dequantized value: the boundary"
          + " of the integer program");
    }
    if (!isDequantize && !soleUser(graph, core, activation != null ? activation : q)) {
      return Outcome.left("%" + core.name() + " has users besides the quantize");
    }
    Chain chain = new Chain(q, activation, core, out);
    try {
      Lowering l = lowerChain(graph, chain);
      if (!l.value.type().equals(q.result().type())) {
        // Cannot happen for consistent programs; kept as a guard so that types are always preserved.
        return Outcome.left("the integer form has type " + l.value.type() + ", not " + q.result().type());
      }
      return new Outcome(l.value, chain.source(), l.integerOps, null);
    } catch (NotLowered e) {
      return Outcome.left(e.getMessage());
    }
  }

  /** A replacement value and the names of the ops that compute it. */
  private record Lowering(Value value, String integerOps) {}

  private Lowering lowerChain(Graph graph, Chain c) throws NotLowered {
    String op = c.core.op().name();
    return switch (op) {
      case "aten.conv1d", "aten.conv2d", "aten.convolution", "aten.linear" -> weighted(graph, c);
      case "aten.add.Tensor", "aten.mul.Tensor" -> binary(graph, c);
      case "aten.cat" -> cat(graph, c);
      case "aten.max_pool2d" -> unary(graph, c, "quantized_max_pool2d",
          "kernel_size", "stride", "padding", "dilation", "ceil_mode");
      case "aten.adaptive_avg_pool2d" -> unary(graph, c, "quantized_adaptive_avg_pool2d", "output_size");
      case "aten.mean.dim", "aten.mean" -> {
        if (!c.core.arg("dtype").equals(Literal.NONE)) {
          throw new NotLowered("%" + c.core.name() + " has a dtype");
        }
        yield op.equals("aten.mean") ? unary(graph, c, "quantized_mean") : unary(graph, c, "quantized_mean", "dim",
            "keepdim");
      }
      case DequantizedInput.DEQUANTIZE -> requantized(graph, c, dequantized(c.core.result(), c), null);
      default -> {
        if (SHAPE_OPS.contains(op)) {
          yield shapeOp(graph, c);
        }
        throw new NotLowered(op + " has no integer form");
      }
    };
  }

  // ---- the patterns ----

  /** conv1d / conv2d / convolution / linear with a dequantized input and weight. */
  private Lowering weighted(Graph graph, Chain c) throws NotLowered {
    Node core = c.core;
    String op = core.op().name();
    String target;
    Map<String, Argument> named = new LinkedHashMap<>();
    if (op.equals("aten.linear")) {
      target = "quantized_linear";
    } else {
      int rank = ((Value) core.arg("weight")).type().rank() - 2;
      if (rank != 1 && rank != 2) {
        throw new NotLowered("%" + core.name() + " is a " + rank + "-D convolution");
      }
      if (op.equals("aten.convolution")) {
        if (!core.arg("transposed").equals(new Literal.Bool(false))) {
          throw new NotLowered("%" + core.name() + " is a transposed convolution");
        }
        for (int p : NodeArgs.of(core).ints(core.op().paramIndex("output_padding"))) {
          if (p != 0) {
            throw new NotLowered("%" + core.name() + " has output padding");
          }
        }
      }
      target = "quantized_conv" + rank + "d";
      for (String p : List.of("stride", "padding", "dilation", "groups")) {
        named.put(p, core.arg(p));
      }
    }
    DequantizedInput x = dequantized(core.arg("input"), c);
    Argument bias = core.arg("bias");
    if (bias instanceof Value b && b.producer() != null) {
      throw new NotLowered("the bias of %" + core.name() + " is computed by %" + b.producer().name());
    }
    if (!(core.arg("weight") instanceof Value wv)) {
      throw new NotLowered("the weight of %" + core.name() + " is not a tensor");
    }
    QuantizedWeight w = QuantizedWeight.of(graph, wv, c.named().name());
    if (w == null) {
      throw new NotLowered("the weight of %" + core.name()
          + " is not an i8/u8 tensor dequantized per tensor or per channel along axis 0");
    }
    Map<String, Argument> all = new LinkedHashMap<>();
    all.put("input_scale", new Literal.Float(x.scale()));
    all.put("input_zero_point", new Literal.Int(x.zeroPoint()));
    putOutput(all, c.out);
    all.putAll(named);
    Value v = emit(graph, c, target, List.of(x.quantized(), w.weight(), w.scales(), w.zeroPoints(), bias), all,
        "q" + c.named().name());
    return new Lowering(v, NS + target);
  }

  /** add (alpha 1) and mul of two dequantized tensors. */
  private Lowering binary(Graph graph, Chain c) throws NotLowered {
    Node core = c.core;
    boolean add = core.op().name().equals("aten.add.Tensor");
    if (add && !isOne(core.arg("alpha"))) {
      throw new NotLowered("%" + core.name() + " has alpha " + core.arg("alpha"));
    }
    DequantizedInput a = dequantized(core.arg("self"), c);
    DequantizedInput b = dequantized(core.arg("other"), c);
    String target = add ? "quantized_add" : "quantized_mul";
    Map<String, Argument> named = new LinkedHashMap<>();
    named.put("self_scale", new Literal.Float(a.scale()));
    named.put("self_zero_point", new Literal.Int(a.zeroPoint()));
    named.put("other_scale", new Literal.Float(b.scale()));
    named.put("other_zero_point", new Literal.Int(b.zeroPoint()));
    putOutput(named, c.out);
    Value v = emit(graph, c, target, List.of(a.quantized(), b.quantized()), named, "q" + core.name());
    return new Lowering(v, NS + target);
  }

  private static boolean isOne(Argument a) {
    return a instanceof Literal.Int i ? i.value() == 1 : a instanceof Literal.Float f && f.value() == 1.0;
  }

  /** cat of dequantized tensors. */
  private Lowering cat(Graph graph, Chain c) throws NotLowered {
    Node core = c.core;
    List<Value> tensors = new ArrayList<>();
    List<Double> scales = new ArrayList<>();
    List<Long> zeroPoints = new ArrayList<>();
    for (Value t : ((ValueList) core.arg("tensors")).values()) {
      DequantizedInput x = dequantized(t, c);
      tensors.add(x.quantized());
      scales.add(x.scale());
      zeroPoints.add(x.zeroPoint());
    }
    Map<String, Argument> named = new LinkedHashMap<>();
    named.put("scales", new Literal.FloatList(scales));
    named.put("zero_points", new Literal.IntList(zeroPoints));
    putOutput(named, c.out);
    named.put("dim", core.arg("dim"));
    Value v = emit(graph, c, "quantized_cat", List.of(new ValueList(tensors)), named, "q" + core.name());
    return new Lowering(v, NS + "quantized_cat");
  }

  /** A single-input op whose integer form takes the listed literals of the fp32 op by name. */
  private Lowering unary(Graph graph, Chain c, String target, String... literals) throws NotLowered {
    Node core = c.core;
    DequantizedInput x = dequantized(core.arg("self"), c);
    Map<String, Argument> named = new LinkedHashMap<>();
    named.put("input_scale", new Literal.Float(x.scale()));
    named.put("input_zero_point", new Literal.Int(x.zeroPoint()));
    putOutput(named, c.out);
    for (String p : literals) {
      named.put(p, core.arg(p));
    }
    Value v = emit(graph, c, target, List.of(x.quantized()), named, "q" + core.name());
    return new Lowering(v, NS + target);
  }

  /** A shape op on the integer tensor, requantized if the parameters change. */
  private Lowering shapeOp(Graph graph, Chain c) throws NotLowered {
    Node core = c.core;
    DequantizedInput x = dequantized(core.arg(0), c);
    List<Argument> args = new ArrayList<>(core.args());
    for (int i = 1; i < args.size(); i++) {
      if (!(args.get(i) instanceof Literal)) {
        throw new NotLowered("%" + core.name() + " takes more than one tensor");
      }
    }
    args.set(0, x.quantized());
    Value shaped = insert(graph, c.q, core.op(), args, "q" + core.name(), core.metadata());
    return requantized(graph, c, x, shaped);
  }

  /**
   * {@code value} (default: the dequantized integer value itself) brought to the quantize's
   * parameters: as it is when they are the same, else through {@code qforge.requantize}.
   */
  private Lowering requantized(Graph graph, Chain c, DequantizedInput x, Value value) throws NotLowered {
    Value v = value != null ? value : x.quantized();
    String ops = value != null ? value.producer().op().name() : "";
    if (x.requantizesIdentically(c.out)) {
      return new Lowering(v, ops);
    }
    Map<String, Argument> named = new LinkedHashMap<>();
    named.put("input_scale", new Literal.Float(x.scale()));
    named.put("input_zero_point", new Literal.Int(x.zeroPoint()));
    putOutput(named, c.out);
    String name = value != null ? v.name() + "_requantized"
        : c.activation != null ? "q" + c.activation.name() : "requantize";
    Value r = emit(graph, c, "requantize", List.of(v), named, name);
    return new Lowering(r, (ops.isEmpty() ? "" : ops + "+") + NS + "requantize");
  }

  // ---- helpers ----

  /** The dequantization behind argument {@code a} of the chain's op, or NotLowered. */
  private static DequantizedInput dequantized(Argument a, Chain c) throws NotLowered {
    DequantizedInput x = a instanceof Value v ? DequantizedInput.of(v) : null;
    if (x == null) {
      throw new NotLowered("an input of %" + c.core.name() + " (" + a + ") is not an i8/u8 tensor dequantized per"
          + " tensor");
    }
    if (x.dtype() != c.out.dtype()) {
      throw new NotLowered("%" + c.core.name() + " takes " + x.dtype() + " but the quantize gives " + c.out.dtype());
    }
    return x;
  }

  private static void putOutput(Map<String, Argument> named, QuantizedOutput out) {
    named.put("output_scale", new Literal.Float(out.scale()));
    named.put("output_zero_point", new Literal.Int(out.zeroPoint()));
    named.put("output_min", new Literal.Int(out.min()));
    named.put("output_max", new Literal.Int(out.max()));
  }

  /** Inserts {@code qforge.<target>} before the chain's quantize, with the metadata of the op it replaces. */
  private Value emit(Graph graph, Chain c, String target, List<Argument> positional, Map<String, Argument> named,
      String name) throws NotLowered {
    OpDef def = ops.get(NS + target);
    List<Argument> args;
    try {
      args = def.bind(positional, named);
    } catch (IllegalArgumentException e) {
      throw new NotLowered(e.getMessage());
    }
    return insert(graph, c.q, def, args, name, c.named().metadata());
  }

  /** Infers the node's type (failing with NotLowered if the shape function rejects it) and inserts it. */
  private static Value insert(Graph graph, Node before, OpDef def, List<Argument> args, String name,
      Map<String, String> metadata) throws NotLowered {
    List<TensorType> types;
    try {
      types = def.shapeFunction().infer(new NodeArgs(def, args));
    } catch (IllegalArgumentException e) {
      throw new NotLowered(e.getMessage());
    }
    return graph.insertBefore(before, def, args, List.of(name), types, metadata).result();
  }

  private static boolean isDequantized(Value v) {
    return v.producer() != null && v.producer().op().name().startsWith("quantized_decomposed.dequantize");
  }

  /** True if {@code n}'s result is used by {@code user} only, once, and is not a graph output. */
  private static boolean soleUser(Graph graph, Node n, Node user) {
    Value r = n.results().size() == 1 ? n.result() : null;
    return r != null && r.users().size() == 1 && r.users().get(0) == user && !graph.outputs().contains(r);
  }
}
