package org.qforge.ir.ops;

import java.util.List;
import org.qforge.ir.OpDef;

/** Pointwise math of one floating-point tensor: neg, abs, exp, log, sqrt. */
final class MathOps {
  private MathOps() {}

  static List<OpDef> definitions() {
    return List.of(
        Unary.floatOp("aten.neg", "-x", x -> -x),
        Unary.floatOp("aten.abs", "|x|", Math::abs),
        Unary.floatOp("aten.exp", "e^x, computed in double and rounded once", x -> (float) Math.exp(x)),
        Unary.floatOp("aten.log", "natural logarithm, computed in double and rounded once", x -> (float) Math.log(x)),
        Unary.floatOp("aten.sqrt", "square root (correctly rounded)", x -> (float) Math.sqrt(x)));
  }
}
