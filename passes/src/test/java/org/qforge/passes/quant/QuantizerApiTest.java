package org.qforge.passes.quant;

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
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.text.IrParser;
import org.qforge.passes.quant.observer.Observers;
import org.qforge.passes.quant.observer.QParams;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/** The quantizer API beyond the XNNPACK quantizer: composition, derived and fixed specs. */
class QuantizerApiTest {
  private static final String LINEAR = """
      graph @m(%x: f32[2,4]) {
        param %w: f32[3,4]
        param %b: f32[3]
        %linear: f32[2,3] = aten.linear(%x, %w, %b) {nn_module_stack = "L__self__,,M;L__self___fc,fc,torch.nn.modules.linear.Linear"}
        return %linear
      }
      """;

  private static Graph graph() {
    Graph g = IrParser.parse(LINEAR, "t.qir", IrParser.MissingData.ZERO_FILL);
    Random r = new Random(11);
    for (var c : g.constants().values()) {
      for (int i = 0; i < c.tensor().numel(); i++) {
        c.tensor().setDouble(i, r.nextGaussian());
      }
    }
    return g;
  }

  private static void calibrate(ObservedGraph og) {
    Random r = new Random(5);
    float[] x = new float[8];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    Calibration.run(og, Tensor.ofFloats(x, 2, 4), "x", d -> {});
  }

  @Test
  void composableQuantizerRunsInOrderAndKeepsEarlierAnnotations() {
    Graph g = graph();
    XnnpackQuantizer fc = new XnnpackQuantizer().setModuleName("fc", SymmetricQuantizationConfig.get(true, false, false));
    XnnpackQuantizer rest = new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(false, false, false));
    ObservedGraph og = Pt2eFlow.prepare(g, new ComposableQuantizer(List.of(fc, rest)), null);
    assertEquals(org.qforge.passes.quant.Qscheme.PER_CHANNEL_SYMMETRIC,
        og.observerMap().get(new EdgeOrNode.Edge(g.value("w"), g.node("linear"))).settings().qscheme());

    Quantizer overwriting = new Quantizer() {
      @Override
      public void annotate(Graph graph, Annotations a) {
        a.put(graph.node("linear"), new QuantizationAnnotation().setAnnotated(true));
      }

      @Override
      public void validate(Graph graph, Annotations a) {}
    };
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Pt2eFlow.prepare(graph(), new ComposableQuantizer(List.of(rest, overwriting)), null));
    assertTrue(e.getMessage().contains("changed the annotation of %linear"), e.getMessage());
  }

  @Test
  void derivedBiasSpecUsesInputScaleTimesWeightScale() {
    Graph g = graph();
    QuantizationSpec act = new QuantizationSpec(DType.I8, Observers.minMax(0x1p-12f), -128, 127,
        Qscheme.PER_TENSOR_AFFINE, null, false);
    QuantizationSpec weight = new QuantizationSpec(DType.I8, Observers.minMax(0x1p-12f), -127, 127,
        Qscheme.PER_TENSOR_SYMMETRIC, null, false);
    Quantizer q = new Quantizer() {
      @Override
      public void annotate(Graph graph, Annotations a) {
        Node linear = graph.node("linear");
        Value x = graph.value("x");
        Value w = graph.value("w");
        DerivedQuantizationSpec bias = new DerivedQuantizationSpec(
            List.of(new EdgeOrNode.Edge(x, linear), new EdgeOrNode.Edge(w, linear)),
            obs -> QParams.of(obs.get(0).calculateQParams().scale() * obs.get(1).calculateQParams().scale(), 0),
            DType.I32, Integer.MIN_VALUE, Integer.MAX_VALUE, Qscheme.PER_TENSOR_SYMMETRIC, null, false);
        QuantizationAnnotation ann = a.getOrCreate(linear).setAnnotated(true).setOutputQspec(act);
        ann.inputQspecMap().put(x, act);
        ann.inputQspecMap().put(w, weight);
        ann.inputQspecMap().put(graph.value("b"), bias);
      }

      @Override
      public void validate(Graph graph, Annotations a) {}
    };
    ObservedGraph og = Pt2eFlow.prepare(g, q, null);
    calibrate(og);
    float sx = og.observerMap().get(new EdgeOrNode.Edge(g.value("x"), g.node("linear"))).calculateQParams().scale();
    float sw = og.observerMap().get(new EdgeOrNode.Edge(g.value("w"), g.node("linear"))).calculateQParams().scale();
    Pt2eFlow.convert(og, true, null);
    Node linear = g.node("linear");
    Node biasDq = ((Value) linear.arg(2)).producer();
    assertEquals("quantized_decomposed.dequantize_per_tensor", biasDq.op().name());
    assertEquals(new Literal.Float(sx * sw), biasDq.arg(1));
    assertEquals(new Literal.DTypeLit(DType.I32), biasDq.arg(5));
    assertEquals(DType.I32, ((Value) biasDq.arg(0)).type().dtype());
  }

  @Test
  void fixedQParamsSpecQuantizesWithTheGivenParameters() {
    Graph g = IrParser.parse("""
        graph @m(%x: f32[4]) {
          %sigmoid: f32[4] = aten.sigmoid(%x)
          return %sigmoid
        }
        """, "t.qir");
    FixedQParamsQuantizationSpec fixed = new FixedQParamsQuantizationSpec(DType.U8, 1f / 256, 0, 0, 255,
        Qscheme.PER_TENSOR_AFFINE, false);
    Quantizer q = new Quantizer() {
      @Override
      public void annotate(Graph graph, Annotations a) {
        a.getOrCreate(graph.node("sigmoid")).setAnnotated(true).setOutputQspec(fixed);
      }

      @Override
      public void validate(Graph graph, Annotations a) {}
    };
    ObservedGraph og = Pt2eFlow.prepare(g, q, null);
    Calibration.run(og, Tensor.ofFloats(new float[] {-9, 0, 1, 9}, 4), "x", d -> {});
    Pt2eFlow.convert(og, true, null);
    Node quant = g.nodes().stream().filter(n -> n.op().name().equals("quantized_decomposed.quantize_per_tensor"))
        .findFirst().orElseThrow();
    assertEquals(new Literal.Float(1.0 / 256), quant.arg(1));
    assertEquals(new Literal.Int(0), quant.arg(2));
    assertEquals(new Literal.DTypeLit(DType.U8), quant.arg(5));
  }
}
