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
import org.qforge.ir.Tensor;
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
 * sum of whole blocks. Kept packed as int8, they take the bytes they did.
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
final class WinogradRows {
  private static final long FLOAT_INTEGERS = 1L << 24;
  /** The largest transformed input: a sum or difference of two int8 values. */
  private static final long MAX_TRANSFORMED_INPUT = 256;
  /**
   * The fewest input channels for which the transforms pay: they cost per input and output element,
   * the multiply-adds they save per input channel × output element. resnet20's 3→16 stem took 12.3 µs
   * this way against 10.6, its 16→16 layers 30.0 against 32.4 (bench/README.md, step 27).
   */
  private static final int MIN_CHANNELS = 8;
  /**
   * The fewest output positions a channel for which the transforms pay: the weights' transform is paid
   * once a layer and run, whatever the plane's size. digits_rescnn's 32→32 layer on 4 × 4 took 6.8–7.1 µs
   * this way against 5.5–5.6, its 16→32 layer on 8 × 8 4.9–5.0 against 5.7–5.8, resnet20's 64→64 layers
   * on 8 × 8 31.4 against 37.2 (bench/README.md, step 27).
   */
  private static final int MIN_OUTPUTS = 64;

  private final ConvShape s;

  private WinogradRows(ConvShape s) {
    this.s = s;
  }

  /**
   * The F(2,3) form of {@code node}, or null where it does not apply: a stride-1 ungrouped row-form
   * conv of at least {@link #MIN_CHANNELS} input channels and {@link #MIN_OUTPUTS} outputs a channel, three
   * kernel rows undilated, an even number of output rows, and the Vector API sums in
   * floats over the uncentred input, exact by the bounds above.
   */
  static WinogradRows of(Node node) {
    ConvShape s = ConvShape.of(node);
    if (RowConvolution.of(node) == null || s.c() < MIN_CHANNELS || s.oh() * s.ow() < MIN_OUTPUTS || s.kh() != 3
        || s.dil()[0] != 1 || s.oh() % 2 != 0 || !ExactFloatSums.holdOverUncentredInput(node, s.taps())
        || !transformedSumsExact(node, s)) {
      return null;
    }
    return new WinogradRows(s);
  }

  /** True if every channel's four transformed sums stay below 2^24 (see above). */
  private static boolean transformedSumsExact(Node node, ConvShape s) {
    Value w = (Value) node.arg("weight");
    byte[] bytes = node.graph().constant(w.name()).tensor().bytes();
    for (int o = 0; o < s.oc(); o++) {
      long[] sums = new long[4];
      for (int c = 0; c < s.c(); c++) {
        for (int kx = 0; kx < s.kw(); kx++) {
          int at = (o * s.c() + c) * 3 * s.kw() + kx;
          long g0 = bytes[at];
          long g1 = bytes[at + s.kw()];
          long g2 = bytes[at + 2 * s.kw()];
          sums[0] += Math.abs(2 * g0);
          sums[1] += Math.abs(g0 + g1 + g2);
          sums[2] += Math.abs(g0 - g1 + g2);
          sums[3] += Math.abs(2 * g2);
        }
      }
      for (long sum : sums) {
        if (sum * MAX_TRANSFORMED_INPUT > FLOAT_INTEGERS) {
          return false;
        }
      }
    }
    return true;
  }

  /** The weight stored row-major over the kernel's height, [kH][O][C][kW], for {@code winogradWeights}. */
  static Tensor relayout(Node node, Tensor tensor) {
    ConvShape s = ConvShape.of(node);
    byte[] graphOrder = tensor.bytes();
    byte[] rows = new byte[graphOrder.length];
    for (int o = 0; o < s.oc(); o++) {
      for (int c = 0; c < s.c(); c++) {
        for (int ky = 0; ky < s.kh(); ky++) {
          for (int kx = 0; kx < s.kw(); kx++) {
            rows[storedIndex(s, o, c, ky, kx)] = graphOrder[((o * s.c() + c) * s.kh() + ky) * s.kw() + kx];
          }
        }
      }
    }
    return Tensor.ofBytes(tensor.dtype(), rows, tensor.dims());
  }

  private static int storedIndex(ConvShape s, int o, int c, int ky, int kx) {
    return ((ky * s.oc() + o) * s.c() + c) * s.kw() + kx;
  }

  /** Where weight (o, c, ky, kx) is stored after {@link #relayout}, for the scalar loops. */
  static Expr storedIndex(ConvShape s, Expr o, Expr c, Expr ky, Expr kx) {
    return add(mul(add(mul(add(mul(ky, i(s.oc())), o), i(s.c())), c), i(s.kw())), kx);
  }

  private int pairs() {
    return s.oh() / 2;
  }

  /** Positions of one transformed plane: OH/2 rows of the padded width. */
  private int plane() {
    return Math.multiplyExact(pairs(), PaddedInput.width(s));
  }

  /** Positions {@code convTaps} sums per channel: a plane, padded to whole vectors. */
  private int len() {
    return VectorKernelCalls.paddedRow(plane());
  }

  /** One transformed input block: C planes, then what the last taps read past them and the transform writes. */
  private int inputBlock() {
    return Math.addExact(Math.addExact(Math.multiplyExact(s.c(), plane()), len()),
        (s.kw() - 1) * s.dil()[1] + VectorKernelCalls.VECTOR_OVERRUN);
  }

  private int sumsBlock() {
    return Math.multiplyExact(s.oc(), len());
  }

  private int rowTaps() {
    return s.c() * s.kw();
  }

  private int weightsPerRow() {
    return Math.multiplyExact(s.oc(), rowTaps());
  }

  /** The four sums, and what the requantization's whole vectors read past them. */
  private int sumsRegion() {
    return Math.addExact(4 * sumsBlock(), VectorKernelCalls.VECTOR_OVERRUN);
  }

  /** The four transformed planes. */
  private int planesRegion() {
    return Math.multiplyExact(4, inputBlock());
  }

  int workspaceFloats() {
    return Math.addExact(Math.addExact(sumsRegion(), planesRegion()), Math.multiplyExact(4, weightsPerRow()));
  }

  int workspaceInts() {
    return rowTaps();
  }

  /** The weights' transform, once a run, before the batch loop. */
  Stmt weights(Node node, ExecutionPlan plan, WeightQuantization wq) {
    int floats = plan.workspaceOffset(node, Arena.SCRATCH_F32);
    Access weight = wq.weightAccess();
    return new Stmt.Invoke("Int8VectorKernels", "winogradWeights",
        List.of(weight.array(), Arena.SCRATCH_F32.param()),
        List.of(i(weight.offset()), i(floats + sumsRegion() + planesRegion()), i(weightsPerRow())));
  }

  /**
   * A batch element's statements; {@code starts} are the zero-point corrections, so the caller has
   * checked that {@link VectorKernelCalls#requantizable} holds (the transforms' bounds need the input
   * uncentred).
   */
  List<Stmt> perBatch(Node node, ExecutionPlan plan, WeightQuantization wq, Slot starts, Local n) {
    ArrayParam floats = Arena.SCRATCH_F32.param();
    ArrayParam ints = Arena.SCRATCH_I32.param();
    int sums = plan.workspaceOffset(node, Arena.SCRATCH_F32);
    int transformed = sums + sumsRegion();
    int weights = transformed + planesRegion();
    int table = plan.workspaceOffset(node);
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
    for (int row = 0; row < 4; row++) {
      stmts.add(VectorKernelCalls.convTaps(Arena.SCRATCH_F32, weights + row * weightsPerRow(),
          transformed + row * inputBlock(), sums + row * sumsBlock(), table, s.oc(), rowTaps(), len()));
    }
    stmts.add(VectorKernelCalls.requantizeWinograd(wq, IntegerArithmetic.Output.of(node), Access.of(plan, node.result()),
        starts, sums, sumsBlock(), len(), pw, mul(v(n), i(s.oc() * s.oh() * s.ow())), s.oc(), pairs(), s.ow()));
    return stmts;
  }
}
