package org.qforge.codegen.kernels;

import org.qforge.codegen.runtime.FloatRequantization;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * Whether a linear layer's Vector API path requantizes its sums in float lanes ({@code
 * Int8VectorKernels.requantizeChannelsInFloats}), and the per-channel constants that route reads,
 * derived at compile time ({@code DerivedConstants}): slopes, offsets and certainty limits
 * ({@link FloatRequantization#channelConstants}), 3 floats a channel.
 *
 * <p>The route needs constant float32 scales, a constant finite bias or none, a finite input scale
 * and a finite nonzero output scale, so that no value is NaN and the float route's proof applies.
 * No bound on the sums: one that a float does not hold is rounded to one, which the proof's margin
 * covers (mlp_784_1024's second layer could reach Σ|w|·255 = 17.5 M &gt; 2^24, although its sums stay
 * far below). Elsewhere {@code requantizeChannels}' double route stays. Why it exists:
 * on JDK 17 that route's scalar loop divides in doubles (0.22 µs for 128 outputs), and its vector
 * lanes made C2 box the linear kernels (bench/README.md, step 45).
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
        && scales(node) != null && bias(node) != null
        && Double.isFinite(IntegerArithmetic.scale(node, "input_scale"))
        && IntegerArithmetic.Output.of(node).finiteDivisor();
  }

  /** The constants {@code node}'s float route reads; {@link #applies} must hold. */
  static Tensor constants(Node node) {
    float[] bias = bias(node);
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    float[] constants = FloatRequantization.channelConstants(scales(node), bias.length == 0 ? null : bias,
        IntegerArithmetic.scale(node, "input_scale"), output.scale(), output.zeroPoint(), output.min(),
        output.max());
    return Tensor.ofFloats(constants, constants.length);
  }

  /** The constant, positive and finite float32 weight scales, or null. */
  private static float[] scales(Node node) {
    float[] scales = floats(node, "weight_scales");
    if (scales == null) {
      return null;
    }
    for (float s : scales) {
      if (!(s > 0 && Float.isFinite(s))) {
        return null;
      }
    }
    return scales;
  }

  /** The constant finite float32 bias, an empty array without one, or null (not constant, or not finite). */
  private static float[] bias(Node node) {
    if (!(node.arg("bias") instanceof Value)) {
      return new float[0];
    }
    float[] bias = floats(node, "bias");
    if (bias == null) {
      return null;
    }
    for (float b : bias) {
      if (!Float.isFinite(b)) {
        return null;
      }
    }
    return bias;
  }

  private static float[] floats(Node node, String param) {
    if (!(node.arg(param) instanceof Value v) || v.kind() != Value.Kind.CONSTANT || v.type().dtype() != DType.F32) {
      return null;
    }
    Constant c = node.graph().constant(v.name());
    return c == null ? null : c.tensor().floats();
  }
}
