package org.qforge.passes.lower;

import org.qforge.ir.DType;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;
import org.qforge.ir.Value;

/**
 * An fp32 value that is the per-tensor dequantization of an integer one:
 * {@code quantized_decomposed.dequantize_per_tensor(quantized, scale, zero_point, quant_min,
 * quant_max, dtype)} with literal parameters, an i8 or u8 input and an f32 result. This is how
 * every quantized activation reaches an fp32 op in a converted PT2E program.
 *
 * @param quantized the integer value that was dequantized
 * @param scale the scale literal
 * @param zeroPoint the zero point literal
 * @param quantMin the dequantize's {@code quant_min}: the smallest value {@code quantized} holds
 * @param quantMax the dequantize's {@code quant_max}: the largest value {@code quantized} holds
 */
record DequantizedInput(Value quantized, double scale, long zeroPoint, long quantMin, long quantMax) {

  static final String DEQUANTIZE = "quantized_decomposed.dequantize_per_tensor";

  /** The dequantization {@code v} is the result of, or null if it is not one. */
  static DequantizedInput of(Value v) {
    Node dq = v.producer();
    if (dq == null || !dq.op().name().equals(DEQUANTIZE) || !(dq.arg(0) instanceof Value q)) {
      return null;
    }
    NodeArgs a = NodeArgs.of(dq);
    DType dtype = q.type().dtype();
    if ((dtype != DType.I8 && dtype != DType.U8) || v.type().dtype() != DType.F32 || a.dtypeArg(5) != dtype
        || !(a.arg(6) instanceof Literal.None || a.dtypeArg(6) == DType.F32)) {
      return null;
    }
    return new DequantizedInput(q, a.floatArg(1), a.intArg(2), a.intArg(3), a.intArg(4));
  }

  DType dtype() {
    return quantized.type().dtype();
  }

  /**
   * True if quantizing with {@code out} gives back the quantized value unchanged: the same scale
   * (as float32) and zero point, and output bounds that contain {@code [quantMin, quantMax]}.
   */
  boolean requantizesIdentically(QuantizedOutput out) {
    return (float) scale == (float) out.scale() && zeroPoint == out.zeroPoint() && out.min() <= quantMin
        && out.max() >= quantMax && out.dtype() == dtype();
  }
}
