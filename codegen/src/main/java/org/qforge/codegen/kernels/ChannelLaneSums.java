package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.mul;

import java.util.List;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * The row form's sums with output channels in the vector lanes ({@code Int8VectorKernels.convChannelLanes}),
 * for convolutions over planes so small that the row form's rows are mostly waste: its row of
 * {@code OH · PW} positions, padded to whole vectors, is at least twice the {@code OH · OW} outputs
 * (digits_rescnn's 32→32 layer on 4 × 4 planes: 32 positions summed for 16 kept). The kernel sums
 * only the outputs, reading the same padded input and table of taps as the row form; it needs the
 * weights stored tap-major ({@link #relayout}: all output channels of tap (c, ky, kx) together) and
 * float sums ({@link ExactFloatSums}). Its position-major tiles are transposed into the row form's
 * accumulator region, which this rule leaves at least twice the outputs' size: the tiles' half, then
 * the transposed half the requantization reads.
 */
final class ChannelLaneSums {
  private final ConvShape s;

  private ChannelLaneSums(ConvShape s) {
    this.s = s;
  }

  /**
   * The channel-lane sums of {@code node}, or null where the row form keeps its own: not a row-form
   * conv, an F(2,3) one ({@link WinogradForm}), weights that are not a constant with int8 vector types,
   * integer sums, fewer than 32 output channels (two vectors' worth: with one, a tile reloads the
   * weights for every position, and digits_rescnn's 1→16 layer on 8 × 8 planes ran at 1.35 µs
   * against the row form's 0.6), or rows that waste less than half.
   */
  static ChannelLaneSums of(Node node) {
    if (RowConvolution.of(node) == null || WinogradForm.of(node) != null) {
      return null;
    }
    ConvShape s = ConvShape.of(node);
    Value w = (Value) node.arg("weight");
    if (w.kind() != Value.Kind.CONSTANT || !WeightQuantization.vectorTypes(node, s.taps())
        || ExactFloatSums.sumsArena(node, s.taps()) != Arena.SCRATCH_F32 || s.oc() < 32) {
      return null;
    }
    long outputs = (long) s.oh() * s.ow();
    long row = VectorKernelCalls.paddedRow(Math.multiplyExact(s.oh(), PaddedInput.width(s)));
    return row >= 2 * outputs ? new ChannelLaneSums(s) : null;
  }

  /** Where weight (o, c, ky, kx) is stored after {@link #relayout}: tap-major, channels within a tap. */
  int storedIndex(int o, int c, int ky, int kx) {
    return ((c * s.kh() + ky) * s.kw() + kx) * s.oc() + o;
  }

  /** {@link #storedIndex(int, int, int, int)} in generated code, for the scalar loops. */
  Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx) {
    return add(mul(add(mul(add(mul(c, i(s.kh())), ky), i(s.kw())), kx), i(s.oc())), o);
  }

  /** The weight tensor stored tap-major (same bytes, reordered). */
  Tensor relayout(Tensor tensor) {
    byte[] graphOrder = tensor.bytes();
    byte[] stored = new byte[graphOrder.length];
    for (int o = 0; o < s.oc(); o++) {
      for (int c = 0; c < s.c(); c++) {
        for (int ky = 0; ky < s.kh(); ky++) {
          for (int kx = 0; kx < s.kw(); kx++) {
            stored[storedIndex(o, c, ky, kx)] = graphOrder[((o * s.c() + c) * s.kh() + ky) * s.kw() + kx];
          }
        }
      }
    }
    return Tensor.ofBytes(tensor.dtype(), stored, tensor.dims());
  }

  /**
   * The kernel's call: sums from {@code accOff}, channel o's {@code OH · OW} outputs row-major at
   * {@code accOff + o·OH·OW}, over the padded input at {@code inOff} {@code PW} wide; its tiles use
   * the {@code O · OH · OW} floats after the sums.
   */
  Stmt call(int weightAt, int inOff, int accOff, int tableOff) {
    ArrayParam f = Arena.SCRATCH_F32.param();
    int outputs = s.oc() * s.oh() * s.ow();
    return new Stmt.Invoke("Int8VectorKernels", "convChannelLanes", List.of(f, f, Arena.SCRATCH_I32.param(), f),
        List.of(i(weightAt), i(inOff), i(accOff), i(tableOff), i(accOff + outputs), i(s.oc()), i(s.taps()),
            i(s.oh()), i(s.ow()), i(PaddedInput.width(s))));
  }
}
