package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.function.DoubleUnaryOperator;
import org.qforge.ir.Kernel;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;
import org.qforge.ir.Tensor;

/** Building blocks for elementwise ops of one tensor whose result has the input's type. */
final class Unary {
  private Unary() {}

  /** {@code name(Tensor self)} computing {@code f} on every element, in f32 for f32 inputs. */
  static OpDef floatOp(String name, String doc, FloatOp f) {
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .doc(doc)
        .shape(ShapeFunction.single(a -> {
          checkArgument(a.type(0).dtype().isFloatingPoint(), "%s needs a floating-point tensor, got %s",
              name, a.type(0));
          return a.type(0);
        }))
        .kernel(Kernel.single(ctx -> map(ctx.tensor(0), f)))
        .build();
  }

  /** An elementwise function evaluated in the precision of the input. */
  interface FloatOp {
    float apply(float x);
  }

  /** Applies {@code f} to every element (f32 fast path; other float types through f32 like PyTorch's CPU kernels do for half types). */
  static Tensor map(Tensor x, FloatOp f) {
    Tensor out = Tensor.zeros(x.type());
    if (x.dtype() == org.qforge.ir.DType.F32) {
      float[] in = x.floats();
      float[] o = out.floats();
      for (int i = 0; i < in.length; i++) {
        o[i] = f.apply(in[i]);
      }
    } else {
      for (int i = 0; i < x.numel(); i++) {
        out.setDouble(i, f.apply((float) x.getDouble(i)));
      }
    }
    return out;
  }

  /** Applies {@code f} in double precision to every element (for f64 and integer inputs). */
  static Tensor mapDouble(Tensor x, DoubleUnaryOperator f) {
    Tensor out = Tensor.zeros(x.type());
    for (int i = 0; i < x.numel(); i++) {
      out.setDouble(i, f.applyAsDouble(x.getDouble(i)));
    }
    return out;
  }
}
