package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.QatTraining;
import org.qforge.passes.quant.QuantizationReport;
import org.qforge.passes.quant.observer.QParams;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * digits_rescnn's QAT procedure up to convert (issue 8): {@code model_train_b8.pt2} prepared with
 * the QAT config (conv-bn(-relu) annotation, {@code _fuse_conv_bn_qat}), one train-mode forward pass
 * per batch of {@code qat_batches.npy}, convert with {@code _fold_conv_bn_qat}. First the trained
 * qparams — the fake quantizers' running ranges through the Python formula — against PyTorch's
 * {@code qparams.json} (activations by node name, conv weights in graph order), then the converted
 * program: keys, zero points, scales, int8 weights, outputs on the first 496 test inputs.
 * Both variants match: scales within 1.2e-7, int8 weights bit-equal, 100% of outputs within one step.
 * (Per channel used to drift by 7e-5 from the third conv on; the cause was the fp32 convolution's
 * summation order, now PyTorch's — see ConvolutionOps.)
 */
class QatConvBnTest {
  private static final Path DIR = Path.of("../shared/reference/digits_rescnn");

  @ParameterizedTest
  @ValueSource(strings = {"qat_per_tensor", "qat_per_channel"})
  void trainingReproducesPyTorchsQParams(String variant) throws Exception {
    boolean perChannel = variant.endsWith("channel");
    Graph g = Pt2Importer.importFile(DIR.resolve("model_train_b8.pt2"));
    ObservedGraph observed = Pt2eFlow.prepareQat(g,
        new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(perChannel, true, false)), null);
    QatTraining.run(observed, Npy.read(DIR.resolve("qat_batches.npy")), "qat_batches.npy", k -> {});
    JsonNode truth = new ObjectMapper().readTree(DIR.resolve("pt2e").resolve(variant).resolve("qparams.json").toFile());

    int activations = 0;
    double worstActivation = 0;
    List<QParams> convWeights = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!n.op().name().equals("qforge.observe")) {
        continue;
      }
      Value observedValue = (Value) n.arg(0);
      QParams q = observed.observerOf(n).calculateQParams();
      if (observedValue.producer() != null && observedValue.producer().op().name().equals("aten.mul.Tensor")) {
        convWeights.add(q); // the BN-scaled conv weight
      }
      JsonNode want = truth.get("activations").get(observedValue.name());
      if (want != null) {
        assertEquals(want.get("zero_point").asLong(), q.zeroPoints()[0], observedValue.name());
        worstActivation = Math.max(worstActivation, relative(q.scales()[0], want.get("scale").asDouble()));
        activations++;
      }
    }
    assertEquals(8, activations, "x, relu, relu_1, max_pool2d, relu_2, adaptive_avg_pool2d, flatten, linear");
    double worstWeight = 0;
    for (int c = 0; c < 3; c++) {
      JsonNode want = truth.get("weights").get("conv2d_" + (6 + c) + ".arg1");
      float[] got = convWeights.get(c).scales();
      JsonNode scales = perChannel ? want.get("scales") : null;
      for (int i = 0; i < got.length; i++) {
        worstWeight = Math.max(worstWeight, relative(got[i], perChannel ? scales.get(i).asDouble()
            : want.get("scale").asDouble()));
      }
    }
    System.out.printf(Locale.ROOT, "%s: 8 activation scales within %.2g, conv weight scales within %.2g of PyTorch%n",
        variant, worstActivation, worstWeight);
    // The whole training forward matches PyTorch to float precision.
    double bound = 1e-6;
    assertTrue(worstActivation <= bound, variant + ": activation scales differ by " + worstActivation);
    assertTrue(worstWeight <= bound, variant + ": weight scales differ by " + worstWeight);

    // convert: the conv-bn fold, q/dq, weights folded to int8. PyTorch's keys, zero points, int8 weights
    // and outputs (first 496 test inputs, batches of 8).
    Pt2eFlow.convert(observed, true, null);
    QuantizationReport report = QuantizationReport.of(g);
    assertEquals(keys(truth.get("activations")), new java.util.TreeSet<>(report.activations().keySet()));
    assertEquals(keys(truth.get("weights")), new java.util.TreeSet<>(report.weights().keySet()));
    double worstScale = 0;
    for (var a : report.activations().entrySet()) {
      JsonNode want = truth.get("activations").get(a.getKey());
      assertEquals(want.get("zero_point").asLong(), a.getValue().zeroPoint(), a.getKey());
      worstScale = Math.max(worstScale, relative(a.getValue().scale(), want.get("scale").asDouble()));
    }
    int equalWeights = 0;
    for (var w : report.weights().entrySet()) {
      Tensor want = Npy.read(DIR.resolve("pt2e").resolve(variant).resolve("weights").resolve(w.getKey() + ".npy"));
      equalWeights += want.contentEquals(w.getValue().values()) ? 1 : 0;
    }
    Tensor x = Npy.read(DIR.resolve("test_inputs.npy")).sliceRows(0, 496);
    Tensor got = new BatchRunner(g).run(x, "test_inputs.npy", d -> {});
    Tensor want = Npy.read(DIR.resolve("pt2e").resolve(variant).resolve("out.npy"));
    double step = report.activations().get("linear").scale();
    int within = 0;
    int agree = 0;
    for (int r = 0; r < 496; r++) {
      int ours = 0;
      int theirs = 0;
      for (int c = 0; c < 10; c++) {
        int i = r * 10 + c;
        within += Math.abs(got.getDouble(i) - want.getDouble(i)) <= step * 1.0001 ? 1 : 0;
        ours = got.getDouble(i) > got.getDouble(r * 10 + ours) ? c : ours;
        theirs = want.getDouble(i) > want.getDouble(r * 10 + theirs) ? c : theirs;
      }
      agree += ours == theirs ? 1 : 0;
    }
    System.out.printf(Locale.ROOT, "%s converted: scales within %.2g, %d of 4 int8 weights bit-equal, %.2f%% of outputs "
        + "within one step, top-1 agreement %.2f%%%n", variant, worstScale, equalWeights, within / 49.6, agree / 4.96);
    // Issue 8's acceptance: scales within 1e-5, 99% of outputs within one step, top-1 99%.
    assertTrue(within >= 0.99 * 4960, variant + ": " + within + " of 4960 outputs within one step");
    assertTrue(agree >= 0.99 * 496, variant + ": top-1 agreement " + agree + " of 496");
    assertTrue(worstScale <= 1e-5, variant + ": scales differ by " + worstScale);
    assertEquals(4, equalWeights, variant + ": int8 weights bit-equal");
  }

  private static java.util.TreeSet<String> keys(JsonNode n) {
    java.util.TreeSet<String> s = new java.util.TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  private static double relative(double got, double want) {
    return Math.abs(got - want) / Math.abs(want);
  }
}
