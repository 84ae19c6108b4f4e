package org.qforge.ir.ops;

import java.util.List;
import org.qforge.ir.Literal;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;
import org.qforge.ir.Kernel;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;

/** Pointwise activations: relu, hardtanh, clamp, sigmoid, tanh. */
final class ActivationOps {
  private ActivationOps() {}

  static List<OpDef> definitions() {
    return List.of(
        Unary.floatOp("aten.relu", "max(x, 0); NaN stays NaN", x -> x > 0 || Float.isNaN(x) ? x : 0f),
        hardtanh(),
        clamp(),
        Unary.floatOp("aten.sigmoid", "1 / (1 + exp(-x))", x -> (float) (1.0 / (1.0 + Math.exp(-x)))),
        Unary.floatOp("aten.tanh", "hyperbolic tangent", x -> (float) Math.tanh(x)));
  }

  private static OpDef hardtanh() {
    return OpDef.builder("aten.hardtanh")
        .param("self", ParamType.TENSOR)
        .param("min_val", ParamType.SCALAR, new Literal.Int(-1))
        .param("max_val", ParamType.SCALAR, new Literal.Int(1))
        .doc("min(max(x, min_val), max_val); F.relu6 exports as hardtanh(0, 6)")
        .shape(ShapeFunction.single(a -> a.type(0)))
        .kernel(Kernel.single(ctx -> clampTensor(ctx.tensor(0), ctx.scalarArg(1), ctx.scalarArg(2))))
        .build();
  }

  private static OpDef clamp() {
    return OpDef.builder("aten.clamp")
        .param("self", ParamType.TENSOR)
        .param("min", ParamType.OPTIONAL_SCALAR, Literal.NONE)
        .param("max", ParamType.OPTIONAL_SCALAR, Literal.NONE)
        .doc("min(max(x, min), max) with either bound optional")
        .shape(ShapeFunction.single(a -> a.type(0)))
        .kernel(Kernel.single(ctx -> clampTensor(ctx.tensor(0),
            ctx.isNone(1) ? Double.NEGATIVE_INFINITY : ctx.scalarArg(1),
            ctx.isNone(2) ? Double.POSITIVE_INFINITY : ctx.scalarArg(2))))
        .build();
  }

  /** Clamps like PyTorch: NaN propagates; bounds are cast to the tensor's dtype first. */
  static Tensor clampTensor(Tensor x, double lo, double hi) {
    if (x.dtype() == DType.F32) {
      float l = (float) lo;
      float h = (float) hi;
      return Unary.map(x, v -> Float.isNaN(v) ? v : Math.min(Math.max(v, l), h));
    }
    return Unary.mapDouble(x, v -> Double.isNaN(v) ? v : Math.min(Math.max(v, lo), hi));
  }
}
