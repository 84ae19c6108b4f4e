package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.doubleVar;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.load;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.toFloat;
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
 * The row form of a stride-1, ungrouped integer convolution (the shape of resnet-style 3×3 layers),
 * exact like every integer kernel, so bit-identical to the interpreter. Per batch element:
 *
 * <ol>
 *   <li>the input is widened to int, centred on its zero point and zero-padded into a [C, PH, PW]
 *       workspace ({@code PH = H + 2·pH}, {@code PW = W + 2·pW}) — a padded element is the zero
 *       point, which centres to 0, so taps in the padding add nothing without being tested;
 *   <li>for each output channel (four, or two, at a time, sharing each load of the padded input),
 *       an int accumulator row of {@code OH · PW} elements sums, for each
 *       weight tap (c, ky, kx), {@code w · padded[(c·PH + ky·dH)·PW + kx·dW + p]} over all p in one
 *       long loop, a shape C2 compiles without branches (and partly vectorizes); the {@code PW − OW}
 *       last columns of each row read past the window and are dropped;
 *   <li>each kept accumulator is requantized as {@link IntegerConvKernel}'s formula says.
 * </ol>
 *
 * <p>The workspace holds {@code C·PH·PW + (kW − 1)·dW} padded elements (the last row's dropped columns
 * read that far) and the accumulator rows, {@code OH · PW} per channel of a block. Measured in bench/README.md
 * ({@code Int8ConvBenchmark}: 1745 µs → 428 µs for resnet20's 16→16 layer on JDK 17).
 *
 * <p>With symmetric int8 weights, step 2 runs on the runtime's Vector API kernel when it can
 * ({@code Int8VectorKernels.convTaps}, all output channels' rows at once, so the workspace holds
 * {@code O} accumulator rows instead of a block's). For kernels three rows high the Vector API path
 * is Winograd's F(2,3) along the height or the width where that applies ({@link WinogradForm}); the scalar loops
 * then read the weights in its order.
 */
final class RowConvolution {
  private final ConvShape s;

  private RowConvolution(ConvShape s) {
    this.s = s;
  }

  /** The row form of {@code node}, or null if it does not apply (stride ≠ 1, groups, long accumulators). */
  static RowConvolution of(Node node) {
    ConvShape shape = ConvShape.of(node);
    if (shape.stride()[0] != 1 || shape.stride()[1] != 1 || shape.groups() != 1
        || !WeightQuantization.intAccumulatorSuffices(shape.taps())) {
      return null;
    }
    return new RowConvolution(shape);
  }

  private int paddedHeight() {
    return PaddedInput.height(s);
  }

  private int paddedWidth() {
    return PaddedInput.width(s);
  }

  private int paddedElements() {
    return Math.addExact(PaddedInput.elements(s), (s.kw() - 1) * s.dil()[1]);
  }

  private int accumulators() {
    return Math.multiplyExact(s.oh(), paddedWidth());
  }

  int workspaceInts(Node node) {
    int scalar = Math.addExact(paddedElements(), Math.multiplyExact(OutputChannelBlock.sizeFor(s.oc()), accumulators()));
    if (!WeightQuantization.vectorTypes(node, s.taps())) {
      return scalar;
    }
    WinogradForm winograd = WinogradForm.of(node);
    if (winograd != null) {
      return Math.max(scalar, winograd.workspaceInts());
    }
    // The vector path's table of taps, after its operands where it sums ints.
    int vector = ExactFloatSums.hold(node, s.taps()) ? s.taps() : Math.addExact(vectorSumsElements(), s.taps());
    return Math.max(scalar, vector);
  }

  int workspaceFloats(Node node) {
    WinogradForm winograd = WinogradForm.of(node);
    if (winograd != null) {
      return winograd.workspaceFloats();
    }
    return WeightQuantization.vectorTypes(node, s.taps()) && ExactFloatSums.hold(node, s.taps()) ? vectorSumsElements() : 0;
  }

  /**
   * The Vector API kernel's operands, in the arena it sums in: the padded input and as many elements
   * more as its rows are padded ({@link VectorKernelCalls#paddedRow}), all channels' rows of
   * accumulators at once, the weights widened.
   */
  private int vectorSumsElements() {
    int row = VectorKernelCalls.paddedRow(accumulators());
    return Math.addExact(Math.addExact(paddedElements() + row - accumulators(), accumulatorRegion(row)),
        Math.multiplyExact(s.oc(), s.taps()));
  }

  /** The accumulator rows, or twice the outputs where the channel-lane kernel runs ({@link ChannelLaneSums}). */
  private int accumulatorRegion(int row) {
    return Math.max(Math.multiplyExact(s.oc(), row), Math.multiplyExact(2 * s.oc(), s.oh() * s.ow()));
  }

  /**
   * Where the vector path keeps its operands: the padded input from {@code padded}, the accumulator
   * rows from {@code accRow} and the widened weights from {@code weights}, in the {@code sums} arena;
   * the table of tap offsets in the int arena, from {@code table}.
   */
  private record VectorLayout(Arena sums, int padded, int accRow, int weights, int table) {}

  private VectorLayout vectorLayout(Node node, ExecutionPlan plan) {
    Arena sums = ExactFloatSums.sumsArena(node, s.taps());
    int ints = plan.workspaceOffset(node);
    int padded = sums == Arena.SCRATCH_I32 ? ints : plan.workspaceOffset(node, sums);
    int row = VectorKernelCalls.paddedRow(accumulators());
    int accRow = padded + paddedElements() + row - accumulators();
    int weights = accRow + accumulatorRegion(row);
    return sums == Arena.SCRATCH_I32
        ? new VectorLayout(sums, padded, accRow, weights, weights + s.oc() * s.taps())
        : new VectorLayout(sums, padded, accRow, weights, ints);
  }

  Stmt body(Node node, ExecutionPlan plan) {
    WeightQuantization wq = new WeightQuantization(node, plan);
    Value xv = (Value) node.arg("input");
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    // Stored for the F(2,3) form, whose transform reads whole blocks of kernel rows or columns, the
    // channel lanes or the float kernel's channel blocks; null where the graph's order is kept.
    ConvWeightOrder order = IntegerConvKernel.storedOrder(node, plan);
    WinogradForm winograd = order instanceof WinogradForm form ? form : null;
    ChannelLaneSums lanes = order instanceof ChannelLaneSums form ? form : null;
    ArrayParam ints = Arena.SCRATCH_I32.param();
    int padded = plan.workspaceOffset(node);
    int accRow = padded + paddedElements();
    int ph = paddedHeight();
    int pw = paddedWidth();
    int rowLength = accumulators();

    Local n = intVar("n");
    Local ci = intVar("ci");
    Local o = intVar("o");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local p = intVar("p");
    Local base = intVar("base");

    List<Stmt> centredInput = centredInput(wq, plan, xv, Arena.SCRATCH_I32, padded, n);
    List<Stmt> perBatch = new ArrayList<>();

    // Channels o + b (b < block) accumulate in rows accRow + b * rowLength, sharing each padded load.
    OutputChannelBlock channels = new OutputChannelBlock(s.oc(), wq);
    int block = channels.size;
    Local[] m = channels.multipliers;
    Local[] wz = channels.weightZeroPoints;
    Local ob = intVar("ob");
    Local xp = intVar("xp");
    Local[] wv = new Local[block];
    for (int b = 0; b < block; b++) {
      wv[b] = intVar("w" + b);
    }
    List<Stmt> tapBody = new ArrayList<>();
    tapBody.add(assign(xp, load(ints, add(v(base), v(p)))));
    for (int b = 0; b < block; b++) {
      Expr at = add(i(accRow + b * rowLength), v(p));
      tapBody.add(store(ints, at, add(load(ints, at), mul(v(wv[b]), v(xp)))));
    }
    List<Stmt> perTap = new ArrayList<>();
    for (int b = 0; b < block; b++) {
      Expr weightIndex = order != null ? order.storedIndex(add(v(o), i(b)), v(ci), v(ky), v(kx))
          : add(mul(add(mul(add(mul(add(v(o), i(b)), i(s.c())), v(ci)), i(s.kh())), v(ky)), i(s.kw())), v(kx));
      perTap.add(assign(wv[b], wq.centredWeight(wq.weightElement(weightIndex), wz[b])));
    }
    perTap.add(assign(base, add(i(padded), add(mul(add(mul(v(ci), i(ph)), mul(v(ky), i(s.dil()[0]))), i(pw)),
        mul(v(kx), i(s.dil()[1]))))));
    perTap.add(forLoop(p, rowLength, tapBody.toArray(Stmt[]::new)));
    Stmt taps = forLoop(ci, s.c(), forLoop(ky, s.kh(), forLoop(kx, s.kw(), perTap.toArray(Stmt[]::new))));

    List<Stmt> perBlock = new ArrayList<>();
    perBlock.add(assign(o, mul(v(ob), i(block))));
    perBlock.addAll(channels.load(o, wq));
    perBlock.add(forLoop(p, block * rowLength, store(ints, add(i(accRow), v(p)), i(0))));
    perBlock.add(taps);
    List<Stmt> requantize = new ArrayList<>();
    for (int b = 0; b < block; b++) {
      Expr channel = add(v(o), i(b));
      Expr outIndex = add(mul(add(mul(add(mul(v(n), i(s.oc())), channel), i(s.oh())), v(oy)), i(s.ow())), v(ox));
      Expr acc = load(ints, add(i(accRow + b * rowLength), add(mul(v(oy), i(pw)), v(ox))));
      requantize.add(store(out.array(), out.index(outIndex), wq.quantize(output, wq.real(acc, v(m[b]), channel))));
    }
    perBlock.add(forLoop(oy, s.oh(), forLoop(ox, s.ow(), requantize.toArray(Stmt[]::new))));
    List<Stmt> scalar = new ArrayList<>(centredInput);
    scalar.add(forLoop(ob, s.oc() / block, perBlock.toArray(Stmt[]::new)));
    if (!wq.vectorizable(s.taps())) {
      perBatch.addAll(scalar);
      return forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new));
    }
    // Uncentred where the plan holds the starts and the requantize kernel adds them.
    Slot starts = VectorKernelCalls.requantizable(wq, output, out) ? plan.derivedConstant(node) : null;
    if (winograd != null) {
      if (starts == null) {
        // Without the corrections the input would be centred, past the transforms' bounds, and the
        // direct vector path reads the weights in the graph's order: the scalar loops only.
        perBatch.addAll(scalar);
        return forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new));
      }
      perBatch.add(new Stmt.VectorOrScalar(block(winograd.perBatch(node, plan, wq, starts, n).toArray(Stmt[]::new)),
          block(scalar.toArray(Stmt[]::new))));
      return block(new Stmt.VectorOrScalar(winograd.weights(node, plan, wq), block()),
          forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new)));
    }
    VectorLayout layout = vectorLayout(node, plan);
    List<Stmt> vector = starts != null
        ? new ArrayList<>(PaddedInput.uncentred(s, node, plan, xv, layout.sums(), layout.padded(), n))
        : centredInput(wq, plan, xv, layout.sums(), layout.padded(), n);
    vector.add(vectorSums(node, plan, wq, starts, layout, lanes, n));
    perBatch.add(new Stmt.VectorOrScalar(block(vector.toArray(Stmt[]::new)), block(scalar.toArray(Stmt[]::new))));
    // The widened weights are the same for every batch element: widened once, before the loop.
    Stmt widen = lanes != null
        ? VectorKernelCalls.widenWeights(layout.sums(), wq.weightAccess(), layout.weights(), s.oc() * s.taps())
        : VectorKernelCalls.widenConvTapsWeights(layout.sums(), wq.weightAccess(), layout.weights(), s.oc(), s.taps(),
            order instanceof ChannelBlocks);
    return block(new Stmt.VectorOrScalar(widen, block()),
        forLoop(n, s.batch(), perBatch.toArray(Stmt[]::new)));
  }

  /** The padded input in {@code arena} from {@code padded}, centred: zeros, then each element minus the zero point. */
  private List<Stmt> centredInput(WeightQuantization wq, ExecutionPlan plan, Value xv, Arena arena, int padded,
      Local n) {
    int ph = paddedHeight();
    int pw = paddedWidth();
    Local j = intVar("j");
    Local ci = intVar("ci");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    boolean ints = arena == Arena.SCRATCH_I32;
    List<Stmt> stmts = new ArrayList<>();
    if (s.pad()[0] > 0 || s.pad()[1] > 0) {
      stmts.add(forLoop(j, s.c() * ph * pw, store(arena.param(), add(i(padded), v(j)), ints ? i(0) : f(0))));
    }
    Expr xIndex = add(mul(add(mul(add(mul(v(n), i(s.c())), v(ci)), i(s.h())), v(iy)), i(s.w())), v(ix));
    Expr paddedIndex = add(i(padded + s.pad()[0] * pw + s.pad()[1]), add(mul(add(mul(v(ci), i(ph)), v(iy)), i(pw)), v(ix)));
    Expr centred = wq.centredInput(IntegerArithmetic.element(plan, xv, xIndex));
    stmts.add(forLoop(ci, s.c(), forLoop(iy, s.h(), forLoop(ix, s.w(),
        store(arena.param(), paddedIndex, ints ? centred : toFloat(centred))))));
    return stmts;
  }

  /**
   * All output channels' accumulator rows at once from the runtime's Vector API kernel, then
   * requantized: {@code Int8VectorKernels.convTaps} reads the padded input exactly as the scalar taps do.
   */
  private Stmt vectorSums(Node node, ExecutionPlan plan, WeightQuantization wq, Slot starts, VectorLayout layout,
      ChannelLaneSums lanes, Local n) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    int pw = paddedWidth();
    int rowLength = VectorKernelCalls.paddedRow(accumulators());
    int accRow = layout.accRow();
    Local o = intVar("o");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local m = doubleVar("m");
    int taps = s.taps();
    int table = layout.table();
    Expr outIndex = add(mul(add(mul(add(mul(v(n), i(s.oc())), v(o)), i(s.oh())), v(oy)), i(s.ow())), v(ox));
    // The channel-lane kernel leaves each channel's sums without the row form's dropped columns.
    int channelStride = lanes != null ? s.oh() * s.ow() : rowLength;
    int rowStride = lanes != null ? s.ow() : pw;
    Expr acc = load(layout.sums().param(),
        add(add(i(accRow), mul(v(o), i(channelStride))), add(mul(v(oy), i(rowStride)), v(ox))));
    Stmt requantize = VectorKernelCalls.requantize(wq, output, out, starts, layout.sums(), accRow, channelStride,
        rowStride, mul(v(n), i(s.oc() * s.oh() * s.ow())), s.oc(), s.oh(), s.ow());
    if (requantize == null) {
      requantize = forLoop(o, s.oc(), assign(m, wq.multiplier(v(o))),
          forLoop(oy, s.oh(), forLoop(ox, s.ow(), store(out.array(), out.index(outIndex),
              wq.quantize(output, wq.real(acc, v(m), v(o)))))));
    }
    return block(
        PaddedInput.tapOffsets(s, table),
        lanes != null ? lanes.call(layout.weights(), layout.padded(), accRow, table)
            : VectorKernelCalls.convTaps(layout.sums(), layout.weights(), layout.padded(), accRow, table, s.oc(), taps,
                rowLength),
        requantize);
  }
}
