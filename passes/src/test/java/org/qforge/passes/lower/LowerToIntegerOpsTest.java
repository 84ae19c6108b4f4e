package org.qforge.passes.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.text.IrParser;
import org.qforge.ir.text.IrPrinter;
import org.qforge.ir.verify.Verifier;

/**
 * {@link LowerToIntegerOps} on small hand-written q/dq programs covering every pattern: which ops
 * replace which, the fused bounds, what is left, and that the lowered program stays within one
 * output step of the q/dq program on random inputs.
 */
class LowerToIntegerOpsTest {

  private static String q(String name, String in, String shape, double scale, long zp) {
    return String.format(Locale.ROOT, "  %%%s: i8%s = quantized_decomposed.quantize_per_tensor(%%%s, scale=%s,"
        + " zero_point=%d, quant_min=-128, quant_max=127, dtype=i8)%n", name, shape, in, scale, zp);
  }

  private static String dq(String name, String in, String shape, double scale, long zp) {
    return String.format(Locale.ROOT, "  %%%s: f32%s = quantized_decomposed.dequantize_per_tensor(%%%s, scale=%s,"
        + " zero_point=%d, quant_min=-128, quant_max=127, dtype=i8)%n", name, shape, in, scale, zp);
  }

  /** A q/dq program with conv1d + hardtanh (per-tensor weight), mul, cat, mean, view, permute, sigmoid. */
  private static final String FIRST = "graph @first(%x: f32[1,2,6]) {\n"
      + "  const %w: i8[2,2,3]\n"
      + "  const %b: f32[2]\n"
      + q("q0", "x", "[1,2,6]", 0.05, 3)
      + dq("dq0", "q0", "[1,2,6]", 0.05, 3)
      + dq("dq0b", "q0", "[1,2,6]", 0.05, 3)
      + "  %dqw: f32[2,2,3] = quantized_decomposed.dequantize_per_tensor(%w, scale=0.02, zero_point=0,"
      + " quant_min=-127, quant_max=127, dtype=i8)\n"
      + "  %conv: f32[1,2,6] = aten.conv1d(%dq0, %dqw, %b, padding=[1])\n"
      + "  %ht: f32[1,2,6] = aten.hardtanh(%conv, min_val=0.0, max_val=6.0)\n"
      + q("q1", "ht", "[1,2,6]", 0.03, -128)
      + dq("dq1a", "q1", "[1,2,6]", 0.03, -128)
      + dq("dq1b", "q1", "[1,2,6]", 0.03, -128)
      + "  %mul: f32[1,2,6] = aten.mul.Tensor(%dq1a, %dq0b)\n"
      + q("q2", "mul", "[1,2,6]", 0.04, -3)
      + dq("dq2", "q2", "[1,2,6]", 0.04, -3)
      + "  %cat: f32[1,4,6] = aten.cat([%dq2, %dq1b], 1)\n"
      + q("q3", "cat", "[1,4,6]", 0.06, 0)
      + dq("dq3", "q3", "[1,4,6]", 0.06, 0)
      + "  %mean: f32[1,4] = aten.mean.dim(%dq3, [-1])\n"
      + q("q4", "mean", "[1,4]", 0.02, 1)
      + dq("dq4", "q4", "[1,4]", 0.02, 1)
      + "  %view: f32[2,2] = aten.view(%dq4, [2, 2])\n"
      + q("q5", "view", "[2,2]", 0.025, 1)
      + dq("dq5", "q5", "[2,2]", 0.025, 1)
      + "  %perm: f32[2,2] = aten.permute(%dq5, [1, 0])\n"
      + q("q6", "perm", "[2,2]", 0.025, 1)
      + dq("dq6", "q6", "[2,2]", 0.025, 1)
      + "  %sig: f32[2,2] = aten.sigmoid(%dq6)\n"
      + q("q7", "sig", "[2,2]", 0.00390625, -128)
      + dq("dq7", "q7", "[2,2]", 0.00390625, -128)
      + "  return %dq7\n}\n";

  /**
   * Depthwise conv2d + relu (per-channel weight), max_pool2d (other qparams), adaptive_avg_pool2d,
   * add, standalone clamp, flatten, linear (per-tensor weight), and a bare dequantize → quantize.
   */
  private static final String SECOND = "graph @second(%x: f32[1,2,4,4]) {\n"
      + "  const %w: i8[2,1,3,3]\n"
      + "  buffer %ws: f32[2]\n"
      + "  buffer %wz: i64[2]\n"
      + "  const %lw: i8[3,8]\n"
      + "  const %lb: f32[3]\n"
      + q("q0", "x", "[1,2,4,4]", 0.02, 0)
      + dq("dq0", "q0", "[1,2,4,4]", 0.02, 0)
      + "  %dqw: f32[2,1,3,3] = quantized_decomposed.dequantize_per_channel(%w, %ws, %wz, axis=0, quant_min=-127,"
      + " quant_max=127, dtype=i8)\n"
      + "  %conv: f32[1,2,4,4] = aten.conv2d(%dq0, %dqw, padding=[1, 1], groups=2)\n"
      + "  %relu: f32[1,2,4,4] = aten.relu(%conv)\n"
      + q("q1", "relu", "[1,2,4,4]", 0.03, -100)
      + dq("dq1", "q1", "[1,2,4,4]", 0.03, -100)
      + dq("dq1b", "q1", "[1,2,4,4]", 0.03, -100)
      + "  %mp: f32[1,2,2,2] = aten.max_pool2d(%dq1, [2, 2])\n"
      + q("q2", "mp", "[1,2,2,2]", 0.035, -128)
      + dq("dq2", "q2", "[1,2,2,2]", 0.035, -128)
      + "  %ap: f32[1,2,2,2] = aten.adaptive_avg_pool2d(%dq1b, [2, 2])\n"
      + q("q3", "ap", "[1,2,2,2]", 0.03, -100)
      + dq("dq3", "q3", "[1,2,2,2]", 0.03, -100)
      + "  %add: f32[1,2,2,2] = aten.add.Tensor(%dq2, %dq3)\n"
      + q("q4", "add", "[1,2,2,2]", 0.05, -10)
      + dq("dq4", "q4", "[1,2,2,2]", 0.05, -10)
      + "  %cl: f32[1,2,2,2] = aten.clamp(%dq4, -1.0, 2.0)\n"
      + q("q5", "cl", "[1,2,2,2]", 0.05, -10)
      + dq("dq5", "q5", "[1,2,2,2]", 0.05, -10)
      + "  %fl: f32[1,8] = aten.flatten.using_ints(%dq5, 1)\n"
      + q("q6", "fl", "[1,8]", 0.05, -10)
      + dq("dq6", "q6", "[1,8]", 0.05, -10)
      + "  %dqlw: f32[3,8] = quantized_decomposed.dequantize_per_tensor(%lw, scale=0.01, zero_point=0,"
      + " quant_min=-127, quant_max=127, dtype=i8)\n"
      + "  %lin: f32[1,3] = aten.linear(%dq6, %dqlw, %lb)\n"
      + q("q7", "lin", "[1,3]", 0.1, 2)
      + dq("dq7", "q7", "[1,3]", 0.1, 2)
      + q("q8", "dq7", "[1,3]", 0.1, 2)
      + dq("dq8", "q8", "[1,3]", 0.1, 2)
      + "  return %dq8\n}\n";

  /** Parses {@code text} and fills its constants with reproducible random data of plausible ranges. */
  private static Graph program(String text, long seed) {
    Graph g = IrParser.parse(text, "t.qir", IrParser.MissingData.ZERO_FILL);
    Random r = new Random(seed);
    for (Constant c : List.copyOf(g.constants().values())) {
      TensorType t = c.value().type();
      Tensor data = Tensor.zeros(t);
      for (int i = 0; i < data.numel(); i++) {
        switch (t.dtype()) {
          case I8 -> data.setLong(i, r.nextInt(255) - 127);
          case F32 -> data.setDouble(i, c.name().startsWith("ws") ? 0.005 + 0.01 * r.nextFloat() : r.nextFloat() - 0.5);
          default -> data.setLong(i, 0);
        }
      }
      g.setConstantData(c.name(), data);
    }
    Verifier.verify(g);
    return g;
  }

  private static Map<String, Integer> histogram(Graph g) {
    Map<String, Integer> h = new TreeMap<>();
    for (Node n : g.nodes()) {
      h.merge(n.op().name(), 1, Integer::sum);
    }
    return h;
  }

  private static Node only(Graph g, String op) {
    Node found = null;
    for (Node n : g.nodes()) {
      if (n.op().name().equals(op)) {
        assertTrue(found == null, "more than one " + op);
        found = n;
      }
    }
    assertNotNull(found, "no " + op);
    return found;
  }

  private static long intArg(Node n, String param) {
    return ((Literal.Int) n.arg(param)).value();
  }

  /**
   * Runs the q/dq program on random inputs recording every value, evaluates each lowered value from
   * the q/dq program's values of its inputs, and checks it is within one step (one integer) of the
   * quantize it replaced; returns how many elements were one step off.
   */
  private static long assertEachLayerWithinOneStep(Graph qdq, Graph lowered, LoweringReport report) {
    Map<String, String> quantizeOf = new java.util.HashMap<>();
    for (LoweringReport.Lowered l : report.lowered()) {
      quantizeOf.put(l.result(), l.quantize());
    }
    long off = 0;
    for (long seed = 0; seed < 20; seed++) {
      Map<String, Tensor> recorded = new java.util.HashMap<>();
      new Interpreter(qdq).run(List.of(randomInput(qdq, seed)), (node, results) -> {
        for (int i = 0; i < results.size(); i++) {
          recorded.put(node.results().get(i).name(), results.get(i));
        }
      });
      for (LoweringReport.Lowered l : report.lowered()) {
        org.qforge.ir.Value v = lowered.value(l.result());
        Tensor got = value(lowered, v, recorded, quantizeOf, true);
        Tensor want = recorded.get(l.quantize());
        assertEquals(want.type(), got.type(), l.toString());
        for (int i = 0; i < want.numel(); i++) {
          long d = Math.abs(got.getLong(i) - want.getLong(i));
          assertTrue(d <= 1, "seed " + seed + ", " + l + ", element " + i + ": " + got.getLong(i) + " vs q/dq "
              + want.getLong(i));
          off += d;
        }
      }
    }
    return off;
  }

  /**
   * The tensor of {@code v} of the lowered program: a constant's data; the recorded value of the
   * quantize it replaced or of the same name; or its producer evaluated on such values.
   */
  private static Tensor value(Graph lowered, org.qforge.ir.Value v, Map<String, Tensor> recorded,
      Map<String, String> quantizeOf, boolean evaluate) {
    if (v.kind() == org.qforge.ir.Value.Kind.CONSTANT) {
      return lowered.constant(v.name()).tensor();
    }
    if (!evaluate || v.producer() == null) {
      Tensor t = recorded.get(quantizeOf.getOrDefault(v.name(), v.name()));
      if (t != null || v.producer() == null) {
        return t;
      }
    }
    Node n = v.producer();
    Map<org.qforge.ir.Value, Tensor> env = new java.util.IdentityHashMap<>();
    for (org.qforge.ir.Value u : n.inputValues()) {
      env.put(u, value(lowered, u, recorded, quantizeOf, false));
    }
    List<TensorType> types = n.results().stream().map(org.qforge.ir.Value::type).toList();
    return n.op().kernel().run(new Context(n.op(), n.args(), env, types)).get(v.resultIndex());
  }

  /** A kernel context over given tensors. */
  private record Context(org.qforge.ir.OpDef op, List<org.qforge.ir.Argument> args,
      Map<org.qforge.ir.Value, Tensor> env, List<TensorType> resultTypes) implements org.qforge.ir.KernelContext {
    @Override
    public org.qforge.ir.Argument arg(int i) {
      return args.get(i);
    }

    @Override
    public TensorType type(int i) {
      return tensor(i).type();
    }

    @Override
    public List<TensorType> types(int i) {
      return tensors(i).stream().map(Tensor::type).toList();
    }

    @Override
    public Tensor tensor(int i) {
      return env.get((org.qforge.ir.Value) args.get(i));
    }

    @Override
    public Tensor optTensor(int i) {
      return isNone(i) ? null : tensor(i);
    }

    @Override
    public List<Tensor> tensors(int i) {
      return ((org.qforge.ir.ValueList) args.get(i)).values().stream().map(env::get).toList();
    }
  }

  private static Tensor randomInput(Graph g, long seed) {
    Random r = new Random(seed);
    TensorType t = g.inputs().get(0).type();
    float[] v = new float[t.numelInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() * 4 - 1;
    }
    return Tensor.ofFloats(v, t.dims());
  }

  /** Runs both programs on random inputs: every output element within one step of the output scale. */
  private static void assertWithinOneStep(Graph qdq, Graph lowered, double step) {
    for (long seed = 0; seed < 20; seed++) {
      Tensor x = randomInput(qdq, seed);
      Tensor want = new Interpreter(qdq).run(List.of(x)).get(0);
      Tensor got = new Interpreter(lowered).run(List.of(x)).get(0);
      for (int i = 0; i < want.numel(); i++) {
        double steps = Math.abs(want.getDouble(i) - got.getDouble(i)) / step;
        assertTrue(steps <= 1.0001, "seed " + seed + " element " + i + ": " + got.getDouble(i) + " vs q/dq "
            + want.getDouble(i));
      }
    }
  }

  @Test
  void lowersConvMulCatMeanAndShapeOpsAndLeavesSigmoid() {
    Graph qdq = program(FIRST, 1);
    Graph g = program(FIRST, 1);
    LoweringReport report = new LowerToIntegerOps().lower(g);
    Verifier.verify(g);
    Map<String, Integer> want = new TreeMap<>(Map.of(
        "quantized_decomposed.quantize_per_tensor", 2, // the input's and the sigmoid's
        "quantized_decomposed.dequantize_per_tensor", 2, // the sigmoid's input and the output
        "qforge.quantized_conv1d", 1, "qforge.quantized_mul", 1, "qforge.quantized_cat", 1,
        "qforge.quantized_mean", 1, "aten.view", 1, "qforge.requantize", 1, "aten.permute", 1,
        "aten.sigmoid", 1));
    assertEquals(want, histogram(g), IrPrinter.print(g));
    assertEquals(List.of("q0", "q7"), report.left().stream().map(LoweringReport.Left::quantize).toList());
    assertTrue(report.left().get(0).reason().contains("boundary"), report.left().toString());
    assertTrue(report.left().get(1).reason().contains("aten.sigmoid has no integer form"), report.left().toString());
    assertEquals(6, report.lowered().size());

    // hardtanh(0, 6) at scale 0.03, zero point -128: [max(-128, -128 + 0), min(127, -128 + 200)].
    Node conv = only(g, "qforge.quantized_conv1d");
    assertEquals(-128, intArg(conv, "output_min"));
    assertEquals(72, intArg(conv, "output_max"));
    // The per-tensor weight's parameters became per-channel constants.
    Constant scales = g.constant(((org.qforge.ir.Value) conv.arg("weight_scales")).name());
    assertEquals(TensorType.of(DType.F32, 2), scales.tensor().type());
    assertEquals((float) 0.02, scales.tensor().floats()[1]);
    assertEquals("aten.conv1d+aten.hardtanh", report.lowered().get(0).source());
    // The view's output parameters differ from its input's: view on i8, then requantize; the
    // permute's are equal: just the permute.
    Node requantize = only(g, "qforge.requantize");
    assertEquals("aten.view", ((org.qforge.ir.Value) requantize.arg(0)).producer().op().name());
    assertEquals(DType.I8, only(g, "aten.permute").result().type().dtype());
    assertEachLayerWithinOneStep(qdq, g, report);
    // The lowered program, with its cat's float list, survives a save and load.
    String text = IrPrinter.printWithData(g);
    assertEquals(text, IrPrinter.printWithData(IrParser.parse(text, "lowered.qir")));
  }

  @Test
  void lowersDepthwiseConvPoolsAddClampFlattenLinearAndBareRequantization() {
    Graph qdq = program(SECOND, 2);
    Graph g = program(SECOND, 2);
    LoweringReport report = new LowerToIntegerOps().lower(g);
    Verifier.verify(g);
    Map<String, Integer> want = new TreeMap<>(Map.of(
        "quantized_decomposed.quantize_per_tensor", 1, "quantized_decomposed.dequantize_per_tensor", 1,
        "qforge.quantized_conv2d", 1, "qforge.quantized_max_pool2d", 1, "qforge.quantized_adaptive_avg_pool2d", 1,
        "qforge.quantized_add", 1, "qforge.requantize", 1, "aten.flatten.using_ints", 1,
        "qforge.quantized_linear", 1));
    assertEquals(want, histogram(g), IrPrinter.print(g));
    assertEquals(1, report.left().size(), report.left().toString());
    assertEquals(8, report.lowered().size());

    // relu at zero point -100: output_min -100.
    Node conv = only(g, "qforge.quantized_conv2d");
    assertEquals(-100, intArg(conv, "output_min"));
    assertEquals(2, intArg(conv, "groups"));
    assertEquals("ws", ((org.qforge.ir.Value) conv.arg("weight_scales")).name());
    // clamp(-1, 2) at scale 0.05, zero point -10: [-10 - 20, -10 + 40].
    Node clamp = only(g, "qforge.requantize");
    assertEquals(-30, intArg(clamp, "output_min"));
    assertEquals(30, intArg(clamp, "output_max"));
    // The bare dequantize -> quantize with equal parameters gives back the integer value.
    LoweringReport.Lowered bare = report.lowered().get(report.lowered().size() - 1);
    assertEquals("q8", bare.quantize());
    assertEquals("", bare.integerOps());
    assertEquals(g.outputs().get(0).producer().arg(0), g.value(bare.result()));
    // Between the input's quantize and the output's dequantize everything is integer.
    List<Node> nodes = g.nodes();
    for (Node n : nodes.subList(1, nodes.size() - 1)) {
      assertTrue(n.result().type().dtype().isInteger(), IrPrinter.printNode(n));
    }
    assertEachLayerWithinOneStep(qdq, g, report);
    assertWithinOneStep(qdq, g, 0.1);
  }

  @Test
  void lowersNonTransposedConvolutionAndLeavesTransposedOnes() {
    String text = "graph @convolution(%x: f32[1,2,5]) {\n"
        + "  const %w: i8[3,2,3]\n"
        + "  buffer %ws: f32[3]\n"
        + "  buffer %wz: i64[3]\n"
        + "  const %tw: i8[3,2,2]\n"
        + q("q0", "x", "[1,2,5]", 0.05, 3)
        + dq("dq0", "q0", "[1,2,5]", 0.05, 3)
        + "  %dqw: f32[3,2,3] = quantized_decomposed.dequantize_per_channel(%w, %ws, %wz, axis=0, quant_min=-127,"
        + " quant_max=127, dtype=i8)\n"
        + "  %conv: f32[1,3,3] = aten.convolution(%dq0, %dqw, none, [1], [0], [1], false, [0], 1)\n"
        + q("q1", "conv", "[1,3,3]", 0.04, 0)
        + dq("dq1", "q1", "[1,3,3]", 0.04, 0)
        + "  %dqt: f32[3,2,2] = quantized_decomposed.dequantize_per_tensor(%tw, scale=0.01, zero_point=0,"
        + " quant_min=-127, quant_max=127, dtype=i8)\n"
        + "  %convt: f32[1,2,4] = aten.convolution(%dq1, %dqt, none, [1], [0], [1], true, [0], 1)\n"
        + q("q2", "convt", "[1,2,4]", 0.04, 0)
        + dq("dq2", "q2", "[1,2,4]", 0.04, 0)
        + "  return %dq2\n}\n";
    Graph qdq = program(text, 4);
    Graph g = program(text, 4);
    LoweringReport report = new LowerToIntegerOps().lower(g);
    Verifier.verify(g);
    assertEquals(1, report.lowered().size(), report.toString());
    assertEquals("qforge.quantized_conv1d", report.lowered().get(0).integerOps());
    assertTrue(report.left().get(1).reason().contains("transposed"), report.toString());
    assertEachLayerWithinOneStep(qdq, g, report);
  }

  @Test
  void leavesOpsWhoseResultHasOtherUsers() {
    String text = "graph @shared(%x: f32[4]) {\n"
        + q("q0", "x", "[4]", 0.1, 0)
        + dq("dq0", "q0", "[4]", 0.1, 0)
        + dq("dq0b", "q0", "[4]", 0.1, 0)
        + "  %add: f32[4] = aten.add.Tensor(%dq0, %dq0b)\n"
        + q("q1", "add", "[4]", 0.2, 0)
        + dq("dq1", "q1", "[4]", 0.2, 0)
        + "  return %dq1, %add\n}\n";
    Graph g = program(text, 3);
    LoweringReport report = new LowerToIntegerOps().lower(g);
    assertEquals(0, report.lowered().size());
    assertTrue(report.left().get(1).reason().contains("%add has users besides the quantize"), report.toString());
  }
}
