package org.qforge.codegen.kernels;

import org.qforge.codegen.plan.Arena;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * Whether a convolution's Vector API kernel may sum its int8 products in float lanes, with fused
 * multiply-adds, and still get the exact int sums ({@code Int8VectorKernels.convTaps} on floats).
 *
 * <p>A float holds every integer up to 2^24 in magnitude. The kernel's operands are integers: int8
 * weights, and inputs at most 255 in magnitude (stored int8 values, or values centred on their zero
 * point). If Σ_t |w[o, t]| · 255 ≤ 2^24 for every output channel o, every product and every partial
 * sum of channel o, in any order, is such an integer, so no FMA rounds and the float sum is the int
 * sum. The bound uses the weights themselves where they are constants (every conv of resnet20 and
 * digits_rescnn qualifies, up to 576 taps); otherwise every weight counts as 128.
 *
 * <p>Why floats at all: the int kernels multiply and add in two instructions ({@code vpmulld},
 * {@code vpaddd}), the float ones in one FMA, and on the machine we measure the float conv tile runs
 * at about twice the int one's rate (bench/README.md, step 19).
 */
final class ExactFloatSums {
  /** The largest integer magnitude below which every integer is a float. */
  private static final long FLOAT_INTEGERS = 1L << 24;
  /** The largest input magnitude the kernels sum: a u8 value, or an i8 or u8 value minus its zero point. */
  private static final long MAX_INPUT = 255;

  private ExactFloatSums() {}

  /** True if {@code node}'s {@code taps} int8 products per output may be summed in floats (see above). */
  static boolean hold(Node node, long taps) {
    Value w = (Value) node.arg("weight");
    if (w.type().dtype() != DType.I8) {
      return false;
    }
    Constant c = w.kind() == Value.Kind.CONSTANT ? node.graph().constant(w.name()) : null;
    if (c == null) {
      return taps * 128 * MAX_INPUT <= FLOAT_INTEGERS;
    }
    byte[] bytes = c.tensor().bytes();
    int outs = w.type().dims()[0];
    int perChannel = bytes.length / outs;
    for (int o = 0; o < outs; o++) {
      long sum = 0;
      for (int t = 0; t < perChannel; t++) {
        sum += Math.abs(bytes[o * perChannel + t]);
      }
      if (sum * MAX_INPUT > FLOAT_INTEGERS) {
        return false;
      }
    }
    return true;
  }

  /**
   * True if the Vector API kernels can sum {@code node}'s {@code taps} products in floats over its
   * input as stored ({@link AccumulatorStarts#uncentred}), which the row form over transformed planes
   * ({@link WinogradRows}), the phase form ({@link PhaseRows}) and the column form's padded copy need.
   */
  static boolean holdOverUncentredInput(Node node, long taps) {
    return WeightQuantization.vectorTypes(node, taps) && AccumulatorStarts.uncentred(node) && hold(node, taps);
  }

  /** The arena the vector kernel of {@code node} sums in: floats where {@link #hold} does, else ints. */
  static Arena sumsArena(Node node, long taps) {
    return hold(node, taps) ? Arena.SCRATCH_F32 : Arena.SCRATCH_I32;
  }
}
