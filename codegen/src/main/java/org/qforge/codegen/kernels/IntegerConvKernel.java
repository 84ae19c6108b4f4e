package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.ifThen;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.l;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.loop.Stmt.Cmp;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * {@code qforge.quantized_conv1d} and {@code quantized_conv2d} (conv1d as height 1; unbatched inputs
 * as batch 1) with stride, padding, dilation and groups, depthwise included. For output element
 * (n, o, oy, ox), with {@code group = o / (O / groups)}:
 *
 * <pre>
 *   acc  = Σ_{c, ky, kx} (x[n, group·C/G + c, iy, ix] - x_zp) · (w[o, c, ky, kx] - w_zp[o])
 *            iy = oy·sH − pH + ky·dH, ix = ox·sW − pW + kx·dW; taps in the padding add nothing   // exact
 *   m    = s_in · (double) weight_scales[o]                 // exact in double
 *   real = (double) acc · m,  then real + (double) bias[o]  // with a bias
 *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
 * </pre>
 *
 * — the double operations of the interpreter's {@code IntegerOps.convKernel}, in its order; only the
 * order of the exact integer sum differs. Output channels are computed in blocks of four (or two)
 * within a group, so that each input element is loaded and centred once per block; taps are
 * bounds-checked only where padding or the last window can reach outside the input.
 *
 * <p>Stride-1, ungrouped convolutions use the row form instead ({@link RowConvolution}), which
 * bench/README.md's {@code Int8ConvBenchmark} measured 4× faster. When the Vector API runs, strided
 * ones take the channel-lane sums where they apply ({@link ChannelLaneSums}), else the row form over
 * the input's phases ({@link PhaseRows}) for stride 2, else (ungrouped, symmetric int8 weights) the
 * column form ({@link ColumnConvolution}).
 */
final class IntegerConvKernel implements KernelGenerator {
  /** The row, phase or column form's int or float workspace; the direct loops need none. */
  @Override
  public int workspace(Node node, Arena arena) {
    boolean floats = arena == Arena.SCRATCH_F32;
    RowConvolution rows = RowConvolution.of(node);
    if (rows != null) {
      return floats ? rows.workspaceFloats(node) : rows.workspaceInts(node);
    }
    ColumnConvolution columns = ColumnConvolution.of(node);
    int columnForm = columns == null ? 0 : floats ? columns.workspaceFloats(node) : columns.workspaceInts(node);
    // The channel-lane sums where the weight is relaid out for them, else the phase form where it runs,
    // else the column form: the body decides with the plan (a weight two convs read keeps the graph's order).
    ChannelLaneSums lanes = ChannelLaneSums.of(node);
    int laneForm = lanes == null ? 0 : floats ? lanes.stridedWorkspaceFloats() : lanes.stridedWorkspaceInts();
    PhaseRows phases = PhaseRows.of(node);
    int phaseForm = phases == null ? 0 : floats ? phases.workspaceFloats() : phases.workspaceInts();
    return Math.max(laneForm, Math.max(columnForm, phaseForm));
  }

  /**
   * The {@link AccumulatorStarts} of a conv whose Vector API path reads its input uncentred (the row
   * form's, the phase form's, or the column form's {@link ColumnConvolution#readsPaddedInput}); null for
   * every other conv.
   */
  @Override
  public Tensor derivedConstant(Node node) {
    boolean rows = RowConvolution.of(node) != null && AccumulatorStarts.uncentred(node)
        && WeightQuantization.vectorTypes(node, ConvShape.of(node).taps());
    boolean columns = RowConvolution.of(node) == null && ColumnConvolution.of(node) != null
        && ColumnConvolution.readsPaddedInput(node);
    return rows || columns || PhaseRows.of(node) != null ? AccumulatorStarts.of(node) : null;
  }

  /**
   * The weight of a conv that takes an F(2,3) form ({@link WinogradForm}), stored by kernel row or
   * column, the channel-lane sums ({@link ChannelLaneSums}), stored tap-major, or another form summing
   * in floats ({@link ChannelBlocks}), stored in blocks of eight output channels.
   */
  @Override
  public Tensor relayout(Node node, Value constant, Tensor tensor) {
    ConvWeightOrder order = constant == node.arg("weight") ? weightOrder(node) : null;
    return order == null ? null : order.relayout(tensor);
  }

  /** The order {@link #relayout} stores {@code node}'s weight in where it is the weight's only reader; null for the graph's. */
  static ConvWeightOrder weightOrder(Node node) {
    WinogradForm winograd = WinogradForm.of(node);
    if (winograd != null) {
      return winograd;
    }
    ChannelLaneSums lanes = ChannelLaneSums.of(node);
    return lanes != null ? lanes : ChannelBlocks.of(node);
  }

  /** The order {@code node}'s weight is stored in: {@link #weightOrder} where the plan relaid it out, else null (the graph's). */
  static ConvWeightOrder storedOrder(Node node, ExecutionPlan plan) {
    return plan.relaidOut((Value) node.arg("weight")) ? weightOrder(node) : null;
  }

  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    RowConvolution rows = RowConvolution.of(node);
    if (rows != null) {
      return rows.body(node, plan);
    }
    // Relaid out for the channel-lane sums or the float kernel's channel blocks: the direct loops read
    // the weights in that order too.
    ConvWeightOrder order = storedOrder(node, plan);
    Stmt direct = directBody(node, plan, order);
    WeightQuantization weights = new WeightQuantization(node, plan);
    if (order instanceof ChannelLaneSums lanes) {
      Stmt vector = lanes.stridedBody(node, plan, weights);
      return vector == null ? direct : new Stmt.VectorOrScalar(vector, direct);
    }
    boolean blocked = order instanceof ChannelBlocks;
    PhaseRows phases = PhaseRows.of(node);
    Stmt phaseBody = phases != null && weights.vectorizable(ConvShape.of(node).taps())
        ? phases.body(node, plan, weights, blocked) : null;
    if (phaseBody != null) {
      return new Stmt.VectorOrScalar(phaseBody, direct);
    }
    ColumnConvolution columns = ColumnConvolution.of(node);
    return columns != null && columns.applies(weights)
        ? new Stmt.VectorOrScalar(columns.body(node, plan, weights, blocked), direct) : direct;
  }

  /** The direct loops: every output element's taps read in place. */
  private Stmt directBody(Node node, ExecutionPlan plan, ConvWeightOrder order) {
    WeightQuantization wq = new WeightQuantization(node, plan);
    Value xv = (Value) node.arg("input");
    ConvShape shape = ConvShape.of(node);
    int batch = shape.batch();
    int c = shape.c();
    int h = shape.h();
    int wdt = shape.w();
    int oc = shape.oc();
    int cpg = shape.cpg();
    int kh = shape.kh();
    int kw = shape.kw();
    int oh = shape.oh();
    int ow = shape.ow();
    int[] stride = shape.stride();
    int[] pad = shape.pad();
    int[] dil = shape.dil();
    int groups = shape.groups();
    int ocpg = oc / groups;

    // Output channels in blocks (within one group): each input element loaded once per block.
    OutputChannelBlock channels = new OutputChannelBlock(ocpg, wq);
    int block = channels.size;
    Local[] m = channels.multipliers;
    Local[] wz = channels.weightZeroPoints;
    int wPerChannel = cpg * kh * kw;

    Access out = Access.of(plan, node.result());
    Local n = intVar("n");
    Local ob = intVar("ob");
    Local o = intVar("o");
    Local xBase = intVar("xBase");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local ci = intVar("ci");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    Local xPlane = intVar("xPlane");
    Local xRow = intVar("xRow");
    Local wRow = intVar("wRow");
    Local xc = intVar("x");
    Local[] acc = new Local[block];
    for (int b = 0; b < block; b++) {
      acc[b] = WeightQuantization.accumulator("acc" + b, (long) wPerChannel);
    }
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);

    // xBase = (n * C + group * cpg) * H * W for the block's group; xPlane = xBase + ci * H * W;
    // xRow = xPlane + iy * W;  wRow = ((o * cpg + ci) * kH + ky) * kW, channel o + b at wRow + b * cpg * kH * kW.
    Expr group = groups == 1 ? i(0) : ocpg == 1 ? v(o) : div(v(o), i(ocpg));
    List<Stmt> taps = new ArrayList<>();
    taps.add(assign(xc, wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(ix))))));
    for (int b = 0; b < block; b++) {
      Expr index = order != null ? order.storedIndex(add(v(o), i(b)), v(ci), v(ky), v(kx))
          : add(add(v(wRow), i(b * wPerChannel)), v(kx));
      Expr w = wq.centredWeight(wq.weightElement(index), wz[b]);
      taps.add(assign(acc[b], WeightQuantization.accumulate(acc[b], v(xc), w)));
    }
    Stmt overKx = forLoop(kx, kw,
        assign(ix, add(sub(mul(v(ox), i(stride[1])), i(pad[1])), mul(v(kx), i(dil[1])))),
        inRange(ix, wdt, pad[1] > 0 || needsUpperCheck(ow, stride[1], kw, dil[1], pad[1], wdt),
            block(taps.toArray(Stmt[]::new))));
    Stmt overKy = forLoop(ky, kh,
        assign(iy, add(sub(mul(v(oy), i(stride[0])), i(pad[0])), mul(v(ky), i(dil[0])))),
        inRange(iy, h, pad[0] > 0 || needsUpperCheck(oh, stride[0], kh, dil[0], pad[0], h),
            block(assign(xRow, add(v(xPlane), mul(v(iy), i(wdt)))),
                assign(wRow, mul(add(mul(add(mul(v(o), i(cpg)), v(ci)), i(kh)), v(ky)), i(kw))),
                overKx)));
    List<Stmt> pixel = new ArrayList<>();
    for (int b = 0; b < block; b++) {
      pixel.add(assign(acc[b], acc[b].kind() == Kind.LONG ? l(0) : i(0)));
    }
    pixel.add(forLoop(ci, cpg, assign(xPlane, add(v(xBase), mul(v(ci), i(h * wdt)))), overKy));
    for (int b = 0; b < block; b++) {
      Expr channel = add(v(o), i(b));
      Expr outIndex = add(mul(add(mul(add(mul(v(n), i(oc)), channel), i(oh)), v(oy)), i(ow)), v(ox));
      pixel.add(store(out.array(), out.index(outIndex), wq.quantize(output, wq.real(v(acc[b]), v(m[b]), channel))));
    }
    List<Stmt> perBlock = new ArrayList<>();
    perBlock.add(assign(o, mul(v(ob), i(block))));
    perBlock.addAll(channels.load(o, wq));
    perBlock.add(assign(xBase, mul(add(mul(v(n), i(c)), mul(group, i(cpg))), i(h * wdt))));
    perBlock.add(forLoop(oy, oh, forLoop(ox, ow, pixel.toArray(Stmt[]::new))));
    return forLoop(n, batch, forLoop(ob, oc / block, perBlock.toArray(Stmt[]::new)));
  }

  /** {@code body} if {@code 0 <= var < size}; without the test when it cannot fail. */
  private static Stmt inRange(Local var, int size, boolean check, Stmt body) {
    return check ? ifThen(Cmp.GE, v(var), i(0), ifThen(Cmp.LT, v(var), i(size), body)) : body;
  }

  /** True if the last window reaches past the input's end (never, for unpadded "valid" convolutions). */
  private static boolean needsUpperCheck(int out, int stride, int k, int dil, int pad, int in) {
    return (long) (out - 1) * stride - pad + (long) (k - 1) * dil >= in;
  }

  /** stride, padding or dilation as (height, width): conv1d's one value is the width's. */
  static int[] spatialPair(Node node, String param, boolean oneD, int heightForOneD) {
    int[] v = ((Literal.IntList) node.arg(param)).toIntArray();
    if (oneD) {
      return new int[] {heightForOneD, v[0]};
    }
    return v.length == 1 ? new int[] {v[0], v[0]} : v;
  }
}
