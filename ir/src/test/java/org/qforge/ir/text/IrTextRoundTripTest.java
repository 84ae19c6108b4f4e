package org.qforge.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.ops.OpRegistry;

class IrTextRoundTripTest {

  private static final String PROGRAM = """
      graph @tiny(%x: f32[2,3]) {
        param %w: f32[2,3] "layer.weight"
        buffer %count: i64[]
        const %big: f32[20]
        %relu: f32[2,3] = aten.relu(%x) {stack_trace = "File \\"m.py\\", line 3\\n  y = relu(x)", nn_module_stack = "a,b"}
        %hardtanh: f32[2,3] = aten.hardtanh(%relu, min_val=0.0, max_val=6.0)
        %clamp: f32[2,3] = aten.clamp(%hardtanh, min=-1, max=0.5)
        return %clamp, %relu
      }
      data %w = dense [1.0, -2.5, 3.0E-5, 0.1, inf, -0.0]
      data %count = dense [7]
      data %big = base64 "AAAAAAAAgD8AAABAAABAQAAAgEAAAKBAAADAQAAA4EAAAABBAAAQQQAAIEEAADBBAABAQQAAUEEAAGBBAABwQQAAgEEAAIhBAACQQQAAmEE="
      """;

  @Test
  void printParsePrintIsIdentical() {
    Graph g = IrParser.parse(PROGRAM, "tiny.qir");
    String printed = IrPrinter.printWithData(g);
    Graph again = IrParser.parse(printed, "printed.qir");
    assertEquals(printed, IrPrinter.printWithData(again));
  }

  @Test
  void parsedProgramKeepsEverything() {
    Graph g = IrParser.parse(PROGRAM, "tiny.qir");
    assertEquals(List.of("x"), g.inputs().stream().map(Value::name).toList());
    assertEquals(List.of("clamp", "relu"), g.outputs().stream().map(Value::name).toList());
    Constant w = g.constant("w");
    assertEquals(Constant.Kind.PARAM, w.kind());
    assertEquals("layer.weight", w.fqn());
    assertEquals(Float.POSITIVE_INFINITY, w.tensor().floats()[4]);
    assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(w.tensor().floats()[5]));
    assertEquals(7, g.constant("count").tensor().getLong(0));
    assertEquals(19.0, g.constant("big").tensor().getDouble(19));
    assertEquals("File \"m.py\", line 3\n  y = relu(x)", g.node("relu").metadata().get("stack_trace"));
    assertEquals(new Literal.Float(0.5), g.node("clamp").arg("max"));
    // An int literal where the schema says Scalar stays an int.
    assertEquals(new Literal.Int(-1), g.node("clamp").arg("min"));
  }

  @Test
  void defaultsAreOmittedAndExplicitValuesKept() {
    Graph g = IrParser.parse(PROGRAM, "tiny.qir");
    String text = IrPrinter.print(g);
    assertTrue(text.contains("%hardtanh: f32[2,3] = aten.hardtanh(%relu, min_val=0.0, max_val=6.0)"), text);
    assertTrue(text.contains("%relu: f32[2,3] = aten.relu(%x) {stack_trace = "), text);
  }

  @Test
  void builtGraphRoundTripsAndRunsTheSameAfterReload() {
    OpRegistry reg = OpRegistry.standard();
    Graph g = new Graph("built");
    Value x = g.addInput("x", TensorType.of(DType.F32, 4));
    OpDef relu = reg.get("aten.relu");
    Value r = g.addNode(relu, relu.bind(List.of(x), Map.of()), List.of("relu"), List.of(x.type()), Map.of())
        .result();
    g.setOutputs(List.of(r));
    Graph back = IrParser.parse(IrPrinter.printWithData(g), "built.qir");
    Tensor in = Tensor.ofFloats(new float[] {-1, 2, Float.NaN, 0}, 4);
    Tensor a = new Interpreter(g).run(List.of(in)).get(0);
    Tensor b = new Interpreter(back).run(List.of(in)).get(0);
    assertTrue(a.contentEquals(b));
    assertEquals(2f, a.floats()[1]);
    assertTrue(Float.isNaN(a.floats()[2]));
    assertEquals(0f, a.floats()[0]);
  }

  @Test
  void graphSectionStopsAtData() {
    String section = QirFiles.graphSection(PROGRAM);
    assertTrue(section.endsWith("}\n"), section);
    assertTrue(!section.contains("data %"));
  }
}
