package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
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
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The Vector API path of a row-form convolution ({@link RowConvolution}) with a kernel three rows
 * high, computed with Winograd's F(2,3) along the height: each pair of output rows from four
 * transformed input rows and four transformed weight rows, 12 multiply-adds per pair of outputs and
 * kernel column where the row form does 18. Exact, so the same bits as the row form and the
 * interpreter. Per batch element:
 *
 * <ol>
 *   <li>Bᵀ on each group of four rows 2r … 2r + 3 of the input, uncentred and padded with its zero
 *       point as {@link PaddedInput} would, straight from the int8 input ({@code
 *       Int8VectorKernels.winogradInput}): four planes u_i of {@code OH/2} rows of the padded width;
 *   <li>for each i, the row form's sums over u_i with the weight rows V_i of 2G·g ({@code convTaps}
 *       with C·kW taps: the kernel's width stays a row of taps);
 *   <li>Aᵀ on the four sums, halved: the row form's integer sums, requantized with the zero-point
 *       corrections ({@link AccumulatorStarts}) as they are computed ({@code requantizeWinograd}).
 * </ol>
 *
 * <p>The weights' rows are transformed once a run, before the batch loop ({@code winogradWeights}),
 * from int8 weights stored row-major over the kernel's height ({@link #relayout}): every V_i is then a
 * sum of whole blocks, in the order {@code convTaps} reads. Kept packed as int8, they take the bytes they did.
 *
 * <p>Exactness, checked at compile time ({@link #of}): inputs are int8 values (|x| ≤ 128), so a
 * transformed input is at most 256 in magnitude; where Σ_{c, kx} |V_i[o, c, kx]| · 256 ≤ 2^24 for every
 * channel and i, each of the four float sums is an exact integer. Where also {@link ExactFloatSums}
 * holds for the direct sums, every step of Aᵀ is exact ({@code Int8VectorKernels.requantizeWinograd}).
 * resnet20's layers use at most 0.43 of the first bound and 0.60 of the second.
 *
 * <p>Workspace (floats): the four sums, the four transformed planes, the transformed weights. Ints:
 * the table of tap offsets.
 */
final class WinogradRows implements WinogradForm {
  private final ConvShape s;

  private WinogradRows(ConvShape s) {
    this.s = s;
  }

  /**
   * The F(2,3) form along the height of {@code node}, or null where it does not apply: where {@link
   * WinogradForm#applies}, three kernel rows undilated and an even number of output rows.
   */
  static WinogradRows of(Node node) {
    ConvShape s = ConvShape.of(node);
    if (s.kh() != 3 || s.dil()[0] != 1 || s.oh() % 2 != 0 || !WinogradForm.applies(node, s, false)) {
      return null;
    }
    return new WinogradRows(s);
  }

  /**
   * Row-major over the kernel's height, [kH][O][C·kW], each kernel row's block in the float kernel's
   * channel blocks ({@link ConvWeightOrder#channelBlocked}), for {@code winogradWeights}, whose
   * transform works element by element on whole blocks and so keeps that order.
   */
  @Override
  public int storedIndex(int o, int c, int ky, int kx) {
    return ky * s.oc() * planeTaps() + ConvWeightOrder.channelBlocked(o, c * s.kw() + kx, s.oc(), planeTaps());
  }

  @Override
  public Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx) {
    return add(mul(ky, i(s.oc() * planeTaps())),
        ConvWeightOrder.channelBlocked(o, add(mul(c, i(s.kw())), kx), s.oc(), planeTaps()));
  }

  private int pairs() {
    return s.oh() / 2;
  }

  /** Positions of one transformed plane: OH/2 rows of the padded width. */
  private int plane() {
    return Math.multiplyExact(pairs(), PaddedInput.width(s));
  }

  /** Positions {@code convTaps} sums per channel: a plane, padded to whole vectors. */
  @Override
  public int len() {
    return VectorKernelCalls.paddedRow(plane());
  }

  @Override
  public ConvShape shape() {
    return s;
  }

  @Override
  public int inputBlock() {
    return Math.addExact(Math.addExact(Math.multiplyExact(s.c(), plane()), len()),
        (s.kw() - 1) * s.dil()[1] + VectorKernelCalls.VECTOR_OVERRUN);
  }

  /** A row of the kernel's taps: C·kW. */
  @Override
  public int planeTaps() {
    return s.c() * s.kw();
  }

  @Override
  public List<Stmt> perBatch(Node node, ExecutionPlan plan, WeightQuantization wq, Slot starts, Local n) {
    ArrayParam floats = Arena.SCRATCH_F32.param();
    ArrayParam ints = Arena.SCRATCH_I32.param();
    Regions at = regions(node, plan);
    int transformed = at.planes();
    int table = at.table();
    int pw = PaddedInput.width(s);
    Access x = Access.of(plan, (Value) node.arg("input"));
    float zeroPoint = IntegerArithmetic.intLiteral(node, "input_zero_point");
    List<Stmt> stmts = new ArrayList<>();
    stmts.add(new Stmt.Invoke("Int8VectorKernels", "winogradInput", List.of(x.array(), floats),
        List.of(x.index(mul(v(n), i(s.c() * s.h() * s.w()))), i(transformed), i(s.c()), i(s.h()), i(s.w()),
            i(s.pad()[0]), i(s.pad()[1]), i(pw), i(pairs()), i(plane()), i(inputBlock()), f(zeroPoint))));
    Local ci = intVar("ci");
    Local kx = intVar("kx");
    stmts.add(forLoop(ci, s.c(), forLoop(kx, s.kw(),
        store(ints, add(i(table), add(mul(v(ci), i(s.kw())), v(kx))),
            add(mul(v(ci), i(plane())), mul(v(kx), i(s.dil()[1])))))));
    stmts.addAll(planeSums(at));
    stmts.add(VectorKernelCalls.requantizeWinograd(wq, IntegerArithmetic.Output.of(node), Access.of(plan, node.result()),
        starts, at.sums(), sumsBlock(), len(), pw, mul(v(n), i(s.oc() * s.oh() * s.ow())), s.oc(), pairs(), s.ow()));
    return stmts;
  }
}
