package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Value;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.QatTraining;
import org.qforge.passes.quant.observer.QParams;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * digits_rescnn's QAT procedure up to convert (issue 8): {@code model_train_b8.pt2} prepared with
 * the QAT config (conv-bn(-relu) annotation, {@code _fuse_conv_bn_qat}), one train-mode forward pass
 * per batch of {@code qat_batches.npy}. The qparams convert would bake in — the fake quantizers'
 * running ranges through the Python formula — are compared with PyTorch's {@code qparams.json}:
 * activations by node name, conv weights in graph order (PyTorch names them after its later fold,
 * conv2d_6..8). Convert itself stops with a clear error until {@code _fold_conv_bn_qat} exists.
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
      QParams q = observed.observers().get((int) ((Literal.Int) n.arg(1)).value()).calculateQParams();
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
    // Per tensor the whole training forward matches PyTorch to float precision; per channel the last
    // layers drift by a few 1e-5 (not yet explained: the per-channel fake quantization is the suspect).
    double bound = perChannel ? 1e-4 : 1e-5;
    assertTrue(worstActivation <= bound, variant + ": activation scales differ by " + worstActivation);
    assertTrue(worstWeight <= bound, variant + ": weight scales differ by " + worstWeight);

    QforgeException e = assertThrows(QforgeException.class, () -> Pt2eFlow.convert(observed, true, null));
    assertTrue(e.getMessage().contains("_fold_conv_bn_qat"), e.getMessage());
  }

  private static double relative(double got, double want) {
    return Math.abs(got - want) / Math.abs(want);
  }
}
