package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.i;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The Vector API path of a row-form convolution ({@link RowConvolution}) computed with Winograd's
 * F(2,3) along one axis of the kernel: along the height ({@link WinogradRows}) or the width ({@link
 * WinogradColumns}). Both sum four transformed planes with {@code convTaps} and fuse Aᵀ into the
 * requantization; they differ in how many positions a plane holds, the padding columns of the height
 * form against none in the width form. Exact, so the same bits as the row form and the interpreter.
 */
sealed interface WinogradForm extends ConvWeightOrder permits WinogradRows, WinogradColumns {
  /**
   * The fewest input channels for which the transforms pay: they cost per input and output element,
   * the multiply-adds they save per input channel × output element. resnet20's 3→16 stem took 12.3 µs
   * this way against 10.6, its 16→16 layers 30.0 against 32.4 (bench/README.md, step 27).
   */
  int MIN_CHANNELS = 8;
  /**
   * The fewest output positions a channel for which the transforms pay: the weights' transform is paid
   * once a layer and run, whatever the plane's size. digits_rescnn's 32→32 layer on 4 × 4 took 6.8–7.1 µs
   * this way against 5.5–5.6, its 16→32 layer on 8 × 8 4.9–5.0 against 5.7–5.8, resnet20's 64→64 layers
   * on 8 × 8 31.4 against 37.2 (bench/README.md, step 27).
   */
  int MIN_OUTPUTS = 64;

  /**
   * The F(2,3) form of {@code node}, or null where neither applies: the one whose four planes hold
   * fewer positions, the height form on a tie. resnet20's 64→64 layers sum 32 positions a plane along
   * the width against 48 along the height (8 × 8 outputs, rows padded to 10 columns; bench/README.md, step 30).
   */
  static WinogradForm of(Node node) {
    WinogradRows rows = WinogradRows.of(node);
    WinogradColumns columns = WinogradColumns.of(node);
    if (columns != null && (rows == null || 4L * columns.len() <= 3L * rows.len())) {
      return columns;
    }
    return rows;
  }


  /** Positions {@code convTaps} sums per channel and plane. */
  int len();

  /**
   * Floats of one transformed input block: the C planes, then what the last taps read past them and
   * the transform's whole vectors write.
   */
  int inputBlock();

  /** Taps each transformed plane's sums run over: C times the kernel's other axis. */
  int planeTaps();

  /** Where the workspace's regions start: the four sums, the four transformed input blocks, the four transformed weight blocks (floats), the table of tap offsets (ints). */
  record Regions(int sums, int planes, int weights, int table) {}

  default Regions regions(Node node, ExecutionPlan plan) {
    int sums = plan.workspaceOffset(node, Arena.SCRATCH_F32);
    int planes = sums + sumsRegion();
    return new Regions(sums, planes, planes + planesRegion(), plan.workspaceOffset(node));
  }

  /** One channel block of sums: every output channel's {@link #len} positions. */
  default int sumsBlock() {
    return Math.multiplyExact(shape().oc(), len());
  }

  private int weightsPerPlane() {
    return Math.multiplyExact(shape().oc(), planeTaps());
  }

  /** The four sums, and what the requantization's whole vectors read past them. */
  private int sumsRegion() {
    return Math.addExact(4 * sumsBlock(), VectorKernelCalls.VECTOR_OVERRUN);
  }

  private int planesRegion() {
    return Math.multiplyExact(4, inputBlock());
  }

  /** The float workspace: the four sums, the four transformed input blocks, the four transformed weight blocks. */
  default int workspaceFloats() {
    return Math.addExact(Math.addExact(sumsRegion(), planesRegion()), Math.multiplyExact(4, weightsPerPlane()));
  }

  /** The int workspace: the table of tap offsets. */
  default int workspaceInts() {
    return planeTaps();
  }

  /** The weights' transform, once a run, before the batch loop ({@code winogradWeights} on three blocks of the relaid weight). */
  default Stmt weights(Node node, ExecutionPlan plan, WeightQuantization wq) {
    Access weight = wq.weightAccess();
    return new Stmt.Invoke("Int8VectorKernels", "winogradWeights", List.of(weight.array(), Arena.SCRATCH_F32.param()),
        List.of(i(weight.offset()), i(regions(node, plan).weights()), i(weightsPerPlane())));
  }

  /** The four planes' sums: {@code convTaps} on each transformed input block with its transformed weights. */
  default List<Stmt> planeSums(Regions at) {
    List<Stmt> sums = new ArrayList<>();
    for (int plane = 0; plane < 4; plane++) {
      sums.add(VectorKernelCalls.convTaps(Arena.SCRATCH_F32, at.weights() + plane * weightsPerPlane(),
          at.planes() + plane * inputBlock(), at.sums() + plane * sumsBlock(), at.table(), shape().oc(), planeTaps(),
          len()));
    }
    return sums;
  }

  /**
   * A batch element's statements; {@code starts} are the zero-point corrections, so the caller has
   * checked that {@link VectorKernelCalls#requantizable} holds (the transforms' bounds need the input
   * uncentred).
   */
  List<Stmt> perBatch(Node node, ExecutionPlan plan, WeightQuantization wq, Slot starts, Local n);


  /**
   * True if the shared conditions hold: a stride-1 ungrouped row-form conv of at least {@link
   * #MIN_CHANNELS} input channels and {@link #MIN_OUTPUTS} outputs a channel, whose Vector API sums run
   * in floats over the uncentred input, and whose transformed weights keep every transformed sum exact.
   */
  static boolean applies(Node node, ConvShape s, boolean alongWidth) {
    return RowConvolution.of(node) != null && s.c() >= MIN_CHANNELS && (long) s.oh() * s.ow() >= MIN_OUTPUTS
        && ExactFloatSums.holdOverUncentredInput(node, s.taps()) && transformedSumsExact(node, s, alongWidth);
  }

  /**
   * True if every channel's four transformed sums stay below 2^24: inputs are int8 values (|x| ≤ 128),
   * so a transformed input is at most 256 in magnitude, and the sums are exact integers where
   * Σ |V_i[o, ·]| · 256 ≤ 2^24 for every channel o and row i of 2G·g, with g the kernel's three taps
   * along the transformed axis.
   */
  private static boolean transformedSumsExact(Node node, ConvShape s, boolean alongWidth) {
    Value w = (Value) node.arg("weight");
    if (w.kind() != Value.Kind.CONSTANT) {
      return false;
    }
    byte[] bytes = node.graph().constant(w.name()).tensor().bytes();
    int step = alongWidth ? 1 : s.kw();
    int others = alongWidth ? s.kh() : s.kw();
    for (int o = 0; o < s.oc(); o++) {
      long[] sums = new long[4];
      for (int c = 0; c < s.c(); c++) {
        for (int k = 0; k < others; k++) {
          int at = (o * s.c() + c) * s.kh() * s.kw() + (alongWidth ? k * s.kw() : k);
          long g0 = bytes[at];
          long g1 = bytes[at + step];
          long g2 = bytes[at + 2 * step];
          sums[0] += Math.abs(2 * g0);
          sums[1] += Math.abs(g0 + g1 + g2);
          sums[2] += Math.abs(g0 - g1 + g2);
          sums[3] += Math.abs(2 * g2);
        }
      }
      for (long sum : sums) {
        if (sum * 256 > 1L << 24) {
          return false;
        }
      }
    }
    return true;
  }
}
