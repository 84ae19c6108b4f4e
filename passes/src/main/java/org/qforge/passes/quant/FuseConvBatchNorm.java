package org.qforge.passes.quant;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;

/**
 * Folds eval-mode batch norm into the convolution before it: PT2E's {@code _fuse_conv_bn_}
 * (prepare_pt2e step 2) with {@code torch.nn.utils.fusion.fuse_conv_bn_weights}' float32 numerics:
 * {@code W' = W * (γ * rsqrt(var + eps))} per output channel (per input-side channel for transposed
 * convolutions), {@code b' = (b - mean) * rsqrt(var + eps) * γ + β}.
 *
 * <p>Requires: batch norm statistics and the conv weight (and bias, if any) are constants.
 * Guarantees: every {@code aten.batch_norm} / {@code aten._native_batch_norm_legit_no_training}
 * fed by a conv is gone; the conv's weight constant holds the folded weight, and a conv without
 * bias gets a new parameter {@code <weight>_bias}. As in PyTorch, the training flag is not checked,
 * and a weight shared by several convs is folded only once (later folds just drop the batch norm).
 */
public final class FuseConvBatchNorm implements Pass {
  private static final Set<String> CONVS = Set.of("aten.conv1d", "aten.conv2d", "aten.conv_transpose1d",
      "aten.conv_transpose2d.input");

  @Override
  public String name() {
    return "fuse-conv-bn";
  }

  @Override
  public void run(Graph graph) {
    Set<Value> foldedWeights = Collections.newSetFromMap(new IdentityHashMap<>());
    boolean changed = false;
    for (Node bn : List.copyOf(graph.nodes())) {
      String op = bn.op().name();
      boolean legit = op.equals("aten._native_batch_norm_legit_no_training");
      if (!legit && !op.equals("aten.batch_norm")) {
        continue;
      }
      if (!(bn.arg(0) instanceof Value in) || in.producer() == null || !CONVS.contains(in.producer().op().name())) {
        continue;
      }
      Node conv = in.producer();
      if (!(conv.arg(1) instanceof Value w) || w.kind() != Value.Kind.CONSTANT) {
        continue;
      }
      double eps = ((Literal.Float) bn.arg(legit ? 6 : 7)).value();
      Tensor mean = constantOrNull(graph, bn.arg(3));
      Tensor var = constantOrNull(graph, bn.arg(4));
      if (mean == null || var == null) {
        continue;
      }
      Tensor gamma = constantOrNull(graph, bn.arg(1));
      Tensor beta = constantOrNull(graph, bn.arg(2));
      if (!foldedWeights.contains(w)) {
        fold(graph, conv, w, mean, var, (float) eps, gamma, beta,
            conv.op().name().startsWith("aten.conv_transpose"));
        foldedWeights.add(w);
      }
      Value out = legit ? bn.results().get(0) : bn.result();
      graph.replaceAllUses(out, conv.result());
      // Batch norm declares that it may update its running statistics, so dead-code elimination
      // would keep it; in eval mode it does not, and PyTorch erases it here.
      if (bn.results().stream().noneMatch(r -> r.hasUsers() || graph.outputs().contains(r))) {
        graph.erase(bn);
      }
      changed = true;
    }
    if (changed) {
      new EliminateDeadCode().run(graph);
    }
  }

  private static Tensor constantOrNull(Graph g, org.qforge.ir.Argument a) {
    return a instanceof Value v && v.kind() == Value.Kind.CONSTANT ? g.constant(v.name()).tensor() : null;
  }

  private static void fold(Graph g, Node conv, Value weight, Tensor mean, Tensor var, float eps, Tensor gamma,
      Tensor beta, boolean transpose) {
    float[] rm = mean.floats();
    float[] rv = var.floats();
    int channels = rm.length;
    float[] rsqrt = new float[channels];
    float[] scale = new float[channels];
    for (int c = 0; c < channels; c++) {
      // torch.rsqrt on CPU: 1 / sqrt(x), both in float32.
      rsqrt[c] = 1.0f / (float) Math.sqrt(rv[c] + eps);
      scale[c] = (gamma == null ? 1f : gamma.floats()[c]) * rsqrt[c];
    }
    Tensor w = g.constant(weight.name()).tensor();
    float[] src = w.floats();
    float[] dst = new float[src.length];
    int[] dims = w.dims();
    int inner = 1;
    for (int d = 2; d < dims.length; d++) {
      inner *= dims[d];
    }
    for (int o = 0; o < dims[0]; o++) {
      for (int i = 0; i < dims[1]; i++) {
        float s = scale[transpose ? i : o];
        int base = (o * dims[1] + i) * inner;
        for (int k = 0; k < inner; k++) {
          dst[base + k] = src[base + k] * s;
        }
      }
    }
    g.setConstantData(weight.name(), Tensor.ofFloats(dst, dims));

    float[] b = new float[channels];
    Value biasValue = conv.arg(2) instanceof Value v ? v : null;
    float[] oldBias = biasValue == null ? new float[channels] : g.constant(biasValue.name()).tensor().floats();
    for (int c = 0; c < channels; c++) {
      float betaC = beta == null ? 0f : beta.floats()[c];
      float gammaC = gamma == null ? 1f : gamma.floats()[c];
      b[c] = (oldBias[c] - rm[c]) * rsqrt[c] * gammaC + betaC;
    }
    Tensor fusedBias = Tensor.ofFloats(b, channels);
    if (biasValue != null && biasValue.kind() == Value.Kind.CONSTANT) {
      g.setConstantData(biasValue.name(), fusedBias);
    } else {
      Value nb = g.addConstant(weight.name() + "_bias", Constant.Kind.PARAM,
          g.constant(weight.name()).fqn().isEmpty() ? "" : g.constant(weight.name()).fqn() + "_bias", fusedBias);
      conv.setArg(2, nb);
    }
  }
}
