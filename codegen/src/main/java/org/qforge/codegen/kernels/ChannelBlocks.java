package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.mul;

import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.plan.Arena;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The stored order of a conv weight that the float {@code Int8VectorKernels.convTaps} reads straight
 * from its widened copy — the direct row form ({@link RowConvolution}), the phase form ({@link
 * PhaseRows}) and the column form ({@link ColumnConvolution}) summing in floats: output channels in
 * blocks of eight, each tap's eight weights together ({@link ConvWeightOrder#channelBlocked}), taps
 * in the graph's (c, ky, kx) order. The F(2,3) forms and the channel-lane sums store theirs in their
 * own orders. A weight two convs read stays in the graph's order and is put in this one as it is
 * widened ({@code Int8VectorKernels.widenInChannelBlocks}, {@link VectorKernelCalls#widenConvTapsWeights}).
 */
final class ChannelBlocks implements ConvWeightOrder {
  private final ConvShape s;

  private ChannelBlocks(ConvShape s) {
    this.s = s;
  }

  /**
   * The order of {@code node}'s weight where a form that sums it in floats with {@code convTaps}
   * applies: a constant int8 weight with int8 vector types, one group, float sums, a row, phase or
   * column form; null elsewhere. {@link IntegerConvKernel#weightOrder} asks only after the forms that
   * store a weight their own way (F(2,3), channel lanes) have declined it.
   */
  static ChannelBlocks of(Node node) {
    ConvShape s = ConvShape.of(node);
    Value w = (Value) node.arg("weight");
    if (w.kind() != Value.Kind.CONSTANT || s.groups() != 1 || !WeightQuantization.vectorTypes(node, s.taps())
        || ExactFloatSums.sumsArena(node, s.taps()) != Arena.SCRATCH_F32) {
      return null;
    }
    boolean floatSums = RowConvolution.of(node) != null || PhaseRows.of(node) != null
        || ColumnConvolution.of(node) != null;
    return floatSums ? new ChannelBlocks(s) : null;
  }

  @Override
  public ConvShape shape() {
    return s;
  }

  @Override
  public int storedIndex(int o, int c, int ky, int kx) {
    return ConvWeightOrder.channelBlocked(o, (c * s.kh() + ky) * s.kw() + kx, s.oc(), s.taps());
  }

  @Override
  public Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx) {
    return ConvWeightOrder.channelBlocked(o, add(mul(add(mul(c, i(s.kh())), ky), i(s.kw())), kx), s.oc(), s.taps());
  }
}
