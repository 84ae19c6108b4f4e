package org.qforge.passes.quant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.QforgeException;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.passes.Pass;

/**
 * PT2E's {@code _fuse_conv_bn_qat} ({@code pt2e/qat_utils.py}, run by {@code prepare_qat_pt2e} after
 * annotation): each conv1d/conv2d/conv_transpose1d/conv_transpose2d followed by a batch norm becomes
 * {@code nniqat.ConvBn._forward_approximate}, so that the weight fake quantizer sees the weight
 * scaled by the batch norm:
 *
 * <pre>
 *   scale_factor = bn_w / sqrt(running_var + 1e-5)
 *   y = conv(x, w · scale_factor.reshape(s), zeros_like(b))   // no bias argument without b
 *   y = y / scale_factor.reshape([1, -1, 1, ...])  (+ b.reshape([1, -1, 1, ...]) with a bias)
 *   y = batch_norm(y, running_mean, running_var, bn_w, bn_b, training=True, eps=1e-5)
 * </pre>
 *
 * where {@code s} puts the -1 on the weight's output-channel axis: 0 for a convolution
 * ({@code [out, in, ...]}), 1 for a transposed one ({@code [in, out, ...]}). Like PyTorch's pattern,
 * that assumes one group for a transposed convolution; grouped ones are refused with a clear error.
 *
 * The conv's literal arguments (stride, padding, ...) are kept; the new conv and batch norm take the
 * names PT2E's rewrite gives them (fresh {@code conv2d_<n>}, {@code batch_norm_<n>}) and the old
 * nodes' annotations, the conv's re-keyed onto its new weight and bias inputs (PT2E's
 * {@code _update_conv_input_qspec_map_after_replacement}).
 *
 * <p>Requires: annotated graph, batch norms not yet folded. Guarantees: no conv output feeds a
 * batch norm directly.
 */
public final class FuseConvBatchNormQat implements Pass {
  private static final double BN_EPS = 1e-5;
  static final java.util.Set<String> CONV = java.util.Set.of("aten.conv1d", "aten.conv2d");
  static final java.util.Set<String> TRANSPOSED =
      java.util.Set.of("aten.conv_transpose1d", "aten.conv_transpose2d.input");
  private final Annotations annotations;
  private final OpRegistry ops = OpRegistry.standard();

  public FuseConvBatchNormQat(Annotations annotations) {
    this.annotations = annotations;
  }

  @Override
  public String name() {
    return "fuse-conv-bn-qat";
  }

  @Override
  public void run(Graph g) {
    for (Node bn : new ArrayList<>(g.nodes())) {
      if (!bn.op().name().equals("aten.batch_norm") || !(bn.arg("input") instanceof Value y)
          || y.producer() == null) {
        continue;
      }
      Node conv = y.producer();
      String convOp = conv.op().name();
      boolean transposed = TRANSPOSED.contains(convOp);
      if (!transposed && !CONV.contains(convOp) || y.users().size() != 1) {
        continue;
      }
      if (transposed && ((Literal.Int) conv.arg("groups")).value() != 1) {
        throw new QforgeException("node %" + bn.name() + " (aten.batch_norm): QAT fusion of the grouped transposed "
            + "convolution %" + conv.name() + " with batch norm is not supported (PT2E's pattern assumes one group)");
      }
      fuse(g, conv, bn, transposed);
    }
  }

  private void fuse(Graph g, Node conv, Node bn, boolean transposed) {
    Value x = (Value) conv.arg("input");
    Value w = (Value) conv.arg("weight");
    Value b = conv.arg("bias") instanceof Value v ? v : null;
    Value bnW = (Value) bn.arg("weight");
    int rank = w.type().rank();
    int[] weightShape = new int[rank];
    Arrays.fill(weightShape, 1);
    weightShape[transposed ? 1 : 0] = -1;
    int[] biasShape = new int[rank];
    Arrays.fill(biasShape, 1);
    biasShape[1] = -1;

    Value runningVar = (Value) bn.arg("running_var");
    Value std = insert(g, conv, "aten.sqrt", "sqrt",
        insert(g, conv, "aten.add.Tensor", "add", runningVar, new Literal.Float(BN_EPS)));
    Value scaleFactor = insert(g, conv, "aten.div.Tensor", "div", bnW, std);
    Value scaledW = insert(g, conv, "aten.mul.Tensor", "mul", w,
        insert(g, conv, "aten.reshape", "reshape", scaleFactor, Literal.IntList.of(weightShape)));
    Value zeroBias = b == null ? null
        : insertNamed(g, conv, "aten.zeros_like", "zeros_like", List.of(b), Map.of("dtype", new Literal.DTypeLit(DType.F32)));

    List<Argument> convArgs = new ArrayList<>(conv.args());
    convArgs.set(0, x);
    convArgs.set(1, scaledW);
    convArgs.set(2, zeroBias == null ? Literal.NONE : zeroBias);
    Node newConv = insertNode(g, conv, conv.op().name(), baseName(conv.op().name()), convArgs);
    Value out = insert(g, conv, "aten.div.Tensor", "div", newConv.result(),
        insert(g, conv, "aten.reshape", "reshape", scaleFactor, Literal.IntList.of(biasShape)));
    if (b != null) {
      out = insert(g, conv, "aten.add.Tensor", "add", out,
          insert(g, conv, "aten.reshape", "reshape", b, Literal.IntList.of(biasShape)));
    }
    List<Argument> bnArgs = new ArrayList<>(bn.args());
    bnArgs.set(0, out);
    bnArgs.set(5, new Literal.Bool(true));
    bnArgs.set(7, new Literal.Float(BN_EPS));
    Node newBn = insertNode(g, bn, bn.op().name(), "batch_norm", bnArgs);
    newConv.metadata().putAll(conv.metadata());
    newBn.metadata().putAll(bn.metadata());

    QuantizationAnnotation convAnnotation = annotations.get(conv);
    if (convAnnotation != null) {
      Map<Value, QuantizationSpecBase> old = new LinkedHashMap<>(convAnnotation.inputQspecMap());
      convAnnotation.inputQspecMap().clear();
      old.forEach((k, spec) -> convAnnotation.inputQspecMap().put(k == w ? scaledW : k == b ? zeroBias : k, spec));
      annotations.move(conv, newConv);
    }
    annotations.move(bn, newBn);
    Map<Value, Value> values = new java.util.IdentityHashMap<>();
    values.put(w, scaledW);
    if (b != null) {
      values.put(b, zeroBias);
    }
    values.put(conv.result(), newConv.result());
    values.put(bn.result(), newBn.result());
    Map<Node, Node> nodes = new java.util.IdentityHashMap<>();
    nodes.put(conv, newConv);
    nodes.put(bn, newBn);
    updateSpecialQspecs(values, nodes);
    g.replaceAllUses(bn.result(), newBn.result());
    for (int r = 1; r < bn.results().size(); r++) {
      g.replaceAllUses(bn.results().get(r), newBn.results().get(r));
    }
    g.erase(bn);
    g.erase(conv);
  }

  /**
   * PT2E's {@code _update_special_qspecs_after_replacement}: shared and derived specs name edges and
   * outputs of the nodes just replaced (a derived bias spec names (x, conv) and (w, conv)); point them
   * at the replacements, the weight edge at the scaled weight. PyTorch does this on the replacement
   * nodes' annotations; we do it on every annotation, so none is left naming an erased node.
   */
  private void updateSpecialQspecs(Map<Value, Value> values, Map<Node, Node> nodes) {
    for (QuantizationAnnotation a : annotations.asMap().values()) {
      a.inputQspecMap().replaceAll((k, spec) -> remap(spec, values, nodes));
      if (a.outputQspec() != null) {
        a.setOutputQspec(remap(a.outputQspec(), values, nodes));
      }
    }
  }

  private static QuantizationSpecBase remap(QuantizationSpecBase spec, Map<Value, Value> values, Map<Node, Node> nodes) {
    if (spec instanceof SharedQuantizationSpec shared) {
      return new SharedQuantizationSpec(remap(shared.edgeOrNode(), values, nodes));
    }
    if (spec instanceof DerivedQuantizationSpec d) {
      return new DerivedQuantizationSpec(d.derivedFrom().stream().map(e -> remap(e, values, nodes)).toList(),
          d.deriveQParams(), d.dtype(), d.quantMin(), d.quantMax(), d.qscheme(), d.chAxis(), d.isDynamic());
    }
    return spec;
  }

  private static EdgeOrNode remap(EdgeOrNode e, Map<Value, Value> values, Map<Node, Node> nodes) {
    if (e instanceof EdgeOrNode.Edge edge) {
      return new EdgeOrNode.Edge(values.getOrDefault(edge.value(), edge.value()),
          nodes.getOrDefault(edge.consumer(), edge.consumer()));
    }
    return new EdgeOrNode.Output(values.getOrDefault(e.value(), e.value()));
  }

  private Value insert(Graph g, Node anchor, String op, String base, Argument... args) {
    return insertNamed(g, anchor, op, base, List.of(args), Map.of());
  }

  private Value insertNamed(Graph g, Node anchor, String op, String base, List<Argument> positional,
      Map<String, Argument> named) {
    OpDef def = ops.get(op);
    List<Argument> bound = def.bind(positional, named);
    return insertBound(g, anchor, def, base, bound).result();
  }

  private Node insertNode(Graph g, Node anchor, String op, String base, List<Argument> bound) {
    return insertBound(g, anchor, ops.get(op), base, bound);
  }

  private static Node insertBound(Graph g, Node anchor, OpDef def, String base, List<Argument> bound) {
    List<TensorType> types = def.shapeFunction().infer(new org.qforge.ir.NodeArgs(def, bound));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      names.add(g.freshName(i == 0 ? base : base + "_" + i));
    }
    return g.insertBefore(anchor, def, bound, names, types, new LinkedHashMap<>());
  }

  /**
   * {@code aten.conv2d} → {@code conv2d}, {@code aten.conv_transpose2d.input} →
   * {@code conv_transpose2d}: the name torch.fx gives a call of it.
   */
  static String baseName(String op) {
    String[] parts = op.split("\\.");
    return parts.length > 1 ? parts[1] : op;
  }
}
