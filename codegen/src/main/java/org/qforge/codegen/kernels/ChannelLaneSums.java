package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * A convolution's sums with the output channels in the vector lanes ({@code Int8VectorKernels.convChannelLanes}),
 * read from the uncentred padded input ({@link PaddedInput}) in place, with the convolution's strides:
 * only the outputs are summed, and no column matrix is copied. It takes over from the row form where
 * that form's rows, {@code OH · PW} positions padded to whole vectors, are at least twice the outputs
 * (digits_rescnn's 32→32 layer on 4 × 4 planes: 32 positions summed for 16 kept), and from the phase
 * and column forms for strided kernels larger than 1×1 ({@link #of}). It needs the weights stored
 * tap-major ({@link #storedIndex}: all output channels of tap (c, ky, kx) together), which the scalar
 * loops then read too, and float sums ({@link ExactFloatSums}). Its tiles write position-major sums,
 * transposed into the form's accumulators, so its workspace holds twice the outputs.
 */
final class ChannelLaneSums implements ConvWeightOrder {
  private final ConvShape s;

  private ChannelLaneSums(ConvShape s) {
    this.s = s;
  }

  /**
   * The channel-lane sums of {@code node}, or null where the row, phase or column form keeps its own:
   * weights that are not a constant with int8 vector types, more than one group, an F(2,3) conv
   * ({@link WinogradForm}), integer sums, or fewer than 32 output channels (two vectors' worth: with
   * one, a tile reloads the weights for every position, and digits_rescnn's 1→16 layer on 8 × 8 planes
   * ran at 1.35 µs against the row form's 0.6). Of the rest it takes the row-form convs whose rows
   * would be at least twice the outputs, and the strided ones the column form would copy from a padded
   * input ({@link ColumnConvolution#readsPaddedInput}), before the phase form ({@link PhaseRows}):
   * resnet20's stride-2 3×3 layers, 32→64 (the column form's stride-2 copy was 6.7–7.5 of its 24 µs)
   * and 16→32 (phase form 21.5–23.2 µs, channel lanes 18.5–19.3: {@code Steps}, bench/README.md).
   * Not the 1×1 ones, whose column form copies half as many values as the kernel would transpose.
   */
  static ChannelLaneSums of(Node node) {
    ConvShape s = ConvShape.of(node);
    Value w = (Value) node.arg("weight");
    if (w.kind() != Value.Kind.CONSTANT || s.groups() != 1 || !WeightQuantization.vectorTypes(node, s.taps())
        || ExactFloatSums.sumsArena(node, s.taps()) != Arena.SCRATCH_F32 || s.oc() < 32) {
      return null;
    }
    if (RowConvolution.of(node) != null) {
      if (WinogradForm.of(node) != null) {
        return null;
      }
      long outputs = (long) s.oh() * s.ow();
      long row = VectorKernelCalls.paddedRow(Math.multiplyExact(s.oh(), PaddedInput.width(s)));
      return row >= 2 * outputs ? new ChannelLaneSums(s) : null;
    }
    return ColumnConvolution.readsPaddedInput(node) ? new ChannelLaneSums(s) : null;
  }

  @Override
  public ConvShape shape() {
    return s;
  }

  /** Tap-major: the output channels of tap (c, ky, kx) together. */
  @Override
  public int storedIndex(int o, int c, int ky, int kx) {
    return ((c * s.kh() + ky) * s.kw() + kx) * s.oc() + o;
  }

  @Override
  public Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx) {
    return add(mul(add(mul(add(mul(c, i(s.kh())), ky), i(s.kw())), kx), i(s.oc())), o);
  }

  /** Floats of a strided conv's vector path ({@link #stridedBody}): the padded input, twice the outputs, the weights. */
  int stridedWorkspaceFloats() {
    long outputs = (long) s.oc() * s.oh() * s.ow();
    return Math.toIntExact(PaddedInput.elements(s) + 2 * outputs + (long) s.oc() * s.taps());
  }

  /** Ints of a strided conv's vector path: the table of taps. */
  int stridedWorkspaceInts() {
    return s.taps();
  }

  /**
   * The Vector API path of a conv that is not a row-form one: the weights widened once, then per batch
   * element the padded input ({@link PaddedInput}), the table of taps, the sums and their
   * requantization with the {@link AccumulatorStarts}. Null where the output cannot be requantized on
   * the Vector API: the direct loops then run alone (they read the weights where {@link #storedIndex} says).
   */
  Stmt stridedBody(Node node, ExecutionPlan plan, WeightQuantization wq) {
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    if (!VectorKernelCalls.requantizable(wq, output, out)) {
      return null;
    }
    int padded = plan.workspaceOffset(node, Arena.SCRATCH_F32);
    int sums = padded + PaddedInput.elements(s);
    int outputs = s.oh() * s.ow();
    int weights = sums + 2 * s.oc() * outputs;
    int table = plan.workspaceOffset(node);
    Local n = intVar("n");
    List<Stmt> perBatch = new ArrayList<>(
        PaddedInput.uncentred(s, node, plan, (Value) node.arg("input"), Arena.SCRATCH_F32, padded, n));
    perBatch.add(PaddedInput.tapOffsets(s, table));
    perBatch.add(call(weights, padded, sums, table));
    perBatch.add(VectorKernelCalls.requantize(wq, output, out, plan.derivedConstant(node), Arena.SCRATCH_F32, sums,
        outputs, s.ow(), mul(v(n), i(s.oc() * outputs)), s.oc(), s.oh(), s.ow()));
    return block(VectorKernelCalls.widenWeights(Arena.SCRATCH_F32, wq.weightAccess(), weights, s.oc() * s.taps()),
        forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new)));
  }

  /**
   * The kernel's call: sums from {@code accOff}, channel o's {@code OH · OW} outputs row-major at
   * {@code accOff + o·OH·OW}, over the padded input at {@code inOff} read with the strides; its tiles
   * use the {@code O · OH · OW} floats after the sums.
   */
  Stmt call(int weightAt, int inOff, int accOff, int tableOff) {
    ArrayParam f = Arena.SCRATCH_F32.param();
    int outputs = s.oc() * s.oh() * s.ow();
    return new Stmt.Invoke("Int8VectorKernels", "convChannelLanes", List.of(f, f, Arena.SCRATCH_I32.param(), f),
        List.of(i(weightAt), i(inOff), i(accOff), i(tableOff), i(accOff + outputs), i(s.oc()), i(s.taps()),
            i(s.oh()), i(s.ow()), i(s.stride()[0] * PaddedInput.width(s)), i(s.stride()[1])));
  }
}
