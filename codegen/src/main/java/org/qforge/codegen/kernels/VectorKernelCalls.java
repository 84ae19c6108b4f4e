package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.d;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.i;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayKind;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.DType;
import org.qforge.ir.Value;

/**
 * Calls of the runtime's Vector API kernels ({@code org.qforge.codegen.runtime.Int8VectorKernels}),
 * with the layout rules their callers follow. All int operands live in the int scratch arena, a
 * convolution's float sums and their operands in the float one.
 */
final class VectorKernelCalls {
  /**
   * Rows of positions {@code convTaps} sums are padded to a multiple of this (lanes of a 512-bit
   * vector, two 256-bit ones), so that no row ends in the kernel's scalar tail: on a 4×4 layer (24
   * positions a row-form row) the tail was two thirds of the work and the layer ran at 3.5 GMAC/s.
   * Not to whole two-vector tiles: the float kernel's eight-channel × one-vector code takes a
   * 16-position rest at the tile's speed, and resnet20's 64→64 layers sum 80 positions in 31.9 µs
   * against 96 in 36.0 (bench/README.md, steps 21 and 23). The padding positions compute garbage that
   * is never read back.
   */
  static final int ROW_MULTIPLE = 16;

  /**
   * Elements past a row that the kernels writing whole vectors over short rows may touch ({@code
   * winogradInput}, {@code phases}; at most the widest vector's lanes less one): the workspaces they
   * write leave this much room after each block.
   */
  static final int VECTOR_OVERRUN = 16;

  private VectorKernelCalls() {}

  /** {@code length} rounded up to {@link #ROW_MULTIPLE}. */
  static int paddedRow(int length) {
    return Math.multiplyExact(Math.floorDiv(length + ROW_MULTIPLE - 1, ROW_MULTIPLE), ROW_MULTIPLE);
  }

  /**
   * {@code acc[accOff + o·len + p] = Σ_t w[weightAt + o·taps + t] · in[inOff + table[tableOff + t] + p]}
   * for {@code o < outs, p < len}, where weights, input and sums lie in the {@code sums} arena (ints, or
   * floats where {@link ExactFloatSums} holds) and the table of tap offsets in the int arena, on weights
   * {@link #widenWeights widened} there (the kernel broadcasts them from memory); every index read
   * must lie inside its arena.
   */
  static Stmt convTaps(Arena sums, int weightAt, int inOff, int accOff, int tableOff, int outs, int taps, int len) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    ArrayParam s = sums.param();
    List<ArrayParam> arrays = sums == Arena.SCRATCH_I32 ? List.of(ints, ints, ints) : List.of(s, s, ints, s);
    return new Stmt.Invoke("Int8VectorKernels", "convTaps", arrays,
        List.of(i(weightAt), i(inOff), i(accOff), i(tableOff), i(outs), i(taps), i(len)));
  }

  /**
   * {@code sums[to + j] = x[from + j]} for {@code j < n}, the stored int8 values of a tensor widened
   * to ints or floats ({@code Int8VectorKernels.widen}): a convolution's uncentred input rows
   * ({@link AccumulatorStarts}).
   */
  static Stmt widenInput(Arena sums, Access x, Expr from, Expr to, int n) {
    return new Stmt.Invoke("Int8VectorKernels", "widen", List.of(x.array(), sums.param()),
        List.of(x.index(from), to, i(n)));
  }

  /**
   * {@code sums[to + j] = w[weight + j]} for {@code j < n} ({@code Int8VectorKernels.widen}): a conv's
   * int8 weights as stored, widened to ints or floats once a run, before the loop over the batch.
   */
  static Stmt widenWeights(Arena sums, Access weight, int to, int n) {
    return new Stmt.Invoke("Int8VectorKernels", "widen", List.of(weight.array(), sums.param()),
        List.of(i(weight.offset()), i(to), i(n)));
  }

  /**
   * A conv's {@code outs} rows of {@code taps} int8 weights widened for {@link #convTaps}, once a run:
   * as stored where they are ints or already in the float kernel's channel blocks ({@code
   * storedInBlocks}: {@link ChannelBlocks}); floats stored in the graph's order (a weight two convs
   * read) are put in that order as they are widened ({@code Int8VectorKernels.widenInChannelBlocks}).
   */
  static Stmt widenConvTapsWeights(Arena sums, Access weight, int to, int outs, int taps, boolean storedInBlocks) {
    if (sums == Arena.SCRATCH_I32 || storedInBlocks) {
      return widenWeights(sums, weight, to, Math.multiplyExact(outs, taps));
    }
    return new Stmt.Invoke("Int8VectorKernels", "widenInChannelBlocks", List.of(weight.array(), sums.param()),
        List.of(i(weight.offset()), i(to), i(outs), i(taps)));
  }

  /**
   * Requantizes a convolution's sums into its int8 or uint8 output on the Vector API, channel by
   * channel: sum (o, y, x) at {@code accOff + o·channelStride + y·rowStride + x} in the {@code sums}
   * arena (ints, or the integers {@link #convTaps} summed in floats), output element
   * at {@code outOff + (o·rows + y)·cols + x}, each sum plus its channel's {@link AccumulatorStarts}
   * if {@code starts} is not null. The same double operations as {@link WeightQuantization#real} and
   * {@link IntegerArithmetic.Output#quantize}, so the same bits; the kernel needs real values that
   * cannot be NaN. Null where that is not known or the output is not stored as bytes (the caller
   * requantizes in generated code then; see {@link #requantizable}).
   */
  static Stmt requantize(WeightQuantization wq, IntegerArithmetic.Output output, Access out, Slot starts,
      Arena sums, int accOff, int channelStride, int rowStride, Expr outOff, int channels, int rows, int cols) {
    if (!requantizable(wq, output, out)) {
      return null;
    }
    return requantizeWithStarts("requantize", sums, wq, output, out, starts,
        List.of(i(accOff), i(channelStride), i(rowStride), out.index(outOff), i(channels), i(rows), i(cols)));
  }

  /**
   * Requantizes the four sums of a convolution's F(2,3) form along the height ({@link WinogradRows}) on the Vector API:
   * Aᵀ on sums {@code m[mOff + i·block + o·len + r·width + x]} of each channel o and pair of rows r,
   * then the requantization {@link #requantize} does, into output element {@code outOff + (o·2·pairs + 2r + a)·cols + x};
   * null where {@link #requantizable} is false.
   */
  static Stmt requantizeWinograd(WeightQuantization wq, IntegerArithmetic.Output output, Access out, Slot starts,
      int mOff, int block, int len, int width, Expr outOff, int channels, int pairs, int cols) {
    if (!requantizable(wq, output, out)) {
      return null;
    }
    return requantizeWithStarts("requantizeWinograd", Arena.SCRATCH_F32, wq, output, out, starts,
        List.of(i(mOff), i(block), i(len), i(width), out.index(outOff), i(channels), i(pairs), i(cols)));
  }

  /**
   * Requantizes the four sums of a convolution's F(2,3) form along the width ({@link WinogradColumns})
   * on the Vector API: Aᵀ on sums {@code m[mOff + i·block + o·len + p]} of each channel o and pair of
   * columns p, then the requantization {@link #requantize} does, into output elements {@code outOff +
   * o·2·positions + 2p + a}; null where {@link #requantizable} is false.
   */
  static Stmt requantizeWinogradColumns(WeightQuantization wq, IntegerArithmetic.Output output, Access out,
      Slot starts, int mOff, int block, int len, Expr outOff, int channels, int positions) {
    if (!requantizable(wq, output, out)) {
      return null;
    }
    return requantizeWithStarts("requantizeWinogradColumns", Arena.SCRATCH_F32, wq, output, out, starts,
        List.of(i(mOff), i(block), i(len), out.index(outOff), i(channels), i(positions)));
  }

  /**
   * Requantizes a linear layer's sums ({@code ints[accOff + o]}, {@code o < channels}) into its int8 or
   * uint8 output at {@code outOff + o} on the Vector API, in float lanes ({@code
   * Int8VectorKernels.requantizeChannelsInFloats}, which writes the sums as floats to {@code sumsOff}
   * in the float workspace); null where {@link #requantize} would be.
   */
  static Stmt requantizeChannels(WeightQuantization wq, IntegerArithmetic.Output output, Access out, int accOff,
      int sumsOff, Expr outOff, int channels) {
    if (!requantizable(wq, output, out)) {
      return null;
    }
    List<Expr> args = new ArrayList<>(List.of(i(accOff), i(sumsOff), out.index(outOff), i(channels)));
    args.addAll(requantizeTail(wq, output));
    // The int sums, then the float workspace they are written to, then scales, bias and output.
    List<ArrayParam> arrays = new ArrayList<>(requantizeArrays(Arena.SCRATCH_I32, wq, out));
    arrays.add(1, Arena.SCRATCH_F32.param());
    return new Stmt.Invoke("Int8VectorKernels", "requantizeChannelsInFloats", arrays, args);
  }

  /**
   * {@code out[i] = quantize_per_tensor(x[i])} for {@code i < n} into bytes ({@code
   * Int8VectorKernels.quantize}), with the reciprocal scale, zero point and bounds as floats.
   */
  static Stmt quantize(Access x, Access out, int n, float inv, float zeroPoint, float min, float max) {
    return new Stmt.Invoke("Int8VectorKernels", "quantize", List.of(x.array(), out.array()),
        List.of(i(x.offset()), i(out.offset()), i(n), f(inv), f(zeroPoint), f(min), f(max)));
  }

  /**
   * {@code out[i] = quantized_add(a[i], b[i])} for {@code i < n} on the Vector API ({@code
   * Int8VectorKernels.quantizedAdd}), the operands' and the output's scales and zero points given.
   */
  static Stmt quantizedAdd(Access a, Access b, Access out, int n, double aScale, long aZeroPoint, double bScale,
      long bZeroPoint, IntegerArithmetic.Output output) {
    return new Stmt.Invoke("Int8VectorKernels", "quantizedAdd", List.of(a.array(), b.array(), out.array()),
        List.of(i(a.offset()), i(b.offset()), i(out.offset()), i(n), d(aScale), d(aZeroPoint), d(bScale),
            d(bZeroPoint), d(output.scale()), d(output.zeroPoint()), d(output.min()), d(output.max())));
  }

  /** True if the requantize kernels apply: they need non-NaN real values, a byte output and float scales and bias. */
  static boolean requantizable(WeightQuantization wq, IntegerArithmetic.Output output, Access out) {
    Access scales = wq.scalesAccess();
    Access bias = wq.biasAccess();
    return wq.quotientIsFinite(output) && out.array().kind() == ArrayKind.BYTE
        && scales.array().kind() == ArrayKind.FLOAT && (bias == null || bias.array().kind() == ArrayKind.FLOAT);
  }

  /**
   * A conv requantize kernel's call: its own leading arguments, the starts' offset (-1: none), the
   * shared tail; arrays the sums, scales, bias, output and the starts' arena (without starts the int
   * arena stands in, never read).
   */
  private static Stmt requantizeWithStarts(String method, Arena sums, WeightQuantization wq,
      IntegerArithmetic.Output output, Access out, Slot starts, List<Expr> leading) {
    List<Expr> args = new ArrayList<>(leading);
    args.add(i(starts == null ? -1 : starts.offset()));
    args.addAll(requantizeTail(wq, output));
    List<ArrayParam> arrays = new ArrayList<>(requantizeArrays(sums, wq, out));
    arrays.add(starts == null ? Arena.SCRATCH_I32.param() : starts.arena().param());
    return new Stmt.Invoke("Int8VectorKernels", method, arrays, args);
  }

  /** Sums (in {@code sums}), scales, bias (the scales again without one: never read) and output. */
  private static List<ArrayParam> requantizeArrays(Arena sums, WeightQuantization wq, Access out) {
    Access scales = wq.scalesAccess();
    Access bias = wq.biasAccess();
    return List.of(sums.param(), scales.array(), bias == null ? scales.array() : bias.array(),
        out.array());
  }

  /** The arguments both requantize kernels end with: scale and bias offsets (-1: no bias), then the formula's constants. */
  private static List<Expr> requantizeTail(WeightQuantization wq, IntegerArithmetic.Output output) {
    Access bias = wq.biasAccess();
    return List.of(i(wq.scalesAccess().offset()), i(bias == null ? -1 : bias.offset()), d(wq.inputScale),
        d(output.scale()), d(output.zeroPoint()), d(output.min()), d(output.max()));
  }

  /**
   * {@code Int8VectorKernels.centred}: the int8 row at {@code x.index(rowStart)} minus its zero point
   * into the int workspace at {@code outOff}, or null where the input is not int8 bytes.
   */
  static Stmt centred(Value input, Access x, Expr rowStart, int outOff, int n, long zeroPoint) {
    if (!int8Bytes(input, x)) {
      return null;
    }
    return new Stmt.Invoke("Int8VectorKernels", "centred", List.of(x.array(), Arena.SCRATCH_I32.param()),
        List.of(x.index(rowStart), i(outOff), i(n), i(Math.toIntExact(zeroPoint))));
  }

  /**
   * {@code Int8VectorKernels.strideTwoColumns}: the centred column matrix of an unpadded 1×1 stride-2
   * conv {@code s} from the image at {@code x.index(imageStart)} into floats at {@code matrixAt}, a
   * channel's row every {@code rowStride}, writing up to {@code VECTOR_OVERRUN − 1} elements past the
   * matrix; null where the input is not int8 bytes.
   */
  static Stmt strideTwoColumns(Value input, Access x, Expr imageStart, ConvShape s, int matrixAt, int rowStride,
      long zeroPoint) {
    if (!int8Bytes(input, x)) {
      return null;
    }
    return new Stmt.Invoke("Int8VectorKernels", "strideTwoColumns", List.of(x.array(), Arena.SCRATCH_F32.param()),
        List.of(x.index(imageStart), i(matrixAt), i(s.c()), i(s.h()), i(s.w()), i(s.oh()), i(s.ow()), i(rowStride),
            f(Math.toIntExact(zeroPoint))));
  }

  /** True if {@code input} is int8 stored as bytes, as the kernels that widen it with a sign need. */
  private static boolean int8Bytes(Value input, Access x) {
    return input.type().dtype() == DType.I8 && x.array().kind() == ArrayKind.BYTE;
  }

  /**
   * {@code ints[accOff + o] = Σ_k w(o, k) · ints[xOff + k]} for {@code o < rows}: {@code dotRows} on a
   * row-major weight, {@code dotRowsPacked} on one stored in blocks of eight interleaved rows (see
   * {@link IntegerLinearKernel#packedIndex}), {@code dotColumns} on one stored input-major.
   */
  static Stmt dotRows(Access weight, IntegerLinearKernel.WeightOrder order, int xOff, int accOff, int rows,
      int depth) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    String kernel = switch (order) {
      case ROW_MAJOR -> "dotRows";
      case PACKED_ROWS -> "dotRowsPacked";
      case COLUMNS -> "dotColumns";
    };
    return new Stmt.Invoke("Int8VectorKernels", kernel,
        List.of(weight.array(), ints, ints), List.of(i(weight.offset()), i(xOff), i(accOff), i(rows), i(depth)));
  }
}
