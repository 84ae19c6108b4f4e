package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.qforge.ir.DType;
import org.qforge.ir.Kernel;
import org.qforge.ir.KernelContext;
import org.qforge.ir.Literal;
import org.qforge.ir.OpArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;

/**
 * Elementwise arithmetic with broadcasting and PyTorch type promotion (add, sub, mul, div, the
 * in-place add_), rounding, and dtype conversion.
 *
 * <p>Operands are first converted to the promoted dtype, as PyTorch's TensorIterator does, and the
 * operation runs in that dtype: f32 in float (bit-exact with PyTorch), f64 in double, f16/bf16 in
 * float rounded back, integer types in wrapping integer arithmetic.
 */
final class ArithmeticOps {
  private ArithmeticOps() {}

  static List<OpDef> definitions() {
    return List.of(
        binary("aten.add.Tensor", Binary.ADD, "self + alpha * other, broadcast and type-promoted"),
        binary("aten.sub.Tensor", Binary.SUB, "self - alpha * other, broadcast and type-promoted"),
        binary("aten.mul.Tensor", Binary.MUL, "self * other, broadcast and type-promoted"),
        binary("aten.div.Tensor", Binary.DIV, "true division self / other; integer inputs give f32"),
        binary("aten.add.Scalar", Binary.ADD, "self + alpha * other for a Python number other"),
        binary("aten.sub.Scalar", Binary.SUB, "self - alpha * other for a Python number other"),
        binary("aten.mul.Scalar", Binary.MUL, "self * other for a Python number other"),
        binary("aten.div.Scalar", Binary.DIV, "self / other for a Python number other"),
        addInPlace(),
        round(),
        toDtype(),
        toCopy());
  }

  /** The four binary operations; alpha scales {@code other} for add and sub. */
  enum Binary {
    ADD, SUB, MUL, DIV;

    float apply(float x, float y, float alpha) {
      return switch (this) {
        // PyTorch's vectorized CPU add is fmadd(other, alpha, self); with alpha 1 that is x + y.
        case ADD -> alpha == 1f ? x + y : Math.fma(y, alpha, x);
        case SUB -> alpha == 1f ? x - y : Math.fma(y, -alpha, x);
        case MUL -> x * y;
        case DIV -> x / y;
      };
    }

    double apply(double x, double y, double alpha) {
      return switch (this) {
        case ADD -> alpha == 1 ? x + y : Math.fma(y, alpha, x);
        case SUB -> alpha == 1 ? x - y : Math.fma(y, -alpha, x);
        case MUL -> x * y;
        case DIV -> x / y;
      };
    }

    long apply(long x, long y, long alpha) {
      return switch (this) {
        case ADD -> x + alpha * y;
        case SUB -> x - alpha * y;
        case MUL -> x * y;
        case DIV -> throw new IllegalStateException("integer true division");
      };
    }
  }

  private static OpDef binary(String name, Binary kind, String doc) {
    boolean hasAlpha = kind == Binary.ADD || kind == Binary.SUB;
    // self may be a number too: PT2E's reference representation multiplies two Python floats
    // (wrapped numbers), which gives an f32 0-dim tensor.
    OpDef.Builder b = OpDef.builder(name)
        .param("self", ParamType.TENSOR_OR_SCALAR)
        .param("other", name.endsWith(".Scalar") ? ParamType.SCALAR : ParamType.TENSOR_OR_SCALAR);
    if (hasAlpha) {
      b.param("alpha", ParamType.SCALAR, new Literal.Int(1));
    }
    return b.doc(doc)
        .shape(ShapeFunction.single(a -> resultType(a, kind, hasAlpha)))
        .kernel(Kernel.single(ctx -> {
          TensorType out = resultType(ctx, kind, hasAlpha);
          return compute(ctx, kind, hasAlpha ? ctx.scalarArg(2) : 1, out);
        }))
        .build();
  }

  /** add_(self, other, alpha): adds into {@code self} and returns that same tensor. */
  private static OpDef addInPlace() {
    String name = "aten.add_.Tensor";
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param("other", ParamType.TENSOR_OR_SCALAR)
        .param("alpha", ParamType.SCALAR, new Literal.Int(1))
        .mutates("self")
        .doc("in place: self += alpha * other (e.g. the num_batches_tracked counter); returns self")
        .shape(ShapeFunction.single(a -> {
          TensorType promoted = resultType(a, Binary.ADD, true);
          TensorType self = a.type(0);
          checkArgument(promoted.shape().equals(self.shape()),
              "%s: output with shape %s doesn't match the broadcast shape %s", name, self.shape(), promoted.shape());
          checkArgument(TypePromotion.canCast(promoted.dtype(), self.dtype()),
              "%s: result type %s can't be cast to the desired output type %s", name, promoted.dtype(), self.dtype());
          return self;
        }))
        .kernel(ctx -> {
          Tensor self = ctx.tensor(0);
          Tensor sum = compute(ctx, Binary.ADD, ctx.scalarArg(2), resultType(ctx, Binary.ADD, true));
          self.copyFrom(Elements.cast(sum, self.dtype()));
          return List.of(self);
        })
        .build();
  }

  /** The broadcast shape and promoted dtype of {@code self op other}. */
  static TensorType resultType(OpArgs a, Binary kind, boolean hasAlpha) {
    String name = a.op().name();
    List<Integer> shape = Broadcasting.shape(name, operandShape(a, 0), operandShape(a, 1));
    DType dtype = TypePromotion.resultType(a, 0, 1);
    if (kind == Binary.DIV && !dtype.isFloatingPoint()) {
      dtype = DType.F32; // true division of integers gives the default float dtype
    }
    checkArgument(!(kind == Binary.SUB && dtype == DType.BOOL),
        "%s: subtraction with two bool tensors is not supported; use logical_xor", name);
    if (hasAlpha) {
      checkArgument(dtype.isFloatingPoint() || a.arg(2) instanceof Literal.Int,
          "%s: for integral input tensors, argument alpha must not be a floating point number", name);
    }
    return new TensorType(dtype, shape);
  }

  private static List<Integer> operandShape(OpArgs a, int i) {
    return a.arg(i) instanceof Value ? a.type(i).shape() : List.of();
  }

  /** Runs {@code self op other} in the dtype of {@code out}, broadcasting both operands. */
  private static Tensor compute(KernelContext ctx, Binary kind, double alpha, TensorType out) {
    DType dt = out.dtype();
    Tensor x = operand(ctx, 0, dt);
    Tensor y = operand(ctx, 1, dt);
    int[] dims = out.dims();
    int[] ix = Broadcasting.sourceIndex(x.dims(), dims);
    int[] iy = Broadcasting.sourceIndex(y.dims(), dims);
    Tensor result = Tensor.zeros(out);
    int n = result.numel();
    switch (dt) {
      case F32 -> {
        float[] a = x.floats();
        float[] b = y.floats();
        float[] o = result.floats();
        float al = (float) alpha;
        for (int i = 0; i < n; i++) {
          o[i] = kind.apply(a[ix == null ? i : ix[i]], b[iy == null ? i : iy[i]], al);
        }
      }
      case F64 -> {
        double[] a = x.doubles();
        double[] b = y.doubles();
        double[] o = result.doubles();
        for (int i = 0; i < n; i++) {
          o[i] = kind.apply(a[ix == null ? i : ix[i]], b[iy == null ? i : iy[i]], alpha);
        }
      }
      case F16, BF16 -> {
        // PyTorch computes half types in float and rounds the result back.
        float al = (float) alpha;
        for (int i = 0; i < n; i++) {
          float a = (float) x.getDouble(ix == null ? i : ix[i]);
          float b = (float) y.getDouble(iy == null ? i : iy[i]);
          result.setDouble(i, kind.apply(a, b, al));
        }
      }
      default -> {
        long al = (long) alpha;
        for (int i = 0; i < n; i++) {
          result.setLong(i, kind.apply(x.getLong(ix == null ? i : ix[i]), y.getLong(iy == null ? i : iy[i]), al));
        }
      }
    }
    return result;
  }

  /** Argument {@code i} as a tensor of {@code dtype}; a number literal becomes a 0-dim tensor. */
  private static Tensor operand(KernelContext ctx, int i, DType dtype) {
    if (ctx.arg(i) instanceof Value) {
      return Elements.cast(ctx.tensor(i), dtype);
    }
    Tensor t = Tensor.zeros(new TensorType(dtype, List.of()));
    if (ctx.arg(i) instanceof Literal.Int n) {
      t.setLong(0, n.value());
    } else {
      t.setDouble(0, ctx.scalarArg(i));
    }
    return t;
  }

  private static OpDef round() {
    return OpDef.builder("aten.round")
        .param("self", ParamType.TENSOR)
        .doc("round half to even (torch.round); integer tensors are returned unchanged")
        .shape(ShapeFunction.single(a -> a.type(0)))
        .kernel(Kernel.single(ctx -> {
          Tensor x = ctx.tensor(0);
          if (x.dtype() == DType.F32) {
            return Unary.map(x, v -> (float) Math.rint(v));
          }
          return x.dtype().isFloatingPoint() ? Unary.mapDouble(x, Math::rint) : x.copy();
        }))
        .build();
  }

  private static OpDef toDtype() {
    return OpDef.builder("aten.to.dtype")
        .param("self", ParamType.TENSOR)
        .param("dtype", ParamType.DTYPE)
        .param("non_blocking", ParamType.BOOL, new Literal.Bool(false))
        .param("copy", ParamType.BOOL, new Literal.Bool(false))
        .doc("converts to dtype: floats to integers truncate toward zero, to bool is x != 0")
        .shape(ShapeFunction.single(a -> a.type(0).withDType(a.dtypeArg(1))))
        .kernel(Kernel.single(ctx -> Elements.castCopy(ctx.tensor(0), ctx.dtypeArg(1))))
        .build();
  }

  private static OpDef toCopy() {
    return OpDef.builder("aten._to_copy")
        .param("self", ParamType.TENSOR)
        .param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        // PyTorch's layout, device and pin_memory are left out: they never change a value here.
        .param("non_blocking", ParamType.BOOL, new Literal.Bool(false))
        .doc("a copy, converted to dtype if one is given")
        .shape(ShapeFunction.single(ArithmeticOps::toCopyType))
        .kernel(Kernel.single(ctx -> Elements.castCopy(ctx.tensor(0), toCopyType(ctx).dtype())))
        .build();
  }

  private static TensorType toCopyType(OpArgs a) {
    return a.isNone(1) ? a.type(0) : a.type(0).withDType(a.dtypeArg(1));
  }
}
