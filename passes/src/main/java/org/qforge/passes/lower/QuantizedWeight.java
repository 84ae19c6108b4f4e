package org.qforge.passes.lower;

import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;

/**
 * A convolution or linear weight as the integer ops take it: the i8 (or u8) weight with one f32
 * scale and one i64 zero point per output channel (dim 0).
 *
 * <p>It is read from the dequantize that feeds the fp32 op: {@code dequantize_per_channel} along
 * axis 0, whose scales and zero points are used as they are when they are f32 [O] and integer [O]
 * tensors (PT2E's {@code _scale_<i>} and {@code _zero_point_<i>}), and otherwise converted into
 * new constants if they are constants; or {@code dequantize_per_tensor}, whose one scale and zero
 * point are repeated into new constants {@code <name>_weight_scales} f32 [O] and
 * {@code <name>_weight_zero_points} i64 [O].
 *
 * @param weight the integer weight
 * @param scales f32 [O]
 * @param zeroPoints an integer tensor [O]
 */
record QuantizedWeight(Value weight, Value scales, Value zeroPoints) {

  static final String DEQUANTIZE_PER_CHANNEL = "quantized_decomposed.dequantize_per_channel";

  /**
   * The quantized weight that {@code v} dequantizes, adding constants to {@code graph} named after
   * {@code name} if needed; null if {@code v} is not such a dequantization.
   */
  static QuantizedWeight of(Graph graph, Value v, String name) {
    Node dq = v.producer();
    if (dq == null || v.type().dtype() != DType.F32 || v.type().rank() < 1 || !(dq.arg(0) instanceof Value w)) {
      return null;
    }
    DType dtype = w.type().dtype();
    if (dtype != DType.I8 && dtype != DType.U8) {
      return null;
    }
    int outs = w.type().dim(0);
    NodeArgs a = NodeArgs.of(dq);
    if (dq.op().name().equals(DequantizedInput.DEQUANTIZE)) {
      if (a.dtypeArg(5) != dtype || !(a.arg(6) instanceof Literal.None || a.dtypeArg(6) == DType.F32)) {
        return null;
      }
      float[] s = new float[outs];
      long[] zp = new long[outs];
      java.util.Arrays.fill(s, (float) a.floatArg(1));
      java.util.Arrays.fill(zp, a.intArg(2));
      return new QuantizedWeight(w, scalesConstant(graph, name, s), zeroPointsConstant(graph, name, zp));
    }
    if (!dq.op().name().equals(DEQUANTIZE_PER_CHANNEL) || a.dtypeArg(6) != dtype
        || !(a.arg(7) instanceof Literal.None || a.dtypeArg(7) == DType.F32)) {
      return null;
    }
    long axis = a.intArg(3);
    if (axis != 0 && axis != -w.type().rank()) {
      return null;
    }
    Value scales = (Value) dq.arg(1);
    if (!isVector(scales.type(), DType.F32, outs)) {
      Tensor t = constantData(graph, scales);
      if (t == null || (t.numel() != 1 && t.numel() != outs)) {
        return null;
      }
      float[] s = new float[outs];
      for (int o = 0; o < outs; o++) {
        s[o] = (float) t.getDouble(t.numel() == 1 ? 0 : o);
      }
      scales = scalesConstant(graph, name, s);
    }
    Value zeroPoints;
    if (dq.arg(2) instanceof Value z && z.type().dtype().isInteger() && z.type().rank() == 1
        && z.type().dim(0) == outs) {
      zeroPoints = z;
    } else {
      long[] zp = new long[outs];
      if (dq.arg(2) instanceof Value z) {
        Tensor t = constantData(graph, z);
        if (t == null || t.dtype().isFloatingPoint() || (t.numel() != 1 && t.numel() != outs)) {
          return null;
        }
        for (int o = 0; o < outs; o++) {
          zp[o] = t.getLong(t.numel() == 1 ? 0 : o);
        }
      }
      zeroPoints = zeroPointsConstant(graph, name, zp);
    }
    return new QuantizedWeight(w, scales, zeroPoints);
  }

  private static boolean isVector(TensorType t, DType dtype, int n) {
    return t.dtype() == dtype && t.rank() == 1 && t.dim(0) == n;
  }

  private static Tensor constantData(Graph graph, Value v) {
    Constant c = v.kind() == Value.Kind.CONSTANT ? graph.constant(v.name()) : null;
    return c == null ? null : c.tensor();
  }

  private static Value scalesConstant(Graph graph, String name, float[] s) {
    return graph.addConstant(name + "_weight_scales", Constant.Kind.CONST, "", Tensor.ofFloats(s, s.length));
  }

  private static Value zeroPointsConstant(Graph graph, String name, long[] zp) {
    return graph.addConstant(name + "_weight_zero_points", Constant.Kind.CONST, "", Tensor.ofLongs(zp, zp.length));
  }
}
