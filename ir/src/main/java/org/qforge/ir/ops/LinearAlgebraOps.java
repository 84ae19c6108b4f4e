package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
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

/**
 * Matrix products: linear, addmm, mm, matmul (with batch broadcasting) and t. Operands must share
 * one dtype, as in PyTorch; products accumulate in double and round once to the result dtype
 * (integer dtypes are exact while sums stay below 2^53).
 */
final class LinearAlgebraOps {
  private LinearAlgebraOps() {}

  static List<OpDef> definitions() {
    return List.of(linear(), addmm(), mm(), matmul(), t());
  }

  private static OpDef linear() {
    String name = "aten.linear";
    return OpDef.builder(name)
        .param("input", ParamType.TENSOR)
        .param("weight", ParamType.TENSOR)
        .param("bias", ParamType.OPTIONAL_TENSOR, Literal.NONE)
        .doc("input [..., in] times weight [out, in] transposed, plus bias [out]")
        .shape(ShapeFunction.single(LinearAlgebraOps::linearType))
        .kernel(Kernel.single(ctx -> {
          TensorType outType = linearType(ctx);
          Tensor x = ctx.tensor(0);
          Tensor w = ctx.tensor(1);
          int in = w.dims()[1];
          int outFeatures = w.dims()[0];
          int rows = Dims.product(outType.dims(), 0, outType.rank() - 1);
          double[] out = x.dtype() == DType.F32
              ? MatMul.linear(x.floats(), w.floats(), rows, in, outFeatures)
              : MatMul.linear(Elements.toDoubles(x), Elements.toDoubles(w), rows, in, outFeatures);
          Tensor bias = ctx.optTensor(2);
          if (bias != null) {
            double[] b = Elements.toDoubles(bias);
            for (int i = 0; i < out.length; i++) {
              out[i] += b[i % outFeatures];
            }
          }
          return Elements.fromDoubles(out, outType);
        }))
        .build();
  }

  private static TensorType linearType(OpArgs a) {
    String name = a.op().name();
    TensorType x = a.type(0);
    TensorType w = a.type(1);
    checkArgument(x.rank() >= 1, "%s: input must have at least 1 dimension, got %s", name, x);
    checkArgument(w.rank() == 2, "%s: weight must be 2-D [out_features, in_features], got %s", name, w);
    checkArgument(x.dim(-1) == w.dim(1),
        "%s: input has %s features (last dimension of %s) but weight %s expects %s",
        name, x.dim(-1), x, w, w.dim(1));
    checkSameDtype(name, "input", x, "weight", w);
    if (!a.isNone(2)) {
      TensorType b = a.type(2);
      checkArgument(b.rank() == 1 && b.dim(0) == w.dim(0),
          "%s: bias must be [%s] to match weight %s, got %s", name, w.dim(0), w, b);
      checkSameDtype(name, "input", x, "bias", b);
    }
    List<Integer> shape = new ArrayList<>(x.shape().subList(0, x.rank() - 1));
    shape.add(w.dim(0));
    return x.withShape(shape);
  }

  private static OpDef addmm() {
    String name = "aten.addmm";
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param("mat1", ParamType.TENSOR)
        .param("mat2", ParamType.TENSOR)
        .param("beta", ParamType.SCALAR, new Literal.Int(1))
        .param("alpha", ParamType.SCALAR, new Literal.Int(1))
        .doc("beta * self + alpha * (mat1 @ mat2), self broadcast to [n, p]")
        .shape(ShapeFunction.single(a -> {
          TensorType out = mmType(a, 1, 2);
          checkArgument(Broadcasting.shape(name, a.type(0).shape(), out.shape()).equals(out.shape()),
              "%s: self %s does not broadcast to the product's shape %s", name, a.type(0), out.shape());
          checkSameDtype(name, "self", a.type(0), "mat1", a.type(1));
          return out;
        }))
        .kernel(Kernel.single(ctx -> {
          TensorType outType = mmType(ctx, 1, 2);
          int n = outType.dims()[0];
          int p = outType.dims()[1];
          int k = ctx.type(1).dims()[1];
          double[] prod = new double[n * p];
          MatMul.mm(Elements.toDoubles(ctx.tensor(1)), 0, Elements.toDoubles(ctx.tensor(2)), 0, prod, 0, n, k, p);
          double beta = ctx.scalarArg(3);
          double alpha = ctx.scalarArg(4);
          double[] self = Elements.toDoubles(ctx.tensor(0));
          int[] si = Broadcasting.sourceIndex(ctx.type(0).dims(), outType.dims());
          for (int i = 0; i < prod.length; i++) {
            // With beta == 0 self is ignored, so NaN or inf in it does not propagate (as in PyTorch).
            double s = beta == 0 ? 0 : beta * self[si == null ? i : si[i]];
            prod[i] = s + alpha * prod[i];
          }
          return Elements.fromDoubles(prod, outType);
        }))
        .build();
  }

  private static OpDef mm() {
    return OpDef.builder("aten.mm")
        .param("self", ParamType.TENSOR)
        .param("mat2", ParamType.TENSOR)
        .doc("matrix product of [n, k] and [k, p]")
        .shape(ShapeFunction.single(a -> mmType(a, 0, 1)))
        .kernel(Kernel.single(ctx -> {
          TensorType outType = mmType(ctx, 0, 1);
          int[] d = outType.dims();
          double[] out = new double[d[0] * d[1]];
          MatMul.mm(Elements.toDoubles(ctx.tensor(0)), 0, Elements.toDoubles(ctx.tensor(1)), 0, out, 0,
              d[0], ctx.type(0).dims()[1], d[1]);
          return Elements.fromDoubles(out, outType);
        }))
        .build();
  }

  /** The [n, p] result of the 2-D product of arguments {@code i} and {@code j}. */
  private static TensorType mmType(OpArgs a, int i, int j) {
    String name = a.op().name();
    TensorType x = a.type(i);
    TensorType y = a.type(j);
    checkArgument(x.rank() == 2 && y.rank() == 2, "%s: expected 2-D matrices, got %s and %s", name, x, y);
    checkArgument(x.dim(1) == y.dim(0),
        "%s: mat1 and mat2 shapes cannot be multiplied (%sx%s and %sx%s)", name, x.dim(0), x.dim(1), y.dim(0), y.dim(1));
    checkSameDtype(name, "mat1", x, "mat2", y);
    return x.withShape(List.of(x.dim(0), y.dim(1)));
  }

  private static OpDef matmul() {
    return OpDef.builder("aten.matmul")
        .param("self", ParamType.TENSOR)
        .param("other", ParamType.TENSOR)
        .doc("torch.matmul: dot, matrix-vector, matrix or batched product with broadcast batch dims")
        .shape(ShapeFunction.single(a -> MatmulShape.of(a).outType))
        .kernel(Kernel.single(LinearAlgebraOps::runMatmul))
        .build();
  }

  /** How matmul views its operands: batch dims, then [n, k] and [k, p]. */
  private static final class MatmulShape {
    final int[] batchA;
    final int[] batchB;
    final int[] batch;
    final int n;
    final int k;
    final int p;
    final TensorType outType;

    private MatmulShape(int[] batchA, int[] batchB, int[] batch, int n, int k, int p, TensorType outType) {
      this.batchA = batchA;
      this.batchB = batchB;
      this.batch = batch;
      this.n = n;
      this.k = k;
      this.p = p;
      this.outType = outType;
    }

    static MatmulShape of(OpArgs a) {
      String name = a.op().name();
      TensorType x = a.type(0);
      TensorType y = a.type(1);
      checkArgument(x.rank() >= 1 && y.rank() >= 1,
          "%s: both arguments need at least 1 dimension, got %s and %s", name, x, y);
      checkSameDtype(name, "self", x, "other", y);
      int[] xd = x.dims();
      int[] yd = y.dims();
      // A 1-D left operand is a row [1, k]; a 1-D right operand is a column [k, 1].
      int n = x.rank() == 1 ? 1 : xd[xd.length - 2];
      int k = xd[xd.length - 1];
      int k2 = y.rank() == 1 ? yd[0] : yd[yd.length - 2];
      int p = y.rank() == 1 ? 1 : yd[yd.length - 1];
      checkArgument(k == k2, "%s: shapes %s and %s cannot be multiplied (%s vs %s)", name, x.shape(), y.shape(), k, k2);
      List<Integer> ba = x.rank() > 2 ? x.shape().subList(0, x.rank() - 2) : List.of();
      List<Integer> bb = y.rank() > 2 ? y.shape().subList(0, y.rank() - 2) : List.of();
      List<Integer> batch = Broadcasting.shape(name, ba, bb);
      List<Integer> out = new ArrayList<>(batch);
      if (x.rank() > 1) {
        out.add(n);
      }
      if (y.rank() > 1) {
        out.add(p);
      }
      int[] batchArr = batch.stream().mapToInt(Integer::intValue).toArray();
      // Align the operands' batch dims to the result's rank so that broadcasting can index them.
      return new MatmulShape(pad(ba, batchArr.length), pad(bb, batchArr.length), batchArr, n, k, p,
          x.withShape(out));
    }

    private static int[] pad(List<Integer> dims, int rank) {
      int[] out = new int[rank];
      java.util.Arrays.fill(out, 1);
      for (int i = 0; i < dims.size(); i++) {
        out[rank - dims.size() + i] = dims.get(i);
      }
      return out;
    }
  }

  private static Tensor runMatmul(KernelContext ctx) {
    MatmulShape s = MatmulShape.of(ctx);
    double[] a = Elements.toDoubles(ctx.tensor(0));
    double[] b = Elements.toDoubles(ctx.tensor(1));
    int batches = Dims.product(s.batch, 0, s.batch.length);
    int[] ia = Broadcasting.sourceIndex(s.batchA, s.batch);
    int[] ib = Broadcasting.sourceIndex(s.batchB, s.batch);
    double[] out = new double[batches * s.n * s.p];
    for (int bi = 0; bi < batches; bi++) {
      int aBatch = ia == null ? bi : ia[bi];
      int bBatch = ib == null ? bi : ib[bi];
      MatMul.mm(a, aBatch * s.n * s.k, b, bBatch * s.k * s.p, out, bi * s.n * s.p, s.n, s.k, s.p);
    }
    return Elements.fromDoubles(out, s.outType);
  }

  private static OpDef t() {
    String name = "aten.t";
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .doc("transpose of a matrix; 0-D and 1-D tensors are returned as they are")
        .shape(ShapeFunction.single(LinearAlgebraOps::tType))
        .kernel(Kernel.single(ctx -> {
          Tensor x = ctx.tensor(0);
          TensorType outType = tType(ctx);
          if (x.type().rank() < 2) {
            return x.copy();
          }
          int[] d = x.dims();
          return Strided.copy(x, outType, 0, new int[] {1, d[1]});
        }))
        .build();
  }

  private static TensorType tType(OpArgs a) {
    TensorType x = a.type(0);
    checkArgument(x.rank() <= 2, "%s: expects a tensor with <= 2 dimensions, but self is %sD", a.op().name(), x.rank());
    return x.rank() < 2 ? x : x.withShape(List.of(x.dim(1), x.dim(0)));
  }

  static void checkSameDtype(String op, String what1, TensorType t1, String what2, TensorType t2) {
    checkArgument(t1.dtype() == t2.dtype(), "%s: %s and %s must have the same dtype, got %s and %s",
        op, what1, what2, t1.dtype(), t2.dtype());
  }
}
