package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.text.IrParser;
import org.qforge.passes.quant.Annotations;
import org.qforge.passes.quant.DerivedQuantizationSpec;
import org.qforge.passes.quant.EdgeOrNode;
import org.qforge.passes.quant.FoldConvBatchNormQat;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.QatTraining;
import org.qforge.passes.quant.Qscheme;
import org.qforge.passes.quant.QuantizationReport;
import org.qforge.passes.quant.Quantizer;
import org.qforge.passes.quant.observer.QParams;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * {@code _fuse_conv_bn_qat} then {@code _fold_conv_bn_qat} on small graphs, the folded weight and bias
 * checked against values worked out here (issue 8): conv1d + batch_norm1d with a conv bias, conv2d
 * without one (the fold creates {@code <weight>_bias}), conv_transpose2d (+ relu) and conv_transpose1d,
 * whose weights fold along their output axis 1, and a grouped transposed conv refused clearly.
 */
class FoldConvBatchNormQatTest {
  private static final float EPS = 1e-5f;

  private static Graph prepared(String text) {
    Graph g = IrParser.parse(text, "g.qir");
    Pt2eFlow.prepareQat(g, new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(false, true, false)), null);
    return g;
  }

  private static Node only(Graph g, String op) {
    Node found = null;
    for (Node n : g.nodes()) {
      if (n.op().name().equals(op)) {
        assertEquals(null, found, "one " + op);
        found = n;
      }
    }
    return found;
  }

  @Test
  void conv1dWithBiasAndBatchNorm1d() {
    Graph g = prepared("""
        graph @g(%x: f32[1,1,4]) {
          param %w: f32[2,1,2] "conv.weight"
          param %b: f32[2] "conv.bias"
          param %bw: f32[2] "bn.weight"
          param %bb: f32[2] "bn.bias"
          buffer %rm: f32[2] "bn.running_mean"
          buffer %rv: f32[2] "bn.running_var"
          %conv1d: f32[1,2,3] = aten.conv1d(%x, %w, %b)
          %batch_norm: f32[1,2,3] = aten.batch_norm(%conv1d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          return %batch_norm
        }
        data %w = dense [1.0, -2.0, 0.5, 3.0]
        data %b = dense [0.25, -1.0]
        data %bw = dense [2.0, 0.5]
        data %bb = dense [0.1, -0.2]
        data %rm = dense [0.5, -0.25]
        data %rv = dense [4.0, 0.09]
        """);
    // Fused for training: the conv's weight is mul(w, reshape(scale_factor)), its bias zeros_like(b).
    Node fused = only(g, "aten.conv1d");
    assertEquals("aten.mul.Tensor", ((Value) fused.arg(1)).producer().arg(0) instanceof Value v
        ? v.producer().op().name() : "");
    new FoldConvBatchNormQat().run(g);
    assertEquals(null, only(g, "aten.batch_norm"));
    Node conv = only(g, "aten.conv1d");
    // rsqrt = 1 / sqrt(var + eps); W' = w * (bn_w * rsqrt); b' = ((b - mean) * rsqrt) * bn_w + bn_b.
    float r0 = 1f / (float) Math.sqrt(4.0f + EPS);
    float r1 = 1f / (float) Math.sqrt(0.09f + EPS);
    assertArrayEquals(new float[] {1.0f * (2.0f * r0), -2.0f * (2.0f * r0), 0.5f * (0.5f * r1), 3.0f * (0.5f * r1)},
        g.constant("w").tensor().floats());
    assertArrayEquals(new float[] {(0.25f - 0.5f) * r0 * 2.0f + 0.1f, (-1.0f - -0.25f) * r1 * 0.5f + -0.2f},
        g.constant("b").tensor().floats());
    assertEquals("b", ((Value) conv.arg(2)).name());
  }

  @Test
  void conv2dWithoutBiasGetsOne() {
    Graph g = prepared("""
        graph @g(%x: f32[1,1,2,2]) {
          param %w: f32[1,1,1,1] "conv.weight"
          param %bw: f32[1] "bn.weight"
          param %bb: f32[1] "bn.bias"
          buffer %rm: f32[1] "bn.running_mean"
          buffer %rv: f32[1] "bn.running_var"
          %conv2d: f32[1,1,2,2] = aten.conv2d(%x, %w)
          %batch_norm: f32[1,1,2,2] = aten.batch_norm(%conv2d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          return %batch_norm
        }
        data %w = dense [3.0]
        data %bw = dense [0.5]
        data %bb = dense [1.0]
        data %rm = dense [2.0]
        data %rv = dense [0.25]
        """);
    new FoldConvBatchNormQat().run(g);
    Node conv = only(g, "aten.conv2d");
    float r = 1f / (float) Math.sqrt(0.25f + EPS);
    assertArrayEquals(new float[] {3.0f * (0.5f * r)}, g.constant("w").tensor().floats());
    Value bias = (Value) conv.arg(2);
    assertEquals("w_bias", bias.name());
    assertArrayEquals(new float[] {(0f - 2.0f) * r * 0.5f + 1.0f}, g.constant("w_bias").tensor().floats());
    assertEquals("conv.weight_bias", g.constant("w_bias").fqn());
  }

  @Test
  void convTranspose2dWithBiasBatchNormAndRelu() {
    Graph g = prepared("""
        graph @g(%x: f32[1,1,2,2]) {
          param %w: f32[1,2,1,1] "deconv.weight"
          param %b: f32[2] "deconv.bias"
          param %bw: f32[2] "bn.weight"
          param %bb: f32[2] "bn.bias"
          buffer %rm: f32[2] "bn.running_mean"
          buffer %rv: f32[2] "bn.running_var"
          %conv_transpose2d: f32[1,2,2,2] = aten.conv_transpose2d.input(%x, %w, %b)
          %batch_norm: f32[1,2,2,2] = aten.batch_norm(%conv_transpose2d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          %relu: f32[1,2,2,2] = aten.relu(%batch_norm)
          return %relu
        }
        data %w = dense [2.0, -1.0]
        data %b = dense [0.5, -0.5]
        data %bw = dense [2.0, 0.5]
        data %bb = dense [0.1, -0.2]
        data %rm = dense [0.5, -0.25]
        data %rv = dense [4.0, 0.09]
        """);
    // Fused for training with the scale factor on the transposed weight's output axis, 1.
    Node fused = only(g, "aten.conv_transpose2d.input");
    Node mul = ((Value) fused.arg(1)).producer().arg(0) instanceof Value v ? v.producer() : null;
    assertEquals("aten.mul.Tensor", mul.op().name());
    Node reshape = ((Value) mul.arg(1)).producer();
    assertArrayEquals(new int[] {1, -1, 1, 1}, ((Literal.IntList) reshape.arg(1)).toIntArray());
    // One partition: conv_transpose2d → batch norm → relu, no observer in between.
    assertEquals("aten.batch_norm", ((Value) only(g, "aten.relu").arg(0)).producer().op().name());

    new FoldConvBatchNormQat().run(g);
    assertEquals(null, only(g, "aten.batch_norm"));
    Node conv = only(g, "aten.conv_transpose2d.input");
    assertTrue(conv.result().name().startsWith("conv_transpose2d"), conv.result().name());
    float r0 = 1f / (float) Math.sqrt(4.0f + EPS);
    float r1 = 1f / (float) Math.sqrt(0.09f + EPS);
    // W'[0, o] = w[0, o] * (bn_w[o] * rsqrt[o]); b' = ((b - mean) * rsqrt) * bn_w + bn_b.
    assertArrayEquals(new float[] {2.0f * (2.0f * r0), -1.0f * (0.5f * r1)}, g.constant("w").tensor().floats());
    assertArrayEquals(new float[] {(0.5f - 0.5f) * r0 * 2.0f + 0.1f, (-0.5f - -0.25f) * r1 * 0.5f + -0.2f},
        g.constant("b").tensor().floats());
  }

  @Test
  void convTranspose1dWithoutBiasFoldsAlongTheOutputAxis() {
    Graph g = prepared("""
        graph @g(%x: f32[1,2,3]) {
          param %w: f32[2,3,1] "deconv.weight"
          param %bw: f32[3] "bn.weight"
          param %bb: f32[3] "bn.bias"
          buffer %rm: f32[3] "bn.running_mean"
          buffer %rv: f32[3] "bn.running_var"
          %conv_transpose1d: f32[1,3,3] = aten.conv_transpose1d(%x, %w)
          %batch_norm: f32[1,3,3] = aten.batch_norm(%conv_transpose1d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          return %batch_norm
        }
        data %w = dense [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        data %bw = dense [1.0, 2.0, 0.5]
        data %bb = dense [0.0, 1.0, -1.0]
        data %rm = dense [1.0, 0.0, -1.0]
        data %rv = dense [1.0, 0.25, 16.0]
        """);
    new FoldConvBatchNormQat().run(g);
    float[] mean = {1.0f, 0.0f, -1.0f};
    float[] var = {1.0f, 0.25f, 16.0f};
    float[] bw = {1.0f, 2.0f, 0.5f};
    float[] bb = {0.0f, 1.0f, -1.0f};
    float[] r = new float[3];
    float[] f = new float[3];
    float[] folded = new float[3];
    for (int o = 0; o < 3; o++) {
      r[o] = 1f / (float) Math.sqrt(var[o] + EPS);
      f[o] = bw[o] * r[o];
      folded[o] = (0f - mean[o]) * r[o] * bw[o] + bb[o];
    }
    // The weight is [in=2, out=3, 1]: element (i, o) is scaled by the factor of output channel o.
    assertArrayEquals(new float[] {1.0f * f[0], 2.0f * f[1], 3.0f * f[2], 4.0f * f[0], 5.0f * f[1], 6.0f * f[2]},
        g.constant("w").tensor().floats());
    Value bias = (Value) only(g, "aten.conv_transpose1d").arg(2);
    assertArrayEquals(folded, g.constant(bias.name()).tensor().floats());
  }

  @Test
  void groupedTransposedConvolutionWithBatchNormIsRefused() {
    QforgeException e = assertThrows(QforgeException.class, () -> prepared("""
        graph @g(%x: f32[1,2,2,2]) {
          param %w: f32[2,1,1,1] "conv.weight"
          param %bw: f32[2] "bn.weight"
          param %bb: f32[2] "bn.bias"
          buffer %rm: f32[2] "bn.running_mean"
          buffer %rv: f32[2] "bn.running_var"
          %conv_transpose2d: f32[1,2,2,2] = aten.conv_transpose2d.input(%x, %w, groups=2)
          %batch_norm: f32[1,2,2,2] = aten.batch_norm(%conv_transpose2d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          return %batch_norm
        }
        data %w = dense [3.0, 2.0]
        data %bw = dense [0.5, 1.0]
        data %bb = dense [1.0, 0.0]
        data %rm = dense [2.0, 0.0]
        data %rv = dense [0.25, 1.0]
        """));
    assertTrue(e.getMessage().startsWith("node %batch_norm (aten.batch_norm): QAT fusion of the grouped transposed"),
        e.getMessage());
  }

  @Test
  void derivedBiasSpecFollowsTheFusionAndQuantizesTheFoldedBias() {
    // PyTorch's test_qat_conv_bn_bias_derived_qspec: the XNNPACK QAT config plus an int32 bias spec
    // derived from the input and weight observers (scale = s_x · s_w). _fuse_conv_bn_qat must point
    // the derived edges at the fused conv and its scaled weight; the fold then quantizes b'.
    XnnpackQuantizer xnnpack = new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(false, true, false));
    Quantizer withBias = new Quantizer() {
      @Override
      public void annotate(Graph graph, Annotations a) {
        xnnpack.annotate(graph, a);
        Node conv = graph.node("conv2d");
        Value x = graph.value("x");
        Value w = graph.value("w");
        a.get(conv).inputQspecMap().put(graph.value("b"), new DerivedQuantizationSpec(
            List.of(new EdgeOrNode.Edge(x, conv),
                new EdgeOrNode.Edge(w, conv)),
            obs -> QParams.of(
                obs.get(0).calculateQParams().scale() * obs.get(1).calculateQParams().scale(), 0),
            DType.I32, Integer.MIN_VALUE, Integer.MAX_VALUE,
            Qscheme.PER_TENSOR_SYMMETRIC, null, false));
      }

      @Override
      public void validate(Graph graph, Annotations a) {
        xnnpack.validate(graph, a);
      }
    };
    Graph g = IrParser.parse("""
        graph @g(%x: f32[2,1,3,3]) {
          param %w: f32[2,1,2,2] "conv.weight"
          param %b: f32[2] "conv.bias"
          param %bw: f32[2] "bn.weight"
          param %bb: f32[2] "bn.bias"
          buffer %rm: f32[2] "bn.running_mean"
          buffer %rv: f32[2] "bn.running_var"
          %conv2d: f32[2,2,2,2] = aten.conv2d(%x, %w, %b)
          %batch_norm: f32[2,2,2,2] = aten.batch_norm(%conv2d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          return %batch_norm
        }
        data %w = dense [0.5, -0.25, 1.0, 0.75, -1.0, 0.5, 0.25, -0.5]
        data %b = dense [0.3, -0.7]
        data %bw = dense [1.5, 0.8]
        data %bb = dense [0.2, -0.1]
        data %rm = dense [0.0, 0.0]
        data %rv = dense [1.0, 1.0]
        """, "g.qir");
    ObservedGraph observed = Pt2eFlow.prepareQat(g, withBias, null);
    Random r = new Random(5);
    float[] batches = new float[3 * 18];
    for (int i = 0; i < batches.length; i++) {
      batches[i] = (float) r.nextGaussian();
    }
    QatTraining.run(observed,
        Tensor.ofFloats(batches, 3, 2, 1, 3, 3), "batches", k -> {});
    Pt2eFlow.moveToEval(observed, null);
    float[] mean = g.constant("rm").tensor().floats();
    float[] var = g.constant("rv").tensor().floats();
    Pt2eFlow.convert(observed, true, null);

    QuantizationReport report = QuantizationReport.of(g);
    Node conv = only(g, "aten.conv2d");
    double sx = report.activations().get("x").scale();
    double sw = report.weights().get(conv.name() + ".arg1").scales()[0];
    Node biasDq = ((Value) conv.arg(2)).producer();
    assertEquals("quantized_decomposed.dequantize_per_tensor", biasDq.op().name());
    assertEquals((float) sx * (float) sw, (float) ((Literal.Float) biasDq.arg(1)).value());
    Tensor q = g.constant(((Value) biasDq.arg(0)).name()).tensor();
    assertEquals(DType.I32, q.dtype());
    // The int32 values are the folded bias b' = ((b - mean) · rsqrt) · bn_w + bn_b over s_x · s_w, with
    // the running statistics training left.
    float[] b = {0.3f, -0.7f};
    float[] bw = {1.5f, 0.8f};
    float[] bb = {0.2f, -0.1f};
    float scale = (float) sx * (float) sw;
    for (int c = 0; c < 2; c++) {
      float rsqrt = 1f / (float) Math.sqrt(var[c] + EPS);
      float folded = (b[c] - mean[c]) * rsqrt * bw[c] + bb[c];
      assertEquals(Math.rint(folded * (1f / scale)), q.getDouble(c), "bias " + c);
    }
  }
}
