package org.qforge.passes.lower;

import org.qforge.ir.DType;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.NodeArgs;

/**
 * The quantization an integer op's output takes: the parameters of the
 * {@code quantized_decomposed.quantize_per_tensor} it replaces, with its {@code [quant_min,
 * quant_max]} narrowed by a relu, hardtanh or clamp folded into it.
 *
 * <p>Folding is exact: quantization {@code Q} is monotone, so {@code Q(clamp(v, lo, hi)) ==
 * clamp(Q(v), Q(lo), Q(hi))}, and the bounds become {@code max(quant_min, Q(lo))} and
 * {@code min(quant_max, Q(hi))} with {@code Q(b) = zero_point + rint(b / scale)} (scale rounded to
 * float32, division and rint in double): relu gives {@code output_min = max(quant_min,
 * zero_point)}; hardtanh(lo, hi) gives {@code output_min = max(quant_min, zero_point + rint(lo /
 * scale))} and {@code output_max = min(quant_max, zero_point + rint(hi / scale))}.
 *
 * @param scale the quantize's scale literal
 * @param zeroPoint its zero point
 * @param min the lower output bound
 * @param max the upper output bound
 * @param dtype the quantized dtype
 */
record QuantizedOutput(double scale, long zeroPoint, long min, long max, DType dtype) {

  static final String QUANTIZE = "quantized_decomposed.quantize_per_tensor";

  /** The parameters of a literal {@code quantize_per_tensor} to i8 or u8, or null for anything else. */
  static QuantizedOutput of(Node q) {
    if (!q.op().name().equals(QUANTIZE)) {
      return null;
    }
    NodeArgs a = NodeArgs.of(q);
    DType dtype = a.dtypeArg(5);
    if (dtype != DType.I8 && dtype != DType.U8) {
      return null;
    }
    return new QuantizedOutput(a.floatArg(1), a.intArg(2), a.intArg(3), a.intArg(4), dtype);
  }

  /** True for the activations that fold into the output bounds: relu, hardtanh, clamp. */
  static boolean isClampingActivation(Node n) {
    return switch (n.op().name()) {
      case "aten.relu", "aten.hardtanh", "aten.clamp" -> true;
      default -> false;
    };
  }

  /**
   * These parameters with {@code activation} (relu, hardtanh or clamp) folded into the bounds, or
   * null when the bounds would be empty or are not numbers.
   */
  QuantizedOutput clampedBy(Node activation) {
    NodeArgs a = NodeArgs.of(activation);
    double lo;
    double hi;
    switch (activation.op().name()) {
      case "aten.relu" -> {
        lo = 0;
        hi = Double.POSITIVE_INFINITY;
      }
      case "aten.hardtanh" -> {
        lo = a.scalarArg(1);
        hi = a.scalarArg(2);
      }
      case "aten.clamp" -> {
        lo = a.arg(1) instanceof Literal.None ? Double.NEGATIVE_INFINITY : a.scalarArg(1);
        hi = a.arg(2) instanceof Literal.None ? Double.POSITIVE_INFINITY : a.scalarArg(2);
      }
      default -> throw new IllegalArgumentException("not a clamping activation: " + activation.op().name());
    }
    if (Double.isNaN(lo) || Double.isNaN(hi)) {
      return null;
    }
    double s = (float) scale;
    double qlo = zeroPoint + Math.rint(lo / s);
    double qhi = zeroPoint + Math.rint(hi / s);
    long newMin = (long) Math.min(Math.max(qlo, (double) min), (double) max);
    long newMax = (long) Math.max(Math.min(qhi, (double) max), (double) min);
    if (qlo > max || qhi < min || newMin > newMax) {
      return null;
    }
    return new QuantizedOutput(scale, zeroPoint, newMin, newMax, dtype);
  }
}
