package org.qforge.passes.quant;

import java.util.List;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.passes.Pass;

/**
 * Folds eval-mode batch norm into the linear layer before it: torchao's {@code _fuse_linear_bn_}
 * (prepare_pt2e step 3) with {@code fuse_linear_bn_weights}' float32 numerics:
 * {@code s = γ * rsqrt(var + eps)}, {@code W' = W * s[:, None]}, {@code b' = (b - mean) * s + β}.
 *
 * <p>As in torchao, a linear whose input has more than two dimensions is left alone (batch norm then
 * normalizes another axis than the linear's output features; ao#4116). Requires constant statistics
 * and weight. Guarantees: the batch norm is gone and the linear computes the folded affine map.
 */
public final class FuseLinearBatchNorm implements Pass {

  @Override
  public String name() {
    return "fuse-linear-bn";
  }

  @Override
  public void run(Graph graph) {
    for (Node bn : List.copyOf(graph.nodes())) {
      String op = bn.op().name();
      boolean legit = op.equals("aten._native_batch_norm_legit_no_training");
      if (!legit && !op.equals("aten.batch_norm")) {
        continue;
      }
      if (!(bn.arg(0) instanceof Value in) || in.producer() == null
          || !in.producer().op().name().equals("aten.linear")) {
        continue;
      }
      Node linear = in.producer();
      if (((Value) linear.arg(0)).type().rank() > 2 || !(linear.arg(1) instanceof Value w)
          || w.kind() != Value.Kind.CONSTANT) {
        continue;
      }
      Tensor mean = constant(graph, bn.arg(3));
      Tensor var = constant(graph, bn.arg(4));
      if (mean == null || var == null) {
        continue;
      }
      Tensor gamma = constant(graph, bn.arg(1));
      Tensor beta = constant(graph, bn.arg(2));
      float eps = (float) ((Literal.Float) bn.arg(legit ? 6 : 7)).value();
      fold(graph, linear, w, mean.floats(), var.floats(), eps, gamma, beta);
      Value out = legit ? bn.results().get(0) : bn.result();
      graph.replaceAllUses(out, linear.result());
      if (bn.results().stream().noneMatch(r -> r.hasUsers() || graph.outputs().contains(r))) {
        graph.erase(bn);
      }
    }
  }

  private static Tensor constant(Graph g, org.qforge.ir.Argument a) {
    return a instanceof Value v && v.kind() == Value.Kind.CONSTANT ? g.constant(v.name()).tensor() : null;
  }

  private static void fold(Graph g, Node linear, Value weight, float[] rm, float[] rv, float eps, Tensor gamma,
      Tensor beta) {
    int out = rm.length;
    float[] s = new float[out];
    for (int o = 0; o < out; o++) {
      s[o] = (gamma == null ? 1f : gamma.floats()[o]) * (1.0f / (float) Math.sqrt(rv[o] + eps));
    }
    Tensor w = g.constant(weight.name()).tensor();
    float[] src = w.floats();
    int in = src.length / out;
    float[] dst = new float[src.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        dst[o * in + i] = src[o * in + i] * s[o];
      }
    }
    g.setConstantData(weight.name(), Tensor.ofFloats(dst, w.dims()));
    Value biasValue = linear.arg(2) instanceof Value v ? v : null;
    float[] b0 = biasValue == null ? new float[out] : g.constant(biasValue.name()).tensor().floats();
    float[] b = new float[out];
    for (int o = 0; o < out; o++) {
      b[o] = (b0[o] - rm[o]) * s[o] + (beta == null ? 0f : beta.floats()[o]);
    }
    Tensor fused = Tensor.ofFloats(b, out);
    if (biasValue != null && biasValue.kind() == Value.Kind.CONSTANT) {
      g.setConstantData(biasValue.name(), fused);
    } else {
      linear.setArg(2, g.addConstant(weight.name() + "_bias", Constant.Kind.PARAM, "", fused));
    }
  }
}
