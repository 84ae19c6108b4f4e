package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The Vector API path of a stride-2 convolution (resnet's stride-2 3×3 layers) as the row form of a
 * stride-1 one: the padded input split into its four phases, padded element (2i + a, 2j + b) in plane
 * (a, b) at (i, j), so that output (oy, ox)'s tap (ky, kx) is element (oy + ky/2, ox + kx/2) of plane
 * (ky mod 2, kx mod 2) — every tap one offset from position p = oy·PW/2 + ox. Per batch element:
 *
 * <ol>
 *   <li>the phases, from the stored int8 input with the zero point in the padding ({@code
 *       Int8VectorKernels.phases}: the even and odd bytes of each row apart by shifts of shorts);
 *   <li>{@code convTaps} over them, with a table of each tap's plane and offset, OH rows of PW/2
 *       positions (the last {@code PW/2 − OW} of each dropped, as in the row form);
 *   <li>the requantization with the zero-point corrections ({@link AccumulatorStarts}).
 * </ol>
 *
 * <p>Where the column form ({@link ColumnConvolution}) copies a matrix of C·kH·kW rows, one element a
 * tap and position (a stride-2 gather, scalar), this writes each input element once. Exact as the row
 * form is: same sums, float lanes under {@link ExactFloatSums}' bound. Step 29 in bench/README.md.
 */
final class PhaseRows {
  private final ConvShape s;

  private PhaseRows(ConvShape s) {
    this.s = s;
  }

  /**
   * The phase form of {@code node}, or null where it does not apply: an ungrouped conv of stride 2
   * both ways, undilated, a kernel larger than 1×1 (a 1×1 one reads a quarter of its input once, and
   * the column form's matrix is that quarter: resnet20's 1×1 layers took 8.0–8.4 and 7.6–7.8 µs this
   * way against 7.1 and 5.1), an even padded height and width, float sums over the
   * uncentred input, and rows that drop few positions: at most 1/8 more than the column form computes.
   * resnet20's 16→32 layer (17-position rows for 16 outputs, 272 positions against 256) took 22.5 µs
   * against 31.0 with the column form; its 32→64 layer (rows of 9 for 8, 80 positions against 64) 26.4
   * against 24.6 (bench/README.md, step 29).
   */
  static PhaseRows of(Node node) {
    ConvShape s = ConvShape.of(node);
    if (s.groups() != 1 || s.stride()[0] != 2 || s.stride()[1] != 2 || s.dil()[0] != 1 || s.dil()[1] != 1
        || s.kh() * s.kw() == 1 || PaddedInput.height(s) % 2 != 0 || PaddedInput.width(s) % 2 != 0
        || !ExactFloatSums.holdOverUncentredInput(node, s.taps())) {
      return null;
    }
    PhaseRows phases = new PhaseRows(s);
    return phases.len() * 8L <= 9L * VectorKernelCalls.paddedRow(s.oh() * s.ow()) ? phases : null;
  }

  private int halfWidth() {
    return PaddedInput.width(s) / 2;
  }

  private int planeStride() {
    return Math.addExact(Math.multiplyExact(PaddedInput.height(s) / 2, halfWidth()),
        VectorKernelCalls.VECTOR_OVERRUN);
  }

  /** Positions a channel's row of sums: OH rows of PW/2, padded to whole vectors. */
  private int len() {
    return VectorKernelCalls.paddedRow(Math.multiplyExact(s.oh(), halfWidth()));
  }

  /** The four planes of every channel, and what the last taps read past them (garbage, dropped). */
  private int phaseElements() {
    return Math.addExact(Math.multiplyExact(4 * s.c(), planeStride()), Math.addExact(len(), (s.kh() / 2 + 1) * halfWidth()));
  }

  int workspaceFloats() {
    return Math.addExact(Math.addExact(phaseElements(), Math.multiplyExact(s.oc(), len())),
        Math.multiplyExact(s.oc(), s.taps()));
  }

  int workspaceInts() {
    return s.taps();
  }

  /**
   * The statements: the weights widened once a run (stored in {@link ChannelBlocks} where {@code
   * storedInBlocks}, else put in that order as they are widened), then per batch element the phases,
   * the sums and the requantization; null where the requantization kernel does not apply ({@link
   * VectorKernelCalls#requantizable}), as the corrections need it.
   */
  Stmt body(Node node, ExecutionPlan plan, WeightQuantization wq, boolean storedInBlocks) {
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    if (!VectorKernelCalls.requantizable(wq, output, out)) {
      return null;
    }
    Slot starts = plan.derivedConstant(node);
    ArrayParam floats = Arena.SCRATCH_F32.param();
    ArrayParam ints = Arena.SCRATCH_I32.param();
    int phases = plan.workspaceOffset(node, Arena.SCRATCH_F32);
    int sums = phases + phaseElements();
    int weights = sums + s.oc() * len();
    int table = plan.workspaceOffset(node);
    Access x = Access.of(plan, (Value) node.arg("input"));
    float zeroPoint = IntegerArithmetic.intLiteral(node, "input_zero_point");

    Local n = intVar("n");
    Local ci = intVar("ci");
    List<Stmt> perBatch = new ArrayList<>();
    perBatch.add(new Stmt.Invoke("Int8VectorKernels", "phases", List.of(x.array(), floats),
        List.of(x.index(mul(v(n), i(s.c() * s.h() * s.w()))), i(phases), i(s.c()), i(s.h()), i(s.w()),
            i(s.pad()[0]), i(s.pad()[1]), i(PaddedInput.height(s)), i(PaddedInput.width(s)), i(planeStride()),
            f(zeroPoint))));
    // Tap (ci, ky, kx): plane (ci, ky mod 2, kx mod 2), then ky/2 rows and kx/2 columns in.
    for (int ky = 0; ky < s.kh(); ky++) {
      for (int kx = 0; kx < s.kw(); kx++) {
        int within = ((ky % 2) * 2 + kx % 2) * planeStride() + (ky / 2) * halfWidth() + kx / 2;
        perBatch.add(forLoop(ci, s.c(), store(ints, add(i(table + ky * s.kw() + kx), mul(v(ci), i(s.kh() * s.kw()))),
            add(mul(v(ci), i(4 * planeStride())), i(within)))));
      }
    }
    perBatch.add(VectorKernelCalls.convTaps(Arena.SCRATCH_F32, weights, phases, sums, table, s.oc(), s.taps(), len()));
    perBatch.add(VectorKernelCalls.requantize(wq, output, out, starts, Arena.SCRATCH_F32, sums, len(), halfWidth(),
        mul(v(n), i(s.oc() * s.oh() * s.ow())), s.oc(), s.oh(), s.ow()));
    return block(VectorKernelCalls.widenConvTapsWeights(Arena.SCRATCH_F32, wq.weightAccess(), weights, s.oc(), s.taps(),
        storedInBlocks),
        forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new)));
  }
}
