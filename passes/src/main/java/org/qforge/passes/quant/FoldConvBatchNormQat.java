package org.qforge.passes.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;

/**
 * PT2E's {@code _fold_conv_bn_qat} (convert): each structure {@link FuseConvBatchNormQat} built —
 * {@code batch_norm(conv(x, observe(w · scale_factor), zeros_like(b)) / scale_factor (+ b))} — becomes a
 * plain {@code conv(x, observe(W'), b')} with the batch norm folded in, as
 * {@code fold_bn_weights_into_conv_node} computes it in float32:
 *
 * <pre>
 *   rsqrt = 1 / sqrt(running_var + eps)                       // torch.rsqrt on CPU
 *   W'    = w · (bn_w · rsqrt)            per output channel (weight axis 0, or 1 when transposed)
 *   b'    = ((b − running_mean) · rsqrt) · bn_w + bn_b        // b = 0 without a conv bias
 * </pre>
 *
 * The weight's fake quantizer stays where it was, now watching W' (PT2E copies the trained q/dq
 * arguments onto the folded weight), so convert quantizes W' with the qparams training ended with;
 * likewise a quantized bias's observer now watches b'.
 * The new conv takes a fresh {@code conv<n>d_<k>} name, as PT2E's rewrite gives it, and the batch
 * norm's users read it; the fused helper nodes and the {@code num_batches_tracked} updates go.
 *
 * <p>Runs on the observed graph before observers become quantize/dequantize (the order of the nodes
 * it reads is the same in PT2E). Requires the running statistics after training in the graph's
 * buffers ({@link QatTraining} writes them back).
 */
public final class FoldConvBatchNormQat implements Pass {
  @Override
  public String name() {
    return "fold-conv-bn-qat";
  }

  @Override
  public void run(Graph g) {
    boolean folded = false;
    for (Node bn : new ArrayList<>(g.nodes())) {
      if (bn.op().name().equals("aten.batch_norm") && fold(g, bn)) {
        folded = true;
      }
    }
    if (!folded) {
      return;
    }
    for (Node n : new ArrayList<>(g.nodes())) {
      if (n.op().name().equals("aten.add_.Tensor") && n.arg(0) instanceof Value v
          && v.name().endsWith("num_batches_tracked") && n.result().users().isEmpty()
          && !g.outputs().contains(n.result())) {
        g.erase(n);
      }
    }
    new EliminateDeadCode().run(g);
  }

  private static boolean fold(Graph g, Node bn) {
    Node p = producer(bn.arg(0));
    Node div;
    Value bias = null;
    if (is(p, "aten.add.Tensor") && is(producer(p.arg(1)), "aten.reshape")) {
      div = producer(p.arg(0));
      bias = (Value) producer(p.arg(1)).arg(0);
    } else {
      div = p;
    }
    if (!is(div, "aten.div.Tensor")) {
      return false;
    }
    Node conv = producer(div.arg(0));
    if (conv == null) {
      return false;
    }
    boolean transposed = FuseConvBatchNormQat.TRANSPOSED.contains(conv.op().name());
    if (!transposed && !FuseConvBatchNormQat.CONV.contains(conv.op().name())) {
      return false;
    }
    Node observe = producer(conv.arg(1));
    if (!is(observe, "qforge.observe") || !is(producer(observe.arg(0)), "aten.mul.Tensor")) {
      return false;
    }
    Value w = (Value) producer(observe.arg(0)).arg(0);
    Tensor weight = constant(g, w);
    Tensor bnW = constant(g, bn.arg(1));
    Tensor bnB = constant(g, bn.arg(2));
    Tensor mean = constant(g, bn.arg(3));
    Tensor var = constant(g, bn.arg(4));
    Tensor convBias = bias == null ? null : constant(g, bias);
    if (weight == null || bnW == null || bnB == null || mean == null || var == null || (bias != null && convBias == null)) {
      return false;
    }
    float eps = (float) ((Literal.Float) bn.arg(7)).value();
    // Output channels are the weight's axis 0 for a convolution, axis 1 for a transposed one (one
    // group, see FuseConvBatchNormQat): W'[.., o, ..] = w[.., o, ..] · factor[o].
    int[] dims = weight.dims();
    int axis = transposed ? 1 : 0;
    int channels = dims[axis];
    int inner = 1;
    for (int d = axis + 1; d < dims.length; d++) {
      inner *= dims[d];
    }
    float[] w0 = weight.floats();
    float[] foldedW = new float[w0.length];
    float[] factor = new float[channels];
    float[] foldedB = new float[channels];
    for (int c = 0; c < channels; c++) {
      float rsqrt = 1.0f / (float) Math.sqrt(var.floats()[c] + eps);
      factor[c] = bnW.floats()[c] * rsqrt;
      float b = convBias == null ? 0f : convBias.floats()[c];
      foldedB[c] = (b - mean.floats()[c]) * rsqrt * bnW.floats()[c] + bnB.floats()[c];
    }
    for (int i = 0; i < w0.length; i++) {
      foldedW[i] = w0[i] * factor[(i / inner) % channels];
    }
    g.setConstantData(w.name(), Tensor.ofFloats(foldedW, weight.dims()));
    Value newBias;
    if (bias != null) {
      g.setConstantData(bias.name(), Tensor.ofFloats(foldedB, channels));
      newBias = bias;
    } else {
      Constant wc = g.constant(w.name());
      newBias = g.addConstant(g.freshName(w.name() + "_bias"), Constant.Kind.PARAM,
          wc.fqn() == null ? null : wc.fqn() + "_bias", Tensor.ofFloats(foldedB, channels));
    }
    observe.setArg(0, w);

    List<Argument> args = new ArrayList<>(conv.args());
    Node biasObserve = producer(conv.arg(2));
    if (is(biasObserve, "qforge.observe")) {
      // A quantized bias (the bias_is_quantized patterns): its observer, which watched zeros_like(b)
      // during training, now watches the folded bias, and convert quantizes b' with its qparams (a
      // derived bias spec: input scale × weight scale), as PT2E copies the q/dq arguments over.
      biasObserve.setArg(0, newBias);
    } else {
      args.set(2, newBias);
    }
    OpDef def = conv.op();
    List<TensorType> types = def.shapeFunction().infer(new org.qforge.ir.NodeArgs(def, args));
    String base = FuseConvBatchNormQat.baseName(def.name());
    Node folded = g.insertBefore(bn, def, args, List.of(g.freshName(base)), types, new LinkedHashMap<>());
    folded.metadata().putAll(conv.metadata());
    g.replaceAllUses(bn.result(), folded.result());
    g.erase(bn); // a training-mode batch norm writes buffers, so dead-code elimination would keep it
    return true;
  }

  private static Tensor constant(Graph g, Argument a) {
    if (!(a instanceof Value v) || v.kind() != Value.Kind.CONSTANT) {
      return null;
    }
    Constant c = g.constant(v.name());
    return c == null ? null : c.tensor();
  }

  private static Node producer(Argument a) {
    return a instanceof Value v ? v.producer() : null;
  }

  private static boolean is(Node n, String op) {
    return n != null && n.op().name().equals(op);
  }
}
