package org.qforge.passes.lower;

import java.util.List;

/**
 * What {@link LowerToIntegerOps} did: each quantize node it replaced, and each it left with the
 * reason.
 *
 * @param lowered the replaced quantize nodes, in graph order
 * @param left the quantize nodes left in place, in graph order
 */
public record LoweringReport(List<Lowered> lowered, List<Left> left) {

  public LoweringReport {
    lowered = List.copyOf(lowered);
    left = List.copyOf(left);
  }

  /**
   * One replaced quantize node.
   *
   * @param quantize the name of the {@code quantize_per_tensor} node that was replaced (its value
   *     name in the program before lowering)
   * @param result the name of the integer value that took its place (an integer op's result, a
   *     shape op on the integer tensor, or an existing integer value)
   * @param source the fp32 ops it replaced, e.g. {@code aten.conv2d+aten.relu}
   * @param integerOps the ops that compute {@code result}, e.g. {@code qforge.quantized_conv2d}
   *     (empty when the quantize just gave back an existing integer value)
   */
  public record Lowered(String quantize, String result, String source, String integerOps) {}

  /**
   * One quantize node left in place.
   *
   * @param quantize its name
   * @param reason why, e.g. that its input is not computed from dequantized values (the
   *     quantization of a graph input)
   */
  public record Left(String quantize, String reason) {}
}
