package org.qforge.codegen.kernels;

import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * Whether a linear layer's Vector API path requantizes its sums in float lanes ({@code
 * Int8VectorKernels.requantizeChannelsInFloats}, which computes each channel's constants from the
 * stored scales and bias; {@code FloatRequantization} has the proof).
 *
 * <p>The route needs constant float32 scales (positive and finite: {@code WeightQuantization} checks), a constant finite bias or none, a
 * finite input scale and a finite nonzero output scale, so that no value is NaN and the proof
 * applies; the kernel itself checks the layer's two float factors. Elsewhere {@code
 * requantizeChannels}' double route stays. Why it exists: on JDK 17 that route's scalar loop divides
 * in doubles (0.22 µs for 128 outputs), and its vector lanes made C2 box the linear kernels
 * (bench/README.md, step 45).
 */
final class LinearFloatRequantization {
  private LinearFloatRequantization() {}

  /** True if {@code node}'s Vector API path takes the float route (see above). */
  static boolean applies(Node node) {
    int[] wd = ((Value) node.arg("weight")).type().dims();
    DType out = node.result().type().dtype();
    return (out == DType.I8 || out == DType.U8)
        && WeightQuantization.vectorTypes(node, wd[1]) && WeightQuantization.zeroPointsStaticallyZero(node)
        && LinearShare.vectorKernelsWorthwhile(node.graph())
        && node.arg("weight_scales") instanceof Value s && s.kind() == Value.Kind.CONSTANT
        && s.type().dtype() == DType.F32 && WeightQuantization.finiteBias(node)
        && Double.isFinite(IntegerArithmetic.scale(node, "input_scale"))
        && IntegerArithmetic.Output.of(node).finiteDivisor();
  }
}
