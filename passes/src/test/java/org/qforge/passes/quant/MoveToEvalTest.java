package org.qforge.passes.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.text.IrParser;

class MoveToEvalTest {
  private static final String TRAIN_GRAPH = """
      graph @g(%x: f32[2,1,2]) {
        param %bw: f32[1] "bn.weight"
        param %bb: f32[1] "bn.bias"
        buffer %rm: f32[1] "bn.running_mean"
        buffer %rv: f32[1] "bn.running_var"
        %batch_norm: f32[2,1,2] = aten.batch_norm(%x, %bw, %bb, %rm, %rv, training=true, momentum=0.1, eps=1.0E-5, cudnn_enabled=false)
        %dropout: f32[2,1,2] = aten.dropout(%batch_norm, 0.5, true)
        return %dropout
      }
      data %bw = dense [2.0]
      data %bb = dense [1.0]
      data %rm = dense [3.0]
      data %rv = dense [4.0]
      """;

  @Test
  void batchNormUsesItsRunningStatisticsAndDropoutIsTheIdentity() {
    Graph g = IrParser.parse(TRAIN_GRAPH, "g.qir");
    new MoveToEval().run(g);
    for (Node n : g.nodes()) {
      Literal flag = (Literal) n.arg(n.op().name().equals("aten.dropout") ? "train" : "training");
      assertEquals(new Literal.Bool(false), flag, n.name());
    }
    Interpreter interpreter = new Interpreter(g);
    Tensor x = Tensor.ofFloats(new float[] {3f, 5f, 1f, 7f}, 2, 1, 2);
    Tensor y = interpreter.run(List.of(x)).get(0);
    // (x - 3) / sqrt(4 + 1e-5) * 2 + 1, in float as batch norm computes it; the statistics stay.
    float inv = 1f / (float) Math.sqrt(4f + 1e-5f);
    float alpha = inv * 2f;
    float beta = Math.fma(-3f, alpha, 1f);
    assertArrayEquals(new float[] {Math.fma(3f, alpha, beta), Math.fma(5f, alpha, beta), Math.fma(1f, alpha, beta),
        Math.fma(7f, alpha, beta)}, y.floats());
    assertArrayEquals(new float[] {3f}, interpreter.buffers().get("rm").floats());
    assertArrayEquals(new float[] {4f}, interpreter.buffers().get("rv").floats());
  }

  @Test
  void withoutItTrainingModeUpdatesTheStatistics() {
    // The same graph left in training mode normalizes by the batch and moves the running mean:
    // the test above would fail without the pass.
    Graph g = IrParser.parse(TRAIN_GRAPH.replace("aten.dropout(%batch_norm, 0.5, true)",
        "aten.dropout(%batch_norm, 0.5, false)"), "g.qir");
    Interpreter interpreter = new Interpreter(g);
    interpreter.run(List.of(Tensor.ofFloats(new float[] {3f, 5f, 1f, 7f}, 2, 1, 2)));
    assertEquals(0.9f * 3f + 0.1f * 4f, interpreter.buffers().get("rm").floats()[0], 1e-6f);
  }
}
