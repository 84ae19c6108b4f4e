package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.call;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.rem;
import static org.qforge.codegen.loop.Kb.sub;

import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.ir.Tensor;

/**
 * A kernel form that stores a conv's constant weight in an order of its own instead of the graph's
 * [O, C, kH, kW] ({@link IntegerConvKernel#relayout}): the same bytes, reordered at compile time, so
 * that its Vector API kernel reads them as it needs; the scalar loops then read them there too.
 */
interface ConvWeightOrder {
  /** The convolution's shape. */
  ConvShape shape();

  /** Where weight (o, c, ky, kx) is stored after {@link #relayout}. */
  int storedIndex(int o, int c, int ky, int kx);

  /** {@link #storedIndex(int, int, int, int)} in generated code, for the scalar loops. */
  Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx);

  /**
   * Where the float {@code convTaps} reads weight (o, t) of {@code outs} rows of {@code taps}: output
   * channels in blocks of eight, each tap's eight weights together, (o/8)·8·taps + 8t + o%8, for o &lt;
   * 8·⌊outs/8⌋; the rest row-major after them, o·taps + t (its four- and one-channel tiles read rows).
   */
  static int channelBlocked(int o, int t, int outs, int taps) {
    return o < outs - outs % 8 ? (o / 8) * 8 * taps + 8 * t + o % 8 : o * taps + t;
  }

  /** {@link #channelBlocked(int, int, int, int)} in generated code. */
  static Expr channelBlocked(Expr o, Expr t, int outs, int taps) {
    Expr blocked = add(add(mul(div(o, i(8)), i(8 * taps)), mul(t, i(8))), rem(o, i(8)));
    int rest = outs - outs % 8;
    if (rest == outs) {
      return blocked;
    }
    // No conditional expression in the loop language: 1 for the rows after the blocks, else 0.
    Expr afterBlocks = call(MathFn.MIN_INT, i(1), call(MathFn.MAX_INT, i(0), sub(o, i(rest - 1))));
    return add(blocked, mul(afterBlocks, sub(add(mul(o, i(taps)), t), blocked)));
  }

  /** The weight in this order. */
  default Tensor relayout(Tensor tensor) {
    ConvShape s = shape();
    byte[] graphOrder = tensor.bytes();
    byte[] stored = new byte[graphOrder.length];
    for (int o = 0; o < s.oc(); o++) {
      for (int c = 0; c < s.c(); c++) {
        for (int ky = 0; ky < s.kh(); ky++) {
          for (int kx = 0; kx < s.kw(); kx++) {
            stored[storedIndex(o, c, ky, kx)] = graphOrder[((o * s.c() + c) * s.kh() + ky) * s.kw() + kx];
          }
        }
      }
    }
    return Tensor.ofBytes(tensor.dtype(), stored, tensor.dims());
  }
}
