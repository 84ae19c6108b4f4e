package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.KernelContext;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.text.IrParser;
import org.qforge.ir.text.IrPrinter;
import org.qforge.ir.verify.Verifier;
import org.qforge.passes.lower.LowerToIntegerOps;
import org.qforge.passes.lower.LoweringReport;
import org.qforge.passes.quant.Calibration;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * {@link LowerToIntegerOps} on every reference model, quantized as {@link Pt2eReferenceTest} does:
 * afterwards the program is integer from its first quantize to its last dequantize; on
 * {@code test_inputs.npy} its outputs are within one output quantization step of the q/dq program's
 * for at least 99% of elements; and each integer op, fed the q/dq program's own integer inputs, is
 * within one step of the quantize it replaced on every element (first test input).
 */
class IntegerLoweringTest {
  private static final Path REF = Path.of("../shared/reference");

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("digits_mlp", "per_tensor"), Arguments.of("digits_mlp", "per_channel"),
        Arguments.of("digits_rescnn", "per_tensor"), Arguments.of("digits_rescnn", "per_channel"),
        Arguments.of("digits_dwnet", "per_tensor"), Arguments.of("digits_dwnet", "per_channel"),
        Arguments.of("mlp_784_1024", "per_channel"), Arguments.of("resnet20_cifar", "per_channel"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("variants")
  void lowersToIntegerWithinOneStep(String model, String variant) {
    Path dir = REF.resolve(model);
    Graph g = Pt2Importer.importFile(dir.resolve("model.pt2"));
    XnnpackQuantizer quantizer = new XnnpackQuantizer()
        .setGlobal(SymmetricQuantizationConfig.get(variant.equals("per_channel"), false, false));
    ObservedGraph observed = Pt2eFlow.prepare(g, quantizer, null);
    Calibration.run(observed, Npy.read(dir.resolve("calib.npy")), "calib.npy", done -> {});
    Pt2eFlow.convert(observed, true, null);
    Graph qdq = IrParser.parse(IrPrinter.printWithData(g), "qdq");

    LoweringReport report = new LowerToIntegerOps().lower(g);
    Verifier.verify(g);
    String name = model + " " + variant;

    // Only the quantization of the graph input is left, and nothing floating-point inside.
    assertEquals(1, report.left().size(), name + ": left " + report.left());
    assertTrue(report.left().get(0).reason().contains("boundary"), name + ": " + report.left());
    assertIntegerBetweenBoundaries(g, name);

    // Whole model on test_inputs.npy.
    Tensor x = Npy.read(dir.resolve("test_inputs.npy"));
    long start = System.nanoTime();
    Tensor want = new BatchRunner(qdq).run(x, "test_inputs.npy", d -> {});
    long qdqNanos = System.nanoTime() - start;
    start = System.nanoTime();
    Tensor got = new BatchRunner(g).run(x, "test_inputs.npy", d -> {});
    long intNanos = System.nanoTime() - start;
    Node outDq = g.outputs().get(0).producer();
    double step = (float) ((org.qforge.ir.Literal.Float) outDq.arg(1)).value();
    int n = want.numel();
    int within = 0;
    int equal = 0;
    long maxSteps = 0;
    for (int i = 0; i < n; i++) {
      long steps = Math.round(Math.abs(got.getDouble(i) - want.getDouble(i)) / step);
      within += steps <= 1 ? 1 : 0;
      equal += steps == 0 ? 1 : 0;
      maxSteps = Math.max(maxSteps, steps);
    }

    // The lowered program survives a save and load unchanged.
    String text = IrPrinter.printWithData(g);
    Graph back = IrParser.parse(text, "lowered.qir");
    assertEquals(text, IrPrinter.printWithData(back));
    Tensor first = x.sliceRows(0, g.inputs().get(0).type().dim(0));
    assertTrue(new Interpreter(g).run(List.of(first)).get(0).contentEquals(new Interpreter(back).run(List.of(first))
        .get(0)), name + ": the reloaded program computes something else");

    // Layer by layer, on the first test input.
    LayerFigures layers = compareLayers(qdq, g, report, first, name);

    String figures = String.format(Locale.ROOT, "%s: %d quantize nodes lowered (%s); outputs: %.2f%% within one"
        + " step, %.2f%% equal, max difference %d steps (step %.6g); layers: %d integer values compared, %d of %d"
        + " elements one step off, max %d; interpreter %.0f ms q/dq, %.0f ms integer for %d samples",
        name, report.lowered().size(), histogram(report), 100.0 * within / n, 100.0 * equal / n, maxSteps, step,
        layers.values, layers.offByOne, layers.elements, layers.maxSteps, qdqNanos / 1e6, intNanos / 1e6,
        x.type().dim(0));
    System.out.println(figures);
    assertTrue(within >= 0.99 * n, figures);
    assertTrue(layers.maxSteps <= 1, figures);
  }

  /** Every node strictly between the first quantize and the last dequantize computes on integers. */
  private static void assertIntegerBetweenBoundaries(Graph g, String name) {
    List<Node> nodes = g.nodes();
    int firstQ = -1;
    int lastDq = -1;
    for (int i = 0; i < nodes.size(); i++) {
      String op = nodes.get(i).op().name();
      if (firstQ < 0 && op.startsWith("quantized_decomposed.quantize")) {
        firstQ = i;
      }
      if (op.startsWith("quantized_decomposed.dequantize")) {
        lastDq = i;
      }
    }
    assertTrue(firstQ >= 0 && lastDq > firstQ, name + ": no quantize ... dequantize region");
    for (int i = firstQ + 1; i < lastDq; i++) {
      Node n = nodes.get(i);
      for (Value r : n.results()) {
        assertTrue(r.type().dtype().isInteger(), name + ": " + IrPrinter.printNode(n) + " is not integer");
      }
      for (Value v : n.inputValues()) {
        // Constants may be floating-point parameters (bias, weight scales); computed values may not.
        assertTrue(v.kind() == Value.Kind.CONSTANT || v.type().dtype().isInteger(),
            name + ": " + IrPrinter.printNode(n) + " takes floating-point %" + v.name());
      }
    }
  }

  private record LayerFigures(int values, long elements, long offByOne, long maxSteps) {}

  /**
   * Runs the q/dq program recording every value, then evaluates each lowered value of {@code lowered}
   * from the q/dq program's values of its integer inputs, and compares it with the quantize it
   * replaced, in steps (integer differences).
   */
  private static LayerFigures compareLayers(Graph qdq, Graph lowered, LoweringReport report, Tensor input,
      String name) {
    Map<String, Tensor> recorded = new HashMap<>();
    new Interpreter(qdq).run(List.of(input), (node, results) -> {
      for (int i = 0; i < results.size(); i++) {
        recorded.put(node.results().get(i).name(), results.get(i));
      }
    });
    Map<String, String> quantizeOf = new HashMap<>();
    for (LoweringReport.Lowered l : report.lowered()) {
      quantizeOf.put(l.result(), l.quantize());
    }
    int values = 0;
    long elements = 0;
    long offByOne = 0;
    long maxSteps = 0;
    for (LoweringReport.Lowered l : report.lowered()) {
      Value v = lowered.value(l.result());
      Node producer = v.producer();
      Map<Value, Tensor> memo = new IdentityHashMap<>();
      Tensor got = producer == null ? recorded.get(l.result())
          : evaluate(lowered, producer, memo, recorded, quantizeOf).get(v.resultIndex());
      Tensor want = recorded.get(l.quantize());
      assertEquals(want.type(), got.type(), name + ": " + l);
      values++;
      for (int i = 0; i < want.numel(); i++) {
        long d = Math.abs(got.getLong(i) - want.getLong(i));
        elements++;
        offByOne += d == 1 ? 1 : 0;
        maxSteps = Math.max(maxSteps, d);
      }
      assertTrue(maxSteps <= 1, name + ": " + l + " differs by " + maxSteps + " steps from the q/dq program");
    }
    return new LayerFigures(values, elements, offByOne, maxSteps);
  }

  /**
   * The results of {@code n} in {@code lowered} with inputs from the q/dq run: constants as they
   * are, values that replaced a quantize as that quantize's recorded value, values the two programs
   * share by name as recorded, and other node results (a shape op before a requantize) computed.
   */
  private static List<Tensor> evaluate(Graph lowered, Node n, Map<Value, Tensor> memo, Map<String, Tensor> recorded,
      Map<String, String> quantizeOf) {
    Map<Value, Tensor> env = new IdentityHashMap<>();
    for (Value u : n.inputValues()) {
      Tensor t;
      Constant c = u.kind() == Value.Kind.CONSTANT ? lowered.constant(u.name()) : null;
      if (c != null) {
        t = c.tensor();
      } else if (quantizeOf.containsKey(u.name()) && recorded.containsKey(quantizeOf.get(u.name()))) {
        t = recorded.get(quantizeOf.get(u.name()));
      } else if (recorded.containsKey(u.name())) {
        t = recorded.get(u.name());
      } else if (memo.containsKey(u)) {
        t = memo.get(u);
      } else {
        t = evaluate(lowered, u.producer(), memo, recorded, quantizeOf).get(u.resultIndex());
        memo.put(u, t);
      }
      env.put(u, t);
    }
    List<TensorType> types = n.results().stream().map(Value::type).toList();
    return n.op().kernel().run(new Context(n.op(), n.args(), env, types));
  }

  /** A kernel context over given tensors. */
  private record Context(OpDef op, List<Argument> args, Map<Value, Tensor> env, List<TensorType> resultTypes)
      implements KernelContext {
    @Override
    public Argument arg(int i) {
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
      return env.get((Value) args.get(i));
    }

    @Override
    public Tensor optTensor(int i) {
      return isNone(i) ? null : tensor(i);
    }

    @Override
    public List<Tensor> tensors(int i) {
      return ((ValueList) args.get(i)).values().stream().map(env::get).toList();
    }
  }

  private static String histogram(LoweringReport report) {
    Map<String, Integer> h = new java.util.TreeMap<>();
    for (LoweringReport.Lowered l : report.lowered()) {
      h.merge(l.source() + " -> " + (l.integerOps().isEmpty() ? "(none)" : l.integerOps()), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    h.forEach((k, v) -> parts.add(v + "x " + k));
    return String.join(", ", parts);
  }
}
