package org.qforge.passes.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.text.IrParser;
import org.qforge.passes.quant.observer.Observer;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * PT2E's observer-sharing rules on PyTorch's own test models (TestHelperModules), with the XNNPACK
 * symmetric quantizer; expected groups and q/dq counts follow from prepare.py's union-find, worked
 * out by hand for each model.
 */
class SharingRulesTest {

  private static Graph graph(String text) {
    Graph g = IrParser.parse(text, "t.qir", IrParser.MissingData.ZERO_FILL);
    Random r = new Random(7);
    for (var c : g.constants().values()) {
      Tensor t = c.tensor();
      for (int i = 0; i < t.numel(); i++) {
        t.setDouble(i, r.nextGaussian());
      }
    }
    return g;
  }

  private static XnnpackQuantizer perTensor() {
    return new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(false, false, false));
  }

  private static Observer obs(ObservedGraph og, EdgeOrNode key) {
    return og.observerMap().get(key);
  }

  private static EdgeOrNode out(Graph g, String node) {
    return new EdgeOrNode.Output(findValue(g, node));
  }

  private static Value findValue(Graph g, String name) {
    Value v = g.value(name);
    assertNotNull(v, name);
    return v;
  }

  private static EdgeOrNode edge(Graph g, String value, String consumer) {
    return new EdgeOrNode.Edge(findValue(g, value), g.node(consumer));
  }

  /** Calibrates on random inputs and converts; returns the counts of quantize and dequantize nodes. */
  private static int[] convertAndCount(ObservedGraph og) {
    Graph g = og.graph();
    TensorType in = g.inputs().get(0).type();
    Random r = new Random(3);
    for (int k = 0; k < 4; k++) {
      java.util.List<Tensor> inputs = new java.util.ArrayList<>();
      for (Value v : g.inputs()) {
        Tensor t = Tensor.zeros(v.type());
        for (int i = 0; i < t.numel(); i++) {
          t.setDouble(i, r.nextGaussian());
        }
        inputs.add(t);
      }
      new org.qforge.ir.interp.Interpreter(g).run(inputs, (node, res) -> {
        if (node.op().name().equals("qforge.observe")) {
          og.observers().get((int) ((org.qforge.ir.Literal.Int) node.arg(1)).value()).observe(res.get(0));
        }
      });
    }
    assertNotNull(in);
    Pt2eFlow.convert(og, true, null);
    int q = 0;
    int dq = 0;
    for (Node n : g.nodes()) {
      q += n.op().name().startsWith("quantized_decomposed.quantize_per_") ? 1 : 0;
      dq += n.op().name().startsWith("quantized_decomposed.dequantize_per_") ? 1 : 0;
    }
    return new int[] {q, dq};
  }

  @Test
  void catSharesOneObserverAcrossItsInputsAndOutputAndTheProducers() {
    // TestHelperModules.Conv2dWithCat; PyTorch's test_shared_qspec expects q 5, dq 7.
    Graph g = graph("""
        graph @m(%x: f32[1,3,5,5], %y: f32[1,3,5,5]) {
          param %w1: f32[3,3,3,3]
          param %w2: f32[3,3,3,3]
          %conv2d: f32[1,3,3,3] = aten.conv2d(%x, %w1)
          %conv2d_1: f32[1,3,3,3] = aten.conv2d(%y, %w2)
          %cat: f32[1,6,3,3] = aten.cat([%conv2d, %conv2d_1], 1)
          return %cat
        }
        """);
    ObservedGraph og = Pt2eFlow.prepare(g, perTensor(), null);
    Observer shared = obs(og, out(g, "conv2d"));
    assertSame(shared, obs(og, out(g, "conv2d_1")));
    assertSame(shared, obs(og, edge(g, "conv2d", "cat")));
    assertSame(shared, obs(og, edge(g, "conv2d_1", "cat")));
    assertSame(shared, obs(og, out(g, "cat")));
    assertNotSame(shared, obs(og, edge(g, "x", "conv2d")));
    assertNotSame(obs(og, edge(g, "x", "conv2d")), obs(og, edge(g, "y", "conv2d_1")));
    assertEquals(List.of(5, 7), List.of(convertAndCount(og)[0], convertAndCount2(og)));
  }

  private static int convertAndCount2(ObservedGraph og) {
    int dq = 0;
    for (Node n : og.graph().nodes()) {
      dq += n.op().name().startsWith("quantized_decomposed.dequantize_per_") ? 1 : 0;
    }
    return dq;
  }

  @Test
  void addsShareOnlyWithTheirProducersOutputs() {
    // TestHelperModules.ThreeAdd: (x1 + x2) + (x3 + x4).
    Graph g = graph("""
        graph @m(%x1: f32[2,3], %x2: f32[2,3], %x3: f32[2,3], %x4: f32[2,3]) {
          %add: f32[2,3] = aten.add.Tensor(%x1, %x2)
          %add_1: f32[2,3] = aten.add.Tensor(%x3, %x4)
          %add_2: f32[2,3] = aten.add.Tensor(%add, %add_1)
          return %add_2
        }
        """);
    ObservedGraph og = Pt2eFlow.prepare(g, perTensor(), null);
    assertSame(obs(og, out(g, "add")), obs(og, edge(g, "add", "add_2")));
    assertSame(obs(og, out(g, "add_1")), obs(og, edge(g, "add_1", "add_2")));
    Set<Observer> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    distinct.addAll(og.observerMap().values());
    // x1, x2, x3, x4 edges; add and add_1 each with their consumer edge; add_2.
    assertEquals(7, distinct.size());
    int[] counts = convertAndCount(og);
    assertEquals(7, counts[0]);
    assertEquals(7, counts[1]);
  }

  @Test
  void aWeightSharedByTwoConvsLeavesTheSecondConvUnquantized() {
    // conv partitions include their weight; once the first conv marks it annotated, the second
    // partition counts as annotated and is skipped, as in PyTorch.
    Graph g = graph("""
        graph @m(%x: f32[1,3,5,5]) {
          param %w: f32[3,3,1,1]
          %conv2d: f32[1,3,5,5] = aten.conv2d(%x, %w)
          %conv2d_1: f32[1,3,5,5] = aten.conv2d(%conv2d, %w)
          return %conv2d_1
        }
        """);
    ObservedGraph og = Pt2eFlow.prepare(g, perTensor(), null);
    assertNotNull(og.annotations().get(g.node("conv2d")));
    assertNull(og.annotations().get(g.node("conv2d_1")));
    assertTrue(og.observerMap().keySet().stream().noneMatch(k -> k instanceof EdgeOrNode.Edge e
        && e.consumer().name().equals("conv2d_1")));
  }

  @Test
  void scalarsOfAddAndMulBecomeObservedConstants() {
    // TestHelperModules.AddMulScalar (out-of-place half): x + 3, then * 3.
    Graph g = graph("""
        graph @m(%x: f32[1,3]) {
          %add: f32[1,3] = aten.add.Tensor(%x, 3)
          %mul: f32[1,3] = aten.mul.Tensor(%add, 3)
          return %mul
        }
        """);
    ObservedGraph og = Pt2eFlow.prepare(g, perTensor(), null);
    Value c0 = g.value("_tensor_constant_0");
    Value c1 = g.value("_tensor_constant_1");
    assertNotNull(c0);
    assertNotNull(c1);
    assertNotNull(obs(og, new EdgeOrNode.Edge(c0, g.node("add"))));
    assertNotNull(obs(og, new EdgeOrNode.Edge(c1, g.node("mul"))));
    // Activations x, add (shared with its use by mul) and mul keep quantize nodes; the scalars'
    // quantize is folded into int8 constants, which only dequantize.
    int[] counts = convertAndCount(og);
    assertEquals(3, counts[0]);
    assertEquals(5, counts[1]);
  }

  @Test
  void propagationSharesThroughViewAndHardtanh() {
    // TestHelperModules.Conv2dPropAnnotaton: conv -> view -> hardtanh -> linear.
    Graph g = graph("""
        graph @m(%x: f32[1,3,3,3]) {
          param %w: f32[3,3,3,3]
          param %lw: f32[3,3]
          param %lb: f32[3]
          %conv2d: f32[1,3,1,1] = aten.conv2d(%x, %w)
          %view: f32[1,3] = aten.view(%conv2d, [-1, 3])
          %hardtanh: f32[1,3] = aten.hardtanh(%view, -0.5, 0.5)
          %linear: f32[1,3] = aten.linear(%hardtanh, %lw, %lb)
          return %linear
        }
        """);
    ObservedGraph og = Pt2eFlow.prepare(g, perTensor(), null);
    Observer conv = obs(og, out(g, "conv2d"));
    assertSame(conv, obs(og, out(g, "view")));
    assertSame(conv, obs(og, edge(g, "view", "hardtanh")));
    assertSame(conv, obs(og, out(g, "hardtanh")));
    assertSame(conv, obs(og, edge(g, "hardtanh", "linear")));
    int[] counts = convertAndCount(og);
    // x, conv, view, hardtanh, linear outputs: 5 quantize; plus 2 weight dequantizes.
    assertEquals(5, counts[0]);
    assertEquals(7, counts[1]);
  }

  @Test
  void moduleNameConfigOverridesTheGlobalOne() {
    Graph g = graph("""
        graph @m(%x: f32[1,4]) {
          param %w1: f32[4,4]
          param %w2: f32[4,4]
          %linear: f32[1,4] = aten.linear(%x, %w1) {nn_module_stack = "L__self__,,M;L__self___fc1,fc1,torch.nn.modules.linear.Linear"}
          %linear_1: f32[1,4] = aten.linear(%linear, %w2) {nn_module_stack = "L__self__,,M;L__self___fc2,fc2,torch.nn.modules.linear.Linear"}
          return %linear_1
        }
        """);
    XnnpackQuantizer q = perTensor().setModuleName("fc1", SymmetricQuantizationConfig.get(true, false, false));
    ObservedGraph og = Pt2eFlow.prepare(g, q, null);
    assertEquals(Qscheme.PER_CHANNEL_SYMMETRIC, obs(og, edge(g, "w1", "linear")).settings().qscheme());
    assertEquals(Qscheme.PER_TENSOR_SYMMETRIC, obs(og, edge(g, "w2", "linear_1")).settings().qscheme());
  }
}
