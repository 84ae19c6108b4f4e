package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.doubleVar;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.ifThen;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.load;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.toFloat;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.loop.Stmt.Cmp;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The column (im2col) form of an ungrouped integer convolution the row and phase forms ({@link
 * RowConvolution}, {@link PhaseRows}) do not take — strided ones, resnet's 1×1 downsampling layers and
 * its 32→64 stride-2 3×3 one — for the runtime's Vector API kernel.
 * Per batch element:
 *
 * <ol>
 *   <li>a [C·kH·kW, R] matrix of the input's taps is written into the workspace: as floats where
 *       {@link ExactFloatSums} holds, else as ints; copied from a {@link PaddedInput} of the stored
 *       values where {@link #readsPaddedInput}, else centred from the input, 0 where a tap falls in
 *       the padding;
 *   <li>{@code Int8VectorKernels.convTaps} sums each output channel's taps over it (tap t's row at
 *       {@code t·R}, a table the kernel reads; R is OH·OW rounded up for the kernel);
 *   <li>each sum (plus its channel's {@link AccumulatorStarts} where the taps were not centred) is
 *       requantized as {@link IntegerConvKernel}'s formula says.
 * </ol>
 *
 * <p>It has no scalar form of its own: without the Vector API the direct loops of {@link
 * IntegerConvKernel} run, which read the input in place.
 */
final class ColumnConvolution {
  private final ConvShape s;

  private ColumnConvolution(ConvShape s) {
    this.s = s;
  }

  /** The column form of {@code node} if its types suit the Vector API kernel and it has one group, else null. */
  static ColumnConvolution of(Node node) {
    ConvShape shape = ConvShape.of(node);
    return shape.groups() == 1 && WeightQuantization.vectorTypes(node, shape.taps()) ? new ColumnConvolution(shape) : null;
  }

  private int positions() {
    return s.oh() * s.ow();
  }

  /** A matrix row's length: the positions, padded for the kernel ({@link VectorKernelCalls#paddedRow}). */
  private int row() {
    return VectorKernelCalls.paddedRow(positions());
  }

  /** The table of tap rows, after the matrix, the sums and the weights widened where they are ints. */
  int workspaceInts(Node node) {
    return ExactFloatSums.hold(node, s.taps()) ? s.taps() : Math.addExact(sumsElements(), s.taps());
  }

  /**
   * The matrix, the sums and the weights widened, where they are floats, and then the padded input
   * the matrix is copied from where it is read uncentred ({@link #readsPaddedInput}).
   */
  int workspaceFloats(Node node) {
    if (!ExactFloatSums.hold(node, s.taps())) {
      return 0;
    }
    return readsPaddedInput(node) ? Math.addExact(sumsElements(), PaddedInput.elements(s)) : sumsElements();
  }

  /**
   * True if the matrix is copied from a {@link PaddedInput} (uncentred, the requantization adding the
   * {@link AccumulatorStarts}): float sums, an int8 input with constant symmetric weights, and a
   * kernel wider than 1×1, so that each input element is read for several taps. The copy is plain
   * float moves; the matrix written from the int8 input itself costs a conversion, a centring and four
   * bounds tests an element. resnet20's stride-2 3×3 layers: 40.4 → 33.2 and 30.5 → 24.5 µs; its
   * 1×1 ones, which read a quarter of their input once, got slower (7.3 → 7.8–8.0) and keep the
   * direct matrix (bench/README.md, step 24).
   */
  static boolean readsPaddedInput(Node node) {
    ConvShape s = ConvShape.of(node);
    return s.kh() * s.kw() > 1 && ExactFloatSums.holdOverUncentredInput(node, s.taps());
  }

  private int sumsElements() {
    return Math.addExact(Math.multiplyExact(Math.addExact(s.taps(), s.oc()), row()), Math.multiplyExact(s.oc(), s.taps()));
  }

  /** True if this node's weights allow the Vector API kernel (symmetric, in a byte array). */
  boolean applies(WeightQuantization wq) {
    return wq.vectorizable(s.taps());
  }

  /**
   * The statements: the weights widened once a run (stored in {@link ChannelBlocks} where {@code
   * storedInBlocks}), then per batch element the matrix, the sums and the requantization.
   */
  Stmt body(Node node, ExecutionPlan plan, WeightQuantization wq, boolean storedInBlocks) {
    Value xv = (Value) node.arg("input");
    ArrayParam ints = Arena.SCRATCH_I32.param();
    Arena arena = ExactFloatSums.sumsArena(node, s.taps());
    ArrayParam matrix = arena.param();
    boolean floats = arena == Arena.SCRATCH_F32;
    int columns = plan.workspaceOffset(node, arena);
    int sums = columns + s.taps() * row();
    int weightsAt = sums + s.oc() * row();
    int table = floats ? plan.workspaceOffset(node) : weightsAt + s.oc() * s.taps();
    Access weight = wq.weightAccess();
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    Slot starts = readsPaddedInput(node) && VectorKernelCalls.requantizable(wq, output, out)
        ? plan.derivedConstant(node) : null;
    Local n = intVar("n");
    Local ci = intVar("ci");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    Local row = intVar("row");
    Local o = intVar("o");
    Local m = doubleVar("m");

    // row = ((ci·kH + ky)·kW + kx)·row(): the matrix row of tap (ci, ky, kx).
    Expr at = add(v(row), add(mul(v(oy), i(s.ow())), v(ox)));
    Expr xIndex = add(mul(add(mul(add(mul(v(n), i(s.c())), v(ci)), i(s.h())), v(iy)), i(s.w())), v(ix));
    Expr centred = wq.centredInput(IntegerArithmetic.element(plan, xv, xIndex));
    Stmt tap = block(
        assign(ix, add(sub(mul(v(ox), i(s.stride()[1])), i(s.pad()[1])), mul(v(kx), i(s.dil()[1])))),
        store(matrix, at, floats ? f(0) : i(0)),
        ifThen(Cmp.GE, v(iy), i(0), ifThen(Cmp.LT, v(iy), i(s.h()), ifThen(Cmp.GE, v(ix), i(0),
            ifThen(Cmp.LT, v(ix), i(s.w()), store(matrix, at, floats ? toFloat(centred) : centred))))));
    Stmt rowOfTap =
        assign(row, add(i(columns), mul(add(mul(add(mul(v(ci), i(s.kh())), v(ky)), i(s.kw())), v(kx)), i(row()))));
    Stmt im2col;
    // resnet's 1×1 downsampling layers: each row's even bytes, a vector at a time. Its last vector runs
    // into the sums after the matrix (at least one padded row), which convTaps writes afterwards.
    Stmt evenBytes = starts == null && floats && s.kh() == 1 && s.kw() == 1 && s.pad()[0] == 0 && s.pad()[1] == 0
        && s.stride()[0] == 2 && s.stride()[1] == 2
        ? VectorKernelCalls.strideTwoColumns(xv, Access.of(plan, xv), mul(v(n), i(s.c() * s.h() * s.w())), s, columns,
            row(), wq.inputZeroPoint)
        : null;
    if (evenBytes != null) {
      im2col = evenBytes;
    } else if (starts == null) {
      im2col = forLoop(ci, s.c(), forLoop(ky, s.kh(), forLoop(kx, s.kw(), rowOfTap,
          forLoop(oy, s.oh(), assign(iy, add(sub(mul(v(oy), i(s.stride()[0])), i(s.pad()[0])), mul(v(ky), i(s.dil()[0])))),
              forLoop(ox, s.ow(), tap)))));
    } else {
      // From the padded input after the sums and weights: tap (ci, ky, kx) of position (oy, ox) at
      // padded[ci][oy·sH + ky·dH][ox·sW + kx·dW], always inside the block.
      int padded = weightsAt + s.oc() * s.taps();
      int ph = PaddedInput.height(s);
      int pw = PaddedInput.width(s);
      Local src = intVar("src");
      im2col = block(block(PaddedInput.uncentred(s, node, plan, xv, arena, padded, n).toArray(Stmt[]::new)),
          forLoop(ci, s.c(), forLoop(ky, s.kh(), forLoop(kx, s.kw(), rowOfTap,
              forLoop(oy, s.oh(),
                  assign(src, add(i(padded), add(mul(v(ci), i(ph * pw)), add(mul(add(mul(v(oy), i(s.stride()[0])),
                      mul(v(ky), i(s.dil()[0]))), i(pw)), mul(v(kx), i(s.dil()[1])))))),
                  forLoop(ox, s.ow(), store(matrix, at, load(matrix, add(v(src), mul(v(ox), i(s.stride()[1])))))))))));
    }
    Expr outIndex = add(mul(add(mul(add(mul(v(n), i(s.oc())), v(o)), i(s.oh())), v(oy)), i(s.ow())), v(ox));
    Expr acc = load(matrix, add(add(i(sums), mul(v(o), i(row()))), add(mul(v(oy), i(s.ow())), v(ox))));
    List<Stmt> perBatch = new ArrayList<>();
    Local t = intVar("t");
    perBatch.add(im2col);
    perBatch.add(forLoop(t, s.taps(), store(ints, add(i(table), v(t)), mul(v(t), i(row())))));
    perBatch.add(VectorKernelCalls.convTaps(arena, weightsAt, columns, sums, table, s.oc(), s.taps(), row()));
    Stmt requantize = VectorKernelCalls.requantize(wq, output, out, starts, arena, sums, row(), s.ow(),
        mul(v(n), i(s.oc() * positions())), s.oc(), s.oh(), s.ow());
    perBatch.add(requantize != null ? requantize : forLoop(o, s.oc(), assign(m, wq.multiplier(v(o))),
        forLoop(oy, s.oh(), forLoop(ox, s.ow(), store(out.array(), out.index(outIndex),
            wq.quantize(output, wq.real(acc, v(m), v(o))))))));
    return block(VectorKernelCalls.widenConvTapsWeights(arena, weight, weightsAt, s.oc(), s.taps(), storedInBlocks),
        forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new)));
  }
}
