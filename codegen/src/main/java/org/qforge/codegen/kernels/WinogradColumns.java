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
 * The Vector API path of a row-form convolution ({@link RowConvolution}) with a kernel three columns
 * wide and one column of padding each side, computed with Winograd's F(2,3) along the width: each
 * pair of output columns from four transformed input columns and four transformed weight columns.
 * The transposed twin of {@link WinogradRows}, for the planes it leaves shorter: a position here is a
 * pair of output columns of one row, and the kernel's height stays a column of taps, one plane row
 * apart, so a plane has OH · OW/2 positions and no padding columns (the height form's rows carry
 * OW + 2 columns). Per batch element:
 *
 * <ol>
 *   <li>Bᵀ on each group of four padded columns 2j … 2j + 3 of every padded row, straight from the
 *       int8 input ({@code Int8VectorKernels.winogradColumnsInput}): four planes u_i of PH rows of OW/2;
 *   <li>for each i, the sums over u_i with the weight columns V_i of 2G·g ({@code convTaps} with C·kH
 *       taps);
 *   <li>Aᵀ on the four sums, halved, requantized with the zero-point corrections as they are computed,
 *       the two columns of a pair stored as adjacent bytes ({@code requantizeWinogradColumns}).
 * </ol>
 *
 * <p>Exactness as for {@link WinogradRows}, with the transform's taps along the width ({@link
 * WinogradForm#applies}). The weights are stored column-major over the kernel's width, [kW][O][C][kH]
 * ({@link #relayout}), each column's block in {@code convTaps}' channel blocks, still int8.
 *
 * <p>Workspace (floats): the four sums, the four transformed planes, the transformed weights. Ints:
 * the table of tap offsets.
 */
final class WinogradColumns implements WinogradForm {
  private final ConvShape s;

  private WinogradColumns(ConvShape s) {
    this.s = s;
  }

  /**
   * The F(2,3) form along the width of {@code node}, or null where it does not apply: where {@link
   * WinogradForm#applies}, three kernel columns undilated, one column of padding each side (so each
   * output row is as wide as the input's) and an even output width.
   */
  static WinogradColumns of(Node node) {
    ConvShape s = ConvShape.of(node);
    if (s.kw() != 3 || s.dil()[1] != 1 || s.pad()[1] != 1 || s.ow() % 2 != 0 || s.ow() != s.w()
        || !WinogradForm.applies(node, s, true)) {
      return null;
    }
    return new WinogradColumns(s);
  }

  /**
   * Column-major over the kernel's width, [kW][O][C·kH], each kernel column's block in the float
   * kernel's channel blocks ({@link ConvWeightOrder#channelBlocked}), for {@code winogradWeights}.
   */
  @Override
  public int storedIndex(int o, int c, int ky, int kx) {
    return kx * s.oc() * planeTaps() + ConvWeightOrder.channelBlocked(o, c * s.kh() + ky, s.oc(), planeTaps());
  }

  @Override
  public Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx) {
    return add(mul(kx, i(s.oc() * planeTaps())),
        ConvWeightOrder.channelBlocked(o, add(mul(c, i(s.kh())), ky), s.oc(), planeTaps()));
  }

  /** Pairs of output columns in a row. */
  private int half() {
    return s.ow() / 2;
  }

  /** Rows of a transformed plane: the padded input's. */
  private int planeRows() {
    return PaddedInput.height(s);
  }

  private int plane() {
    return Math.multiplyExact(planeRows(), half());
  }

  /** Positions of a plane that are outputs: OH rows of OW/2 pairs. */
  private int positions() {
    return Math.multiplyExact(s.oh(), half());
  }

  @Override
  public int len() {
    return VectorKernelCalls.paddedRow(positions());
  }

  @Override
  public ConvShape shape() {
    return s;
  }

  /** C planes, then {@code len} less the outputs that the last taps read past them, and the transform's overrun. */
  @Override
  public int inputBlock() {
    return Math.addExact(Math.addExact(Math.multiplyExact(s.c(), plane()), len()), 2 * VectorKernelCalls.VECTOR_OVERRUN);
  }

  /** A column of the kernel's taps: C·kH. */
  @Override
  public int planeTaps() {
    return s.c() * s.kh();
  }

  @Override
  public List<Stmt> perBatch(Node node, ExecutionPlan plan, WeightQuantization wq, Slot starts, Local n) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    Regions at = regions(node, plan);
    int transformed = at.planes();
    int table = at.table();
    Access x = Access.of(plan, (Value) node.arg("input"));
    float zeroPoint = IntegerArithmetic.intLiteral(node, "input_zero_point");
    List<Stmt> stmts = new ArrayList<>();
    stmts.add(new Stmt.Invoke("Int8VectorKernels", "winogradColumnsInput", List.of(x.array(), Arena.SCRATCH_F32.param()),
        List.of(x.index(mul(v(n), i(s.c() * s.h() * s.w()))), i(transformed), i(s.c()), i(s.h()), i(s.pad()[0]),
            i(half()), i(planeRows()), i(inputBlock()), f(zeroPoint))));
    Local ci = intVar("ci");
    Local ky = intVar("ky");
    stmts.add(forLoop(ci, s.c(), forLoop(ky, s.kh(),
        store(ints, add(i(table), add(mul(v(ci), i(s.kh())), v(ky))),
            add(mul(v(ci), i(plane())), mul(v(ky), i(s.dil()[0] * half())))))));
    stmts.addAll(planeSums(at));
    stmts.add(VectorKernelCalls.requantizeWinogradColumns(wq, IntegerArithmetic.Output.of(node),
        Access.of(plan, node.result()), starts, at.sums(), sumsBlock(), len(), mul(v(n), i(s.oc() * s.oh() * s.ow())),
        s.oc(), positions()));
    return stmts;
  }
}
