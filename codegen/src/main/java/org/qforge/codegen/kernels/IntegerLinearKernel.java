package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.doubleVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.l;
import static org.qforge.codegen.loop.Kb.load;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.rem;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.runtime.Int8VectorKernels;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * {@code qforge.quantized_linear}: input [..., K], weight [O, K], output [..., O]. For row r and
 * output o:
 *
 * <pre>
 *   acc  = Σ_k (x[r, k] - x_zp) · (w[o, k] - w_zp[o])        // exact
 *   m    = s_in · (double) weight_scales[o]                 // exact in double
 *   real = (double) acc · m,  then real + (double) bias[o]  // with a bias
 *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
 * </pre>
 *
 * — the double operations of the interpreter's {@code quantized_linear} kernel, in its order.
 *
 * <p>With symmetric int8 weights, a row's sums come from the runtime's Vector API kernel when it can
 * run ({@code Int8VectorKernels.dotRows}, over the row centred into a K-int workspace, sums into an
 * O-int one; then {@code requantizeChannelsInFloats}, the sums as floats in an O-float one), from the
 * scalar loop otherwise: {@code Int8DotBenchmark} in bench/README.md measured
 * the scalar byte·byte reduction at 2.5 GMAC/s, which C2 does not vectorize. Only in a program whose
 * linear layers do a material share of the multiply-adds ({@link LinearShare}): in one that is all
 * convolutions but a small last layer, the kernels would stay uncompiled, and slow, for seconds.
 *
 * <p>A constant weight those kernels read, with at least 8 rows of a multiple of 16 inputs, is stored
 * in blocks of eight interleaved rows ({@link #packedIndex}), so that an eight-row pass of {@code
 * Int8VectorKernels.dotRowsPacked} streams one run of bytes: with the weights in L3, as mlp_784_1024's
 * 1.8 MiB are, the 1024 × 1024 layer ran 19.4 → 16.0 µs ({@code Int8DotBenchmark}, bench/README.md). Since
 * step 44 a smaller one ({@link #COLUMNS_UP_TO}) whose panels of 128 rows all have at least 16 is stored
 * input-major in those panels instead ({@link #columnIndex}), for {@code Int8VectorKernels.dotColumns},
 * which keeps the outputs in the lanes ({@link WeightOrder}). The scalar loops read whichever order is
 * stored.
 */
final class IntegerLinearKernel implements KernelGenerator {
  /** Rows interleaved in a block, and inputs of a row kept together in it. */
  static final int PACK_ROWS = 8;
  static final int PACK_DEPTH = 16;
  /**
   * The rows of a panel of an input-major weight, the runtime kernel's constant (javac inlines it, so
   * the compiler does not load the Vector API class).
   */
  static final int COLUMN_PANEL = Int8VectorKernels.COLUMN_PANEL;
  /** The fewest rows of an input-major panel: one vector of outputs on 512-bit machines. */
  static final int COLUMNS_FROM_ROWS = 16;
  /**
   * The largest weight, in elements, stored input-major. {@code LinearOrderBenchmark} (JMH, one fork,
   * bench/README.md, step 44), the column panels against the packed rows: 0.13 against 0.34 µs at 128
   * × 64, 1.05 / 1.43 at 256 × 256, 2.36 / 2.55 at 256 × 512, 4.33 / 4.97 at 512 × 512, then 19.5 / 14.8 at
   * mlp_784_1024's 1,024 × 784 and 29.7 / 19.1 at 1,024 × 1,024 (in that model, `Steps`: 16.7 against
   * 15.1–15.6 and 21.2–21.6 against 19.6–20.2).
   */
  static final int COLUMNS_UP_TO = 512 * 512;

  /** How a constant weight read only by this kernel is stored. */
  enum WeightOrder {
    /** The graph's order, [O, K]. */
    ROW_MAJOR,
    /** Blocks of eight interleaved rows ({@link #packedIndex}), for {@code dotRowsPacked}. */
    PACKED_ROWS,
    /** Input-major in panels of 128 rows ({@link #columnIndex}), for {@code dotColumns}. */
    COLUMNS;

    /** The stored position of element (o, k) of an [outs, depth] weight. */
    int index(int o, int k, int outs, int depth) {
      return switch (this) {
        case ROW_MAJOR -> o * depth + k;
        case PACKED_ROWS -> packedIndex(o, k, outs, depth);
        case COLUMNS -> columnIndex(o, k, outs, depth);
      };
    }
  }

  /**
   * Where weight element (o, k) of an [outs, depth] weight is stored input-major: in the panel of
   * {@link #COLUMN_PANEL} rows that holds row o (or of the rows after the last whole panel), which
   * starts at {@code start·depth} and is {@code width} rows wide, at {@code start·depth + k·width + o −
   * start}.
   */
  static int columnIndex(int o, int k, int outs, int depth) {
    int start = o - o % COLUMN_PANEL;
    int width = Math.min(COLUMN_PANEL, outs - start);
    return start * depth + k * width + o - start;
  }

  @Override
  public int workspace(Node node, Arena arena) {
    int[] wd = ((Value) node.arg("weight")).type().dims();
    if (!WeightQuantization.vectorTypes(node, wd[1]) || !LinearShare.vectorKernelsWorthwhile(node.graph())) {
      return 0;
    }
    // The Vector API path: the centred row and the sums as ints, the sums again as floats.
    return switch (arena) {
      case SCRATCH_I32 -> Math.addExact(wd[0], wd[1]);
      case SCRATCH_F32 -> wd[0];
      default -> 0;
    };
  }

  @Override
  public Tensor relayout(Node node, Value constant, Tensor tensor) {
    WeightOrder order = preferredOrder(node);
    if (constant != node.arg("weight") || order == WeightOrder.ROW_MAJOR) {
      return null;
    }
    int[] wd = constant.type().dims();
    byte[] rowMajor = tensor.bytes();
    byte[] stored = new byte[rowMajor.length];
    for (int o = 0; o < wd[0]; o++) {
      for (int k = 0; k < wd[1]; k++) {
        stored[order.index(o, k, wd[0], wd[1])] = rowMajor[o * wd[1] + k];
      }
    }
    return Tensor.ofBytes(tensor.dtype(), stored, wd);
  }

  /**
   * The order the layer's weight is best stored in if only this kernel reads it: input-major panels
   * for a weight of at most {@link #COLUMNS_UP_TO} elements whose every panel has at least 16 rows,
   * packed rows otherwise, both only where the Vector API kernel can read the weight (int8 weights
   * with constant zero points that are all 0, an int8 or uint8 input, int sums).
   */
  static WeightOrder preferredOrder(Node node) {
    int[] wd = ((Value) node.arg("weight")).type().dims();
    if (!WeightQuantization.vectorTypes(node, wd[1]) || !WeightQuantization.zeroPointsStaticallyZero(node)) {
      return WeightOrder.ROW_MAJOR;
    }
    int lastPanel = wd[0] % COLUMN_PANEL;
    if (wd[0] >= COLUMNS_FROM_ROWS && (lastPanel == 0 || lastPanel >= COLUMNS_FROM_ROWS)
        && (long) wd[0] * wd[1] <= COLUMNS_UP_TO) {
      return WeightOrder.COLUMNS;
    }
    return wd[0] >= PACK_ROWS && wd[1] % PACK_DEPTH == 0 ? WeightOrder.PACKED_ROWS : WeightOrder.ROW_MAJOR;
  }

  /**
   * Where weight element (o, k) of an [outs, depth] weight is stored when packed: rows below
   * {@code 8·⌊outs/8⌋} in blocks of eight, each block's rows interleaved in chunks of 16 inputs —
   * {@code (o/8)·8·depth + (k/16)·128 + (o%8)·16 + k%16} — the remaining rows row-major.
   */
  static int packedIndex(int o, int k, int outs, int depth) {
    if (o >= outs - outs % PACK_ROWS) {
      return o * depth + k;
    }
    return (o / PACK_ROWS) * PACK_ROWS * depth + (k / PACK_DEPTH) * PACK_ROWS * PACK_DEPTH
        + (o % PACK_ROWS) * PACK_DEPTH + k % PACK_DEPTH;
  }

  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    WeightQuantization wq = new WeightQuantization(node, plan);
    Value xv = (Value) node.arg("input");
    int k = wq.weight.type().dim(1);
    int outs = wq.weight.type().dim(0);
    int rows = outs == 0 ? 0 : node.result().type().numelInt() / outs;
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    Local r = intVar("r");
    Local o = intVar("o");
    Local kk = intVar("k");
    Local xRow = intVar("xRow");
    Local wRow = intVar("wRow");
    Local m = doubleVar("m");
    Local wz = wq.hasWeightZeroPoints() ? intVar("wz") : null;
    Local acc = WeightQuantization.accumulator("acc", k);
    Stmt inner = assign(acc, WeightQuantization.accumulate(acc,
        wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(kk)))),
        wq.centredWeight(wq.weightElement(add(v(wRow), v(kk))), wz)));
    WeightOrder order = plan.relaidOut(wq.weight) ? preferredOrder(node) : WeightOrder.ROW_MAJOR;
    Stmt scalar = switch (order) {
      case ROW_MAJOR -> forLoop(o, outs,
          perOutput(wq, output, out, m, wz, wRow, acc, o, r, outs, mul(v(o), i(k)), forLoop(kk, k, inner)));
      case PACKED_ROWS -> {
        int packedRows = outs - outs % PACK_ROWS;
        yield block(packedBlocks(plan, wq, output, out, xv, xRow, r, k, outs, packedRows, m),
            forLoop(o, i(packedRows), i(outs),
                perOutput(wq, output, out, m, wz, wRow, acc, o, r, outs, mul(v(o), i(k)), forLoop(kk, k, inner))));
      }
      case COLUMNS -> {
        // Blocks of eight rows never straddle two panels (128 is a multiple of 8); the rows after
        // the last block lie in the last panel, which starts at lastStart.
        int blockRows = outs - outs % PACK_ROWS;
        int whole = outs - outs % COLUMN_PANEL;
        int lastStart = (outs - 1) - (outs - 1) % COLUMN_PANEL;
        int lastWidth = outs - lastStart;
        int panelBlocks = COLUMN_PANEL / PACK_ROWS;
        Stmt column = assign(acc, WeightQuantization.accumulate(acc,
            wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(kk)))),
            wq.weightElement(add(v(wRow), add(mul(v(kk), i(lastWidth)), v(o))))));
        // Blocks in whole panels: panel b/16 at 128·k·(b/16), the block 8·(b%16) into each of its
        // rows; then the last panel's, at lastStart·k, the block 8b − lastStart into its rows.
        Stmt wholePanels = columnBlocks(plan, wq, output, out, xv, xRow, r, k, outs, 0, whole / PACK_ROWS, m,
            b -> add(mul(div(b, i(panelBlocks)), i(COLUMN_PANEL * k)), mul(rem(b, i(panelBlocks)), i(PACK_ROWS))),
            COLUMN_PANEL);
        Stmt lastPanel = columnBlocks(plan, wq, output, out, xv, xRow, r, k, outs, whole / PACK_ROWS,
            blockRows / PACK_ROWS, m, b -> add(i(lastStart * k - lastStart), mul(b, i(PACK_ROWS))), lastWidth);
        yield block(wholePanels, lastPanel,
            forLoop(o, i(blockRows), i(outs), perOutput(wq, output, out, m, wz, wRow, acc, o, r, outs,
                i(lastStart * k - lastStart), forLoop(kk, k, column))));
      }
    };
    Stmt perRow = wq.vectorizable(k) && LinearShare.vectorKernelsWorthwhile(node.graph())
        ? new Stmt.VectorOrScalar(vectorRow(node, plan, wq, xRow, k, outs, r, order), scalar)
        : scalar;
    return forLoop(r, rows, assign(xRow, mul(v(r), i(k))), perRow);
  }

  /**
   * The scalar loop over packed blocks: eight rows at a time, each input element loaded once for all
   * eight, chunk by chunk of 16 inputs (row j of a block at {@code 16·j} in each 128-byte chunk).
   */
  private static Stmt packedBlocks(ExecutionPlan plan, WeightQuantization wq, IntegerArithmetic.Output output,
      Access out, Value xv, Local xRow, Local r, int k, int outs, int packedRows, Local m) {
    Local block = intVar("b");
    Local base = intVar("base");
    Local c = intVar("c");
    Local kk = intVar("k");
    Local xk = intVar("xk");
    Local[] sums = new Local[PACK_ROWS];
    List<Stmt> perInput = new ArrayList<>();
    Expr chunk = add(v(base), mul(v(c), i(PACK_ROWS * PACK_DEPTH)));
    perInput.add(assign(xk, wq.centredInput(IntegerArithmetic.element(plan, xv,
        add(v(xRow), add(mul(v(c), i(PACK_DEPTH)), v(kk)))))));
    List<Stmt> perBlock = new ArrayList<>();
    perBlock.add(assign(base, mul(v(block), i(PACK_ROWS * k))));
    for (int j = 0; j < PACK_ROWS; j++) {
      sums[j] = WeightQuantization.accumulator("acc" + j, k);
      perBlock.add(assign(sums[j], sums[j].kind() == Kind.LONG ? l(0) : i(0)));
      perInput.add(assign(sums[j], WeightQuantization.accumulate(sums[j], v(xk),
          wq.weightElement(add(chunk, add(i(j * PACK_DEPTH), v(kk)))))));
    }
    perBlock.add(forLoop(c, k / PACK_DEPTH, forLoop(kk, PACK_DEPTH, perInput.toArray(Stmt[]::new))));
    perBlock.addAll(blockStores(wq, output, out, r, outs, block, sums, m));
    return forLoop(block, packedRows / PACK_ROWS, perBlock.toArray(Stmt[]::new));
  }

  /**
   * The scalar loop over an input-major weight: eight outputs at a time, each input element loaded
   * once for all eight, whose weights are eight adjacent bytes of their panel's row for that input:
   * blocks {@code fromBlock} to {@code toBlock} − 1 of a panel (or panels) {@code width} rows wide, where
   * {@code blockStart} gives the stored position of a block's first weight, for input 0.
   */
  private static Stmt columnBlocks(ExecutionPlan plan, WeightQuantization wq, IntegerArithmetic.Output output,
      Access out, Value xv, Local xRow, Local r, int k, int outs, int fromBlock, int toBlock, Local m,
      UnaryOperator<Expr> blockStart, int width) {
    Local block = intVar("b");
    Local start = intVar("start");
    Local kk = intVar("k");
    Local xk = intVar("xk");
    Local column = intVar("column");
    Local[] sums = new Local[PACK_ROWS];
    List<Stmt> perInput = new ArrayList<>();
    perInput.add(assign(xk, wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(kk))))));
    perInput.add(assign(column, add(v(start), mul(v(kk), i(width)))));
    List<Stmt> perBlock = new ArrayList<>();
    perBlock.add(assign(start, blockStart.apply(v(block))));
    for (int j = 0; j < PACK_ROWS; j++) {
      sums[j] = WeightQuantization.accumulator("acc" + j, k);
      perBlock.add(assign(sums[j], sums[j].kind() == Kind.LONG ? l(0) : i(0)));
      perInput.add(assign(sums[j], WeightQuantization.accumulate(sums[j], v(xk),
          wq.weightElement(add(v(column), i(j))))));
    }
    perBlock.add(forLoop(kk, k, perInput.toArray(Stmt[]::new)));
    perBlock.addAll(blockStores(wq, output, out, r, outs, block, sums, m));
    return forLoop(block, i(fromBlock), i(toBlock), perBlock.toArray(Stmt[]::new));
  }

  /** The requantized stores of a block's eight sums, rows {@code 8·block + j}. */
  private static List<Stmt> blockStores(WeightQuantization wq, IntegerArithmetic.Output output, Access out, Local r,
      int outs, Local block, Local[] sums, Local m) {
    List<Stmt> stores = new ArrayList<>();
    for (int j = 0; j < PACK_ROWS; j++) {
      Expr o = add(mul(v(block), i(PACK_ROWS)), i(j));
      stores.add(assign(m, wq.multiplier(o)));
      stores.add(store(out.array(), out.index(add(mul(v(r), i(outs)), o)),
          wq.quantize(output, wq.real(v(sums[j]), v(m), o))));
    }
    return stores;
  }

  /** One output: its multiplier (and weight zero point), the row's start, the sum, the requantized store. */
  private static Stmt[] perOutput(WeightQuantization wq, IntegerArithmetic.Output output, Access out, Local m,
      Local wz, Local wRow, Local acc, Local o, Local r, int outs, Expr rowStart, Stmt sum) {
    List<Stmt> perOutput = new ArrayList<>();
    perOutput.add(assign(m, wq.multiplier(v(o))));
    if (wz != null) {
      perOutput.add(assign(wz, wq.weightZeroPoint(v(o))));
    }
    perOutput.add(assign(wRow, rowStart));
    perOutput.add(assign(acc, acc.kind() == Kind.LONG ? l(0) : i(0)));
    perOutput.add(sum);
    perOutput.add(store(out.array(), out.index(add(mul(v(r), i(outs)), v(o))),
        wq.quantize(output, wq.real(v(acc), v(m), v(o)))));
    return perOutput.toArray(Stmt[]::new);
  }

  /** One row: centre it into the workspace, sum on the Vector API, requantize the sums. */
  private static Stmt vectorRow(Node node, ExecutionPlan plan, WeightQuantization wq, Local xRow, int k,
      int outs, Local r, WeightOrder order) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    int centred = plan.workspaceOffset(node);
    int sums = centred + k;
    Access weight = wq.weightAccess();
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    Local j = intVar("j");
    Local o = intVar("o");
    Value xv = (Value) node.arg("input");
    Stmt requantize = VectorKernelCalls.requantizeChannels(wq, output, out, sums,
        plan.workspaceOffset(node, Arena.SCRATCH_F32), mul(v(r), i(outs)), outs);
    if (requantize == null) {
      requantize = forLoop(o, outs, store(out.array(), out.index(add(mul(v(r), i(outs)), v(o))),
          wq.quantize(output, wq.real(load(ints, add(i(sums), v(o))), wq.multiplier(v(o)), v(o)))));
    }
    Stmt centre = VectorKernelCalls.centred(xv, Access.of(plan, xv), v(xRow), centred, k, wq.inputZeroPoint);
    if (centre == null) {
      centre = forLoop(j, k, store(ints, add(i(centred), v(j)),
          wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(j))))));
    }
    return block(centre, VectorKernelCalls.dotRows(weight, order, centred, sums, outs, k), requantize);
  }
}
