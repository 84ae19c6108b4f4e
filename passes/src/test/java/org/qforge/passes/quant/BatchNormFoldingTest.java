package org.qforge.passes.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.text.IrParser;

/** Batch-norm folding into conv and linear weights, on numbers small enough to check by hand. */
class BatchNormFoldingTest {

  @Test
  void convBatchNormFoldsPerOutputChannel() {
    // var + eps = 4 and 0.25, so rsqrt = 0.5 and 2 exactly; gamma 3 and 1, beta 1 and -1.
    Graph g = IrParser.parse("""
        graph @m(%x: f32[1,1,2,2]) {
          param %w: f32[2,1,1,1]
          buffer %mean: f32[2]
          buffer %var: f32[2]
          param %gamma: f32[2]
          param %beta: f32[2]
          %conv2d: f32[1,2,2,2] = aten.conv2d(%x, %w)
          %batch_norm: f32[1,2,2,2] = aten.batch_norm(%conv2d, %gamma, %beta, %mean, %var, false, 0.1, 0.0, false)
          return %batch_norm
        }
        data %w = dense [2.0, -1.0]
        data %mean = dense [1.0, 0.5]
        data %var = dense [4.0, 0.25]
        data %gamma = dense [3.0, 1.0]
        data %beta = dense [1.0, -1.0]
        """, "t.qir");
    Tensor x = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
    Tensor before = new Interpreter(g).run(List.of(x)).get(0);
    new FuseConvBatchNorm().run(g);
    assertNull(g.node("batch_norm"));
    // W' = W * gamma * rsqrt: [2 * 3 * 0.5, -1 * 1 * 2]; b' = (0 - mean) * rsqrt * gamma + beta.
    assertArrayEquals(new float[] {3f, -2f}, g.constant("w").tensor().floats());
    Value bias = (Value) g.node("conv2d").arg(2);
    assertEquals("w_bias", bias.name());
    assertArrayEquals(new float[] {-0.5f, -2f}, g.constant("w_bias").tensor().floats());
    Tensor after = new Interpreter(g).run(List.of(x)).get(0);
    assertArrayEquals(before.floats(), after.floats(), 1e-6f);
  }

  @Test
  void linearBatchNormFoldsOnTwoDimensionalInputOnly() {
    String text = """
        graph @m(%x: f32[%SHAPE%]) {
          param %w: f32[2,2]
          param %b: f32[2]
          buffer %mean: f32[2]
          buffer %var: f32[2]
          %linear: f32[%OUT%] = aten.linear(%x, %w, %b)
          %batch_norm: f32[%OUT%] = aten.batch_norm(%linear, none, none, %mean, %var, false, 0.1, 0.0, false)
          return %batch_norm
        }
        data %w = dense [1.0, 2.0, 3.0, 4.0]
        data %b = dense [1.0, 1.0]
        data %mean = dense [2.0, 0.0]
        data %var = dense [0.25, 4.0]
        """;
    Graph g2 = IrParser.parse(text.replace("%SHAPE%", "1,2").replace("%OUT%", "1,2"), "t.qir");
    new FuseLinearBatchNorm().run(g2);
    assertNull(g2.node("batch_norm"));
    // s = rsqrt(var) = [2, 0.5]; W' rows scaled by s; b' = (b - mean) * s.
    assertArrayEquals(new float[] {2f, 4f, 1.5f, 2f}, g2.constant("w").tensor().floats());
    assertArrayEquals(new float[] {-2f, 0.5f}, g2.constant("b").tensor().floats());

    Graph g3 = IrParser.parse(text.replace("%SHAPE%", "1,2,2").replace("%OUT%", "1,2,2"), "t.qir");
    new FuseLinearBatchNorm().run(g3);
    assertEquals("aten.batch_norm", g3.node("batch_norm").op().name());
  }
}
