package org.qforge.codegen.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.codegen.plan.Arena;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ops.OpRegistry;

/** The bound under which a conv's int8 products may be summed in floats: Σ_t |w[o, t]| · 255 ≤ 2^24. */
class ExactFloatSumsTest {
  @Test
  void theWorstChannelDecides() {
    // 2^24 / 255 = 65,793.003...: a channel whose |weights| sum to 65,793 is exact, 65,794 is not.
    assertTrue(ExactFloatSums.hold(conv(new int[] {1000, 65_793}), 2));
    assertFalse(ExactFloatSums.hold(conv(new int[] {65_794, 1000}), 2));
    assertEquals(Arena.SCRATCH_F32, ExactFloatSums.sumsArena(conv(new int[] {65_793, 0}), 2));
    assertEquals(Arena.SCRATCH_I32, ExactFloatSums.sumsArena(conv(new int[] {0, 65_794}), 2));
  }

  /**
   * A 1×1 conv with one output channel per entry of {@code absSums}, each channel's weights of
   * alternating signs whose magnitudes sum to that entry.
   */
  private static org.qforge.ir.Node conv(int[] absSums) {
    int perChannel = 0;
    for (int s : absSums) {
      perChannel = Math.max(perChannel, (s + 126) / 127);
    }
    byte[] w = new byte[absSums.length * perChannel];
    for (int o = 0; o < absSums.length; o++) {
      int left = absSums[o];
      for (int t = 0; t < perChannel; t++) {
        int m = Math.min(127, left);
        left -= m;
        w[o * perChannel + t] = (byte) (t % 2 == 0 ? m : -m);
      }
    }
    int outs = absSums.length;
    Graph g = new Graph("conv");
    OpRegistry ops = OpRegistry.standard();
    Value x = g.addInput("x", TensorType.of(DType.I8, 1, perChannel, 2, 2));
    Value weight = g.addConstant("w", Constant.Kind.CONST, null, Tensor.ofBytes(DType.I8, w, outs, perChannel, 1, 1));
    Value scales = g.addConstant("s", Constant.Kind.CONST, null, Tensor.ofFloats(new float[outs], outs));
    Value zps = g.addConstant("z", Constant.Kind.CONST, null, Tensor.ofLongs(new long[outs], outs));
    OpDef def = ops.get("qforge.quantized_conv2d");
    Map<String, Argument> named = new LinkedHashMap<>();
    named.put("input_scale", new Literal.Float(0.05));
    named.put("input_zero_point", new Literal.Int(0));
    named.put("output_scale", new Literal.Float(0.05));
    named.put("output_zero_point", new Literal.Int(0));
    named.put("output_min", new Literal.Int(-128));
    named.put("output_max", new Literal.Int(127));
    List<Argument> bound = def.bind(List.of(x, weight, scales, zps, Literal.NONE), named);
    List<TensorType> types = def.shapeFunction().infer(new NodeArgs(def, bound));
    return g.addNode(def, bound, List.of("y"), types, Map.of());
  }
}
