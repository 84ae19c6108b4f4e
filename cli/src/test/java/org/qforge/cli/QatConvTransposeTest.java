package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.text.IrParser;
import org.qforge.ir.text.IrPrinter;
import org.qforge.passes.quant.FoldConvBatchNormQat;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.QatTraining;
import org.qforge.passes.quant.QuantizationReport;
import org.qforge.passes.quant.observer.FakeQuantize;
import org.qforge.passes.quant.observer.FusedMovingAvgObsFakeQuantize;
import org.qforge.passes.quant.observer.QParams;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * The QAT flow end to end on a transposed convolution (issue 8): conv_transpose2d (stride 2, output
 * padding) → batch norm → relu with seeded random weights, prepared, trained on random batches,
 * moved to eval, converted. The fold must keep the eval-mode function the training modelled: before
 * quantize/dequantize the folded graph computes what the eval graph computes (to float rounding),
 * and the converted int8 program computes what the eval graph computes with every fake quantizer
 * applying its final qparams (the model training simulated), up to a rare one-step rounding flip.
 */
class QatConvTransposeTest {

  private static String graphText(Random r) {
    StringBuilder s = new StringBuilder("""
        graph @g(%x: f32[4,2,4,4]) {
          param %w: f32[2,3,3,3] "deconv.weight"
          param %b: f32[3] "deconv.bias"
          param %bw: f32[3] "bn.weight"
          param %bb: f32[3] "bn.bias"
          buffer %rm: f32[3] "bn.running_mean"
          buffer %rv: f32[3] "bn.running_var"
          %conv_transpose2d: f32[4,3,8,8] = aten.conv_transpose2d.input(%x, %w, %b, [2, 2], [1, 1], [1, 1])
          %batch_norm: f32[4,3,8,8] = aten.batch_norm(%conv_transpose2d, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
          %relu: f32[4,3,8,8] = aten.relu(%batch_norm)
          return %relu
        }
        """);
    s.append("data %w = dense ").append(values(r, 54, 0.5, 0)).append('\n');
    s.append("data %b = dense ").append(values(r, 3, 0.2, 0)).append('\n');
    s.append("data %bw = dense ").append(values(r, 3, 0.3, 1)).append('\n');
    s.append("data %bb = dense ").append(values(r, 3, 0.1, 0)).append('\n');
    s.append("data %rm = dense [0.0, 0.0, 0.0]\n");
    s.append("data %rv = dense [1.0, 1.0, 1.0]\n");
    return s.toString();
  }

  private static String values(Random r, int n, double sd, double mean) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ", ").append((float) (mean + sd * r.nextGaussian()));
    }
    return s.append(']').toString();
  }

  private static Tensor gaussian(Random r, int... dims) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Tensor.ofFloats(v, dims);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void foldKeepsTheEvalModeFunction(boolean perChannel) {
    Random r = new Random(8);
    Graph g = IrParser.parse(graphText(r), "deconv.qir");
    ObservedGraph observed = Pt2eFlow.prepareQat(g,
        new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(perChannel, true, false)), null);
    QatTraining.run(observed, gaussian(r, 5, 4, 2, 4, 4), "batches", k -> {});
    // Training moved the running statistics away from (0, 1).
    assertTrue(g.constant("rv").tensor().floats()[0] != 1f, "running variance after training");
    Pt2eFlow.moveToEval(observed, null);
    Tensor x = gaussian(r, 4, 2, 4, 4);
    Tensor eval = new Interpreter(g).run(List.of(x)).get(0);

    Graph folded = IrParser.parse(IrPrinter.printWithData(g), "copy.qir");
    new FoldConvBatchNormQat().run(folded);
    for (Node n : folded.nodes()) {
      assertTrue(!n.op().name().equals("aten.batch_norm"), "batch norm folded away");
    }
    Tensor foldedOut = new Interpreter(folded).run(List.of(x)).get(0);
    double worst = 0;
    for (int i = 0; i < eval.numel(); i++) {
      worst = Math.max(worst, Math.abs(eval.getDouble(i) - foldedOut.getDouble(i)));
    }
    assertTrue(worst <= 1e-5, "folded vs eval graph: " + worst);

    // The eval-mode model as training simulated it: every fake quantizer applies the qparams convert
    // will use (calculate_qparams of its running range).
    Tensor fakeQuantized = new Interpreter(g).intercept(List.of(x), (node, results) -> {
      if (!node.op().name().equals("qforge.observe")) {
        return results;
      }
      FusedMovingAvgObsFakeQuantize fq = (FusedMovingAvgObsFakeQuantize) observed.observerOf(node);
      QParams q = fq.calculateQParams();
      float[] in = results.get(0).floats();
      float[] out = q.scales().length == 1
          ? FakeQuantize.perTensor(in, q.scales()[0], q.zeroPoints()[0], fq.quantMin(), fq.quantMax())
          : FakeQuantize.perChannel(in, q.scales(), q.zeroPoints(), fq.quantMin(), fq.quantMax());
      return List.of(Tensor.ofFloats(out, results.get(0).dims()));
    }).get(0);

    Pt2eFlow.convert(observed, true, null);
    QuantizationReport report = QuantizationReport.of(g);
    double step = report.activations().get("relu").scale();
    assertEquals(2, report.activations().size(), "input and relu output quantized");
    Tensor quantized = new Interpreter(g).run(List.of(x)).get(0);
    int equal = 0;
    double maxSteps = 0;
    for (int i = 0; i < eval.numel(); i++) {
      double steps = Math.abs(fakeQuantized.getDouble(i) - quantized.getDouble(i)) / step;
      equal += steps == 0 ? 1 : 0;
      maxSteps = Math.max(maxSteps, steps);
    }
    System.out.printf(Locale.ROOT, "conv_transpose2d QAT %s: fold vs eval graph %.2g; int8 program vs fake-quantized eval"
        + " graph: %.2f%% equal, at most %.2f steps (step %.4g)%n", perChannel ? "per channel" : "per tensor", worst,
        100.0 * equal / eval.numel(), maxSteps, step);
    assertTrue(maxSteps <= 1.0001, "int8 program within one output step of the fake-quantized eval graph: " + maxSteps);
    assertTrue(equal >= 0.99 * eval.numel(), equal + " of " + eval.numel() + " equal");
  }
}
