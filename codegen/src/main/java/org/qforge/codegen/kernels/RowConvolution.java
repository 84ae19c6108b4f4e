package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.doubleVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.load;
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
 * {@code O} accumulator rows instead of a block's).
 */
final class RowConvolution {
  private final int batch;
  private final int c;
  private final int h;
  private final int w;
  private final int oc;
  private final int kh;
  private final int kw;
  private final int oh;
  private final int ow;
  private final int[] pad;
  private final int[] dil;

  private RowConvolution(int batch, int c, int h, int w, int oc, int kh, int kw, int oh, int ow,
      int[] pad, int[] dil) {
    this.batch = batch;
    this.c = c;
    this.h = h;
    this.w = w;
    this.oc = oc;
    this.kh = kh;
    this.kw = kw;
    this.oh = oh;
    this.ow = ow;
    this.pad = pad;
    this.dil = dil;
  }

  /** The row form of {@code node}, or null if it does not apply (stride ≠ 1, groups, long accumulators). */
  static RowConvolution of(Node node) {
    boolean oneD = node.op().name().endsWith("conv1d");
    int spatial = oneD ? 1 : 2;
    int[] stride = IntegerConvKernel.spatialPair(node, "stride", oneD, 1);
    if (stride[0] != 1 || stride[1] != 1 || IntegerArithmetic.intLiteral(node, "groups") != 1) {
      return null;
    }
    int[] xd = ((Value) node.arg("input")).type().dims();
    int[] wd = ((Value) node.arg("weight")).type().dims();
    int[] od = node.result().type().dims();
    boolean batched = xd.length == spatial + 2;
    int c = xd[batched ? 1 : 0];
    int kh = oneD ? 1 : wd[2];
    int kw = wd[wd.length - 1];
    if (!WeightQuantization.intAccumulatorSuffices((long) c * kh * kw)) {
      return null;
    }
    return new RowConvolution(batched ? xd[0] : 1, c, oneD ? 1 : xd[xd.length - 2], xd[xd.length - 1],
        wd[0], kh, kw, oneD ? 1 : od[od.length - 2], od[od.length - 1],
        IntegerConvKernel.spatialPair(node, "padding", oneD, 0), IntegerConvKernel.spatialPair(node, "dilation", oneD, 1));
  }

  private int paddedHeight() {
    return h + 2 * pad[0];
  }

  private int paddedWidth() {
    return w + 2 * pad[1];
  }

  private int paddedElements() {
    return Math.addExact(Math.multiplyExact(Math.multiplyExact(c, paddedHeight()), paddedWidth()),
        (kw - 1) * dil[1]);
  }

  private int accumulators() {
    return Math.multiplyExact(oh, paddedWidth());
  }

  int workspaceInts(Node node) {
    int scalar = Math.addExact(paddedElements(), Math.multiplyExact(OutputChannelBlock.sizeFor(oc), accumulators()));
    return WeightQuantization.vectorTypes(node, (long) c * kh * kw) ? Math.max(scalar, vectorWorkspaceInts()) : scalar;
  }

  /**
   * The Vector API kernel's: the padded input and as many elements more as its rows are padded
   * ({@link VectorKernelCalls#paddedRow}), all channels' rows of accumulators at once, a table of the
   * taps' offsets.
   */
  private int vectorWorkspaceInts() {
    int row = VectorKernelCalls.paddedRow(accumulators());
    return Math.addExact(Math.addExact(paddedElements() + row - accumulators(), Math.multiplyExact(oc, row)),
        c * kh * kw);
  }

  Stmt body(Node node, ExecutionPlan plan) {
    WeightQuantization wq = new WeightQuantization(node, plan);
    Value xv = (Value) node.arg("input");
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    ArrayParam ints = Arena.SCRATCH_I32.param();
    int padded = plan.workspaceOffset(node);
    int accRow = padded + paddedElements();
    int ph = paddedHeight();
    int pw = paddedWidth();
    int rowLength = accumulators();

    Local n = intVar("n");
    Local j = intVar("j");
    Local ci = intVar("ci");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    Local o = intVar("o");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local p = intVar("p");
    Local base = intVar("base");

    List<Stmt> perBatch = new ArrayList<>();
    if (pad[0] > 0 || pad[1] > 0) {
      perBatch.add(forLoop(j, c * ph * pw, store(ints, add(i(padded), v(j)), i(0))));
    }
    Expr xIndex = add(mul(add(mul(add(mul(v(n), i(c)), v(ci)), i(h)), v(iy)), i(w)), v(ix));
    Expr paddedIndex = add(i(padded + pad[0] * pw + pad[1]), add(mul(add(mul(v(ci), i(ph)), v(iy)), i(pw)), v(ix)));
    perBatch.add(forLoop(ci, c, forLoop(iy, h, forLoop(ix, w,
        store(ints, paddedIndex, wq.centredInput(IntegerArithmetic.element(plan, xv, xIndex)))))));

    // Channels o + b (b < block) accumulate in rows accRow + b * rowLength, sharing each padded load.
    OutputChannelBlock channels = new OutputChannelBlock(oc, wq);
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
      Expr weightIndex = add(mul(add(mul(add(mul(add(v(o), i(b)), i(c)), v(ci)), i(kh)), v(ky)), i(kw)), v(kx));
      perTap.add(assign(wv[b], wq.centredWeight(wq.weightElement(weightIndex), wz[b])));
    }
    perTap.add(assign(base, add(i(padded), add(mul(add(mul(v(ci), i(ph)), mul(v(ky), i(dil[0]))), i(pw)),
        mul(v(kx), i(dil[1]))))));
    perTap.add(forLoop(p, rowLength, tapBody.toArray(Stmt[]::new)));
    Stmt taps = forLoop(ci, c, forLoop(ky, kh, forLoop(kx, kw, perTap.toArray(Stmt[]::new))));

    List<Stmt> perBlock = new ArrayList<>();
    perBlock.add(assign(o, mul(v(ob), i(block))));
    perBlock.addAll(channels.load(o, wq));
    perBlock.add(forLoop(p, block * rowLength, store(ints, add(i(accRow), v(p)), i(0))));
    perBlock.add(taps);
    List<Stmt> requantize = new ArrayList<>();
    for (int b = 0; b < block; b++) {
      Expr channel = add(v(o), i(b));
      Expr outIndex = add(mul(add(mul(add(mul(v(n), i(oc)), channel), i(oh)), v(oy)), i(ow)), v(ox));
      Expr acc = load(ints, add(i(accRow + b * rowLength), add(mul(v(oy), i(pw)), v(ox))));
      requantize.add(store(out.array(), out.index(outIndex), wq.quantize(output, wq.real(acc, v(m[b]), channel))));
    }
    perBlock.add(forLoop(oy, oh, forLoop(ox, ow, requantize.toArray(Stmt[]::new))));
    Stmt scalar = forLoop(ob, oc / block, perBlock.toArray(Stmt[]::new));
    perBatch.add(wq.vectorizable((long) c * kh * kw)
        ? new Stmt.VectorOrScalar(vectorSums(node, plan, wq, padded, n), scalar) : scalar);
    return forLoop(n, batch, perBatch.toArray(Stmt[]::new));
  }

  /**
   * All output channels' accumulator rows at once from the runtime's Vector API kernel, then
   * requantized: {@code Int8VectorKernels.convTaps} reads the padded input exactly as the scalar taps do.
   */
  private Stmt vectorSums(Node node, ExecutionPlan plan, WeightQuantization wq, int padded, Local n) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    int pw = paddedWidth();
    int rowLength = VectorKernelCalls.paddedRow(accumulators());
    int accRow = padded + paddedElements() + rowLength - accumulators();
    Local o = intVar("o");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local m = doubleVar("m");
    Local ci = intVar("ci");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    int taps = c * kh * kw;
    int table = accRow + oc * rowLength;
    Expr tap = add(mul(add(mul(v(ci), i(kh)), v(ky)), i(kw)), v(kx));
    Expr tapOffset = add(add(mul(v(ci), i(paddedHeight() * pw)), mul(v(ky), i(dil[0] * pw))), mul(v(kx), i(dil[1])));
    Expr outIndex = add(mul(add(mul(add(mul(v(n), i(oc)), v(o)), i(oh)), v(oy)), i(ow)), v(ox));
    Expr acc = load(ints, add(add(i(accRow), mul(v(o), i(rowLength))), add(mul(v(oy), i(pw)), v(ox))));
    Stmt requantize = VectorKernelCalls.requantize(wq, output, out, accRow, rowLength, pw, mul(v(n), i(oc * oh * ow)),
        oc, oh, ow);
    if (requantize == null) {
      requantize = forLoop(o, oc, assign(m, wq.multiplier(v(o))),
          forLoop(oy, oh, forLoop(ox, ow, store(out.array(), out.index(outIndex),
              wq.quantize(output, wq.real(acc, v(m), v(o)))))));
    }
    return block(
        forLoop(ci, c, forLoop(ky, kh, forLoop(kx, kw, store(ints, add(i(table), tap), tapOffset)))),
        VectorKernelCalls.convTaps(wq.weightAccess(), padded, accRow, table, oc, taps, rowLength),
        requantize);
  }
}
