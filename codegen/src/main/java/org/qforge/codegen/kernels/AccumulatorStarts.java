package org.qforge.codegen.kernels;

import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * What a convolution's int sums over an uncentred input are corrected by, one int per output
 * channel, derived at compile time ({@code DerivedConstants}) and added by the Vector API
 * requantization ({@code Int8VectorKernels.requantize}).
 *
 * <p>On an uncentred input — the stored int8 values themselves, padded with the zero point — the
 * correction is {@code −x_zp · Σ_t w[o, t]}, so that it + Σ_t w·x = Σ_t w·(x − x_zp), the op's sum:
 * exact, as int arithmetic wraps and the true sum fits an int ({@link
 * WeightQuantization#intAccumulatorSuffices}). That lets the kernel widen the input's rows straight
 * into its padded workspace on the Vector API, instead of a generated loop that centres each
 * element (C2 does not vectorize byte → int loops on JDK 17: 8 µs against 1.7 for resnet20's
 * 16 × 32 × 32 input; bench/README.md). The tiles' accumulators start from zero all the same: started
 * from these, the tile method grew past C2's inlining budget often enough to be boxed in 6 of 26
 * JVMs (bench/README.md, "Known problems").
 */
final class AccumulatorStarts {
  private AccumulatorStarts() {}

  /**
   * True if the kernel can read {@code node}'s input uncentred: an int8 input (stored as its values;
   * u8 bytes would widen with the wrong sign) and constant, symmetric int8 weights to sum.
   */
  static boolean uncentred(Node node) {
    return ((Value) node.arg("input")).type().dtype() == DType.I8 && weights(node) != null
        && WeightQuantization.zeroPointsStaticallyZero(node);
  }

  /** The corrections for {@code node}'s output channels; {@link #uncentred} must hold. */
  static Tensor of(Node node) {
    Value w = (Value) node.arg("weight");
    int outs = w.type().dims()[0];
    byte[] bytes = weights(node).bytes();
    int taps = bytes.length / outs;
    long zp = IntegerArithmetic.intLiteral(node, "input_zero_point");
    int[] starts = new int[outs];
    for (int o = 0; o < outs; o++) {
      long sum = 0;
      for (int t = 0; t < taps; t++) {
        sum += bytes[o * taps + t];
      }
      starts[o] = (int) (-zp * sum);
    }
    return Tensor.ofInts(starts, outs);
  }

  /** The int8 weight tensor if the weight is a constant, else null. */
  private static Tensor weights(Node node) {
    Value w = (Value) node.arg("weight");
    if (w.kind() != Value.Kind.CONSTANT || w.type().dtype() != DType.I8) {
      return null;
    }
    Constant c = node.graph().constant(w.name());
    return c == null ? null : c.tensor();
  }
}
