package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
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
 * Ops that rearrange elements without computing on them: reshapes, permutations, concatenation,
 * slicing, expansion, and the identities clone and evaluation-mode dropout.
 *
 * <p>Pure reshapes (view, reshape, flatten, squeeze, unsqueeze) share their input's storage, as
 * PyTorch views do; everything else returns a new contiguous tensor.
 */
final class ShapeOps {
  private ShapeOps() {}

  static List<OpDef> definitions() {
    return List.of(
        flatten(),
        viewLike("aten.view", "size"),
        viewLike("aten.reshape", "shape"),
        permute(),
        transpose(),
        cat(),
        squeezeDim(),
        squeezeDims(),
        squeezeAll(),
        unsqueeze(),
        cloneOp(),
        zerosLike(),
        slice(),
        select(),
        dropout(),
        expand());
  }

  /** An op whose result has the input's elements in the same order, only another shape. */
  private static OpDef reshaping(OpDef.Builder b, java.util.function.Function<OpArgs, TensorType> shape) {
    return b.shape(ShapeFunction.single(shape))
        .kernel(Kernel.single(ctx -> ctx.tensor(0).reshape(shape.apply(ctx).dims())))
        .build();
  }

  private static OpDef flatten() {
    return reshaping(OpDef.builder("aten.flatten.using_ints")
        .param("self", ParamType.TENSOR)
        .param("start_dim", ParamType.INT, new Literal.Int(0))
        .param("end_dim", ParamType.INT, new Literal.Int(-1))
        .doc("merges dims start_dim..end_dim into one; a 0-dim tensor becomes [1]"),
        a -> {
          String name = a.op().name();
          TensorType x = a.type(0);
          int start = Dims.wrap(name, a.intArg(1), x.rank());
          int end = Dims.wrap(name, a.intArg(2), x.rank());
          checkArgument(start <= end, "%s: start_dim (%s) cannot come after end_dim (%s)", name, start, end);
          if (x.rank() == 0) {
            return x.withShape(List.of(1));
          }
          List<Integer> shape = new ArrayList<>(x.shape().subList(0, start));
          shape.add(Dims.product(x.dims(), start, end + 1));
          shape.addAll(x.shape().subList(end + 1, x.rank()));
          return x.withShape(shape);
        });
  }

  private static OpDef viewLike(String name, String param) {
    return reshaping(OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param(param, ParamType.INT_LIST)
        .doc("the same elements in a new shape; one dimension may be -1 (inferred)"),
        a -> a.type(0).withShape(Dims.list(inferShape(name, a.ints(1), a.type(0)))));
  }

  /** Resolves a -1 entry of a requested shape against the input's element count. */
  private static int[] inferShape(String op, int[] requested, TensorType x) {
    long numel = x.numel();
    int inferred = -1;
    long known = 1;
    for (int i = 0; i < requested.length; i++) {
      if (requested[i] == -1) {
        checkArgument(inferred < 0, "%s: only one dimension can be inferred, got %s", op, Arrays.toString(requested));
        inferred = i;
      } else {
        checkArgument(requested[i] >= 0, "%s: invalid shape dimension %s in %s", op, requested[i],
            Arrays.toString(requested));
        known *= requested[i];
      }
    }
    int[] shape = requested.clone();
    if (inferred >= 0) {
      checkArgument(known != 0 && numel % known == 0,
          "%s: shape %s is invalid for input of size %s", op, Arrays.toString(requested), numel);
      shape[inferred] = Math.toIntExact(numel / known);
    } else {
      checkArgument(known == numel, "%s: shape %s is invalid for input of size %s", op, Arrays.toString(requested),
          numel);
    }
    return shape;
  }

  private static OpDef permute() {
    String name = "aten.permute";
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param("dims", ParamType.INT_LIST)
        .doc("reorders dims: result dim i is input dim dims[i]")
        .shape(ShapeFunction.single(a -> permuteType(a, permutation(a))))
        .kernel(Kernel.single(ctx -> permuteCopy(ctx.tensor(0), permutation(ctx), permuteType(ctx, permutation(ctx)))))
        .build();
  }

  private static int[] permutation(OpArgs a) {
    String name = a.op().name();
    int rank = a.type(0).rank();
    int[] dims = a.ints(1);
    checkArgument(dims.length == rank, "%s: the number of dims (%s) must equal the input's rank %s (input %s)",
        name, dims.length, rank, a.type(0));
    int[] perm = new int[rank];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = Dims.wrap(name, dims[i], rank);
      checkArgument(!seen[perm[i]], "%s: repeated dim %s in %s", name, perm[i], Arrays.toString(dims));
      seen[perm[i]] = true;
    }
    return perm;
  }

  private static TensorType permuteType(OpArgs a, int[] perm) {
    TensorType x = a.type(0);
    List<Integer> shape = new ArrayList<>();
    for (int p : perm) {
      shape.add(x.shape().get(p));
    }
    return x.withShape(shape);
  }

  /** A contiguous copy of {@code x} with its dims reordered by {@code perm}. */
  private static Tensor permuteCopy(Tensor x, int[] perm, TensorType outType) {
    int[] inStrides = Dims.strides(x.dims());
    int[] strides = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      strides[i] = inStrides[perm[i]];
    }
    return Strided.copy(x, outType, 0, strides);
  }

  private static OpDef transpose() {
    return OpDef.builder("aten.transpose.int")
        .param("self", ParamType.TENSOR)
        .param("dim0", ParamType.INT)
        .param("dim1", ParamType.INT)
        .doc("swaps two dims")
        .shape(ShapeFunction.single(a -> permuteType(a, transposition(a))))
        .kernel(Kernel.single(ctx -> {
          Tensor x = ctx.tensor(0);
          if (x.type().rank() == 0) {
            return x.copy();
          }
          int[] perm = transposition(ctx);
          return permuteCopy(x, perm, permuteType(ctx, perm));
        }))
        .build();
  }

  private static int[] transposition(OpArgs a) {
    String name = a.op().name();
    int rank = a.type(0).rank();
    int d0 = Dims.wrap(name, a.intArg(1), rank);
    int d1 = Dims.wrap(name, a.intArg(2), rank);
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    if (rank > 0) {
      perm[d0] = d1;
      perm[d1] = d0;
    }
    return perm;
  }

  private static OpDef cat() {
    return OpDef.builder("aten.cat")
        .param("tensors", ParamType.TENSOR_LIST)
        .param("dim", ParamType.INT, new Literal.Int(0))
        .doc("concatenates along dim; dtypes are promoted; legacy empty [0] tensors are skipped")
        .shape(ShapeFunction.single(a -> catType(a.op().name(), a.types(0), a.intArg(1))))
        .kernel(Kernel.single(ShapeOps::catKernel))
        .build();
  }

  /** PyTorch skips 1-D empty tensors in cat, whatever the other inputs' shapes. */
  private static boolean skipped(TensorType t) {
    return t.rank() == 1 && t.dim(0) == 0;
  }

  private static TensorType catType(String op, List<TensorType> types, long dimArg) {
    checkArgument(!types.isEmpty(), "%s: expected a non-empty list of tensors", op);
    DType dtype = types.get(0).dtype();
    for (TensorType t : types) {
      dtype = TypePromotion.promoteTypes(dtype, t.dtype());
    }
    TensorType ref = types.stream().filter(t -> !skipped(t)).findFirst().orElse(null);
    if (ref == null) {
      return TensorType.of(dtype, 0);
    }
    int dim = Dims.wrap(op, dimArg, ref.rank());
    int total = 0;
    for (int i = 0; i < types.size(); i++) {
      TensorType t = types.get(i);
      if (skipped(t)) {
        continue;
      }
      checkArgument(t.rank() > 0, "%s: zero-dimensional tensor (at position %s) cannot be concatenated", op, i);
      checkArgument(t.rank() == ref.rank(), "%s: tensors must have the same number of dimensions: got %s and %s",
          op, ref.rank(), t.rank());
      for (int d = 0; d < ref.rank(); d++) {
        checkArgument(d == dim || t.dim(d) == ref.dim(d),
            "%s: sizes of tensors must match except in dimension %s, but got %s and %s in dimension %s for tensor %s",
            op, dim, ref.dim(d), t.dim(d), d, i);
      }
      total += t.dim(dim);
    }
    List<Integer> shape = new ArrayList<>(ref.shape());
    shape.set(dim, total);
    return new TensorType(dtype, shape);
  }

  private static Tensor catKernel(KernelContext ctx) {
    String name = ctx.op().name();
    TensorType outType = catType(name, ctx.types(0), ctx.intArg(1));
    Tensor out = Tensor.zeros(outType);
    if (outType.rank() == 1 && outType.numel() == 0) {
      return out;
    }
    int dim = Dims.wrap(name, ctx.intArg(1), outType.rank());
    int[] od = outType.dims();
    int outer = Dims.product(od, 0, dim);
    int inner = Dims.product(od, dim + 1, od.length);
    int offset = 0;
    for (Tensor t : ctx.tensors(0)) {
      if (skipped(t.type())) {
        continue;
      }
      Tensor c = Elements.cast(t, outType.dtype());
      int block = t.dims()[dim] * inner;
      for (int o = 0; o < outer; o++) {
        Strided.copyRange(c, o * block, out, o * od[dim] * inner + offset, block);
      }
      offset += block;
    }
    return out;
  }

  private static OpDef squeezeDim() {
    return reshaping(OpDef.builder("aten.squeeze.dim")
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.INT)
        .doc("removes dim if its size is 1"),
        a -> squeezed(a.type(0), new long[] {a.intArg(1)}, a.op().name()));
  }

  private static OpDef squeezeDims() {
    return reshaping(OpDef.builder("aten.squeeze.dims")
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.INT_LIST)
        .doc("removes those of the given dims whose size is 1"),
        a -> squeezed(a.type(0), Arrays.stream(a.ints(1)).asLongStream().toArray(), a.op().name()));
  }

  private static OpDef squeezeAll() {
    return reshaping(OpDef.builder("aten.squeeze")
        .param("self", ParamType.TENSOR)
        .doc("removes every dim of size 1"),
        a -> squeezed(a.type(0), null, a.op().name()));
  }

  /** {@code x} without the size-1 dims among {@code dims} (all dims when null). */
  private static TensorType squeezed(TensorType x, long[] dims, String op) {
    boolean[] candidate = new boolean[x.rank()];
    if (dims == null) {
      Arrays.fill(candidate, true);
    } else {
      for (long d : dims) {
        int w = Dims.wrap(op, d, x.rank());
        if (x.rank() > 0) {
          candidate[w] = true;
        }
      }
    }
    List<Integer> shape = new ArrayList<>();
    for (int i = 0; i < x.rank(); i++) {
      if (!(candidate[i] && x.shape().get(i) == 1)) {
        shape.add(x.shape().get(i));
      }
    }
    return x.withShape(shape);
  }

  private static OpDef unsqueeze() {
    return reshaping(OpDef.builder("aten.unsqueeze")
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.INT)
        .doc("inserts a dim of size 1 at position dim (in [-rank-1, rank])"),
        a -> {
          TensorType x = a.type(0);
          int d = Dims.wrap(a.op().name(), a.intArg(1), x.rank() + 1);
          List<Integer> shape = new ArrayList<>(x.shape());
          shape.add(d, 1);
          return x.withShape(shape);
        });
  }

  private static OpDef zerosLike() {
    return OpDef.builder("aten.zeros_like")
        .param("self", ParamType.TENSOR)
        .param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc("zeros of self's shape, of dtype (default: self's)")
        .shape(ShapeFunction.single(a -> a.isNone(1) ? a.type(0) : a.type(0).withDType(a.dtypeArg(1))))
        .kernel(Kernel.single(ctx -> Tensor.zeros(ctx.isNone(1) ? ctx.tensor(0).type()
            : ctx.tensor(0).type().withDType(ctx.dtypeArg(1)))))
        .build();
  }

  private static OpDef cloneOp() {
    return OpDef.builder("aten.clone")
        .param("self", ParamType.TENSOR)
        .doc("a copy")
        .shape(ShapeFunction.single(a -> a.type(0)))
        .kernel(Kernel.single(ctx -> ctx.tensor(0).copy()))
        .build();
  }

  private static OpDef slice() {
    return OpDef.builder("aten.slice.Tensor")
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.INT, new Literal.Int(0))
        .param("start", ParamType.OPTIONAL_INT, Literal.NONE)
        .param("end", ParamType.OPTIONAL_INT, Literal.NONE)
        .param("step", ParamType.INT, new Literal.Int(1))
        .doc("elements start, start+step, ... before end along dim; negative bounds count from the end, "
            + "out-of-range bounds are clamped")
        .shape(ShapeFunction.single(a -> Slice.of(a).outType))
        .kernel(Kernel.single(ctx -> {
          Slice s = Slice.of(ctx);
          Tensor x = ctx.tensor(0);
          int[] strides = Dims.strides(x.dims());
          int offset = s.start * strides[s.dim];
          strides[s.dim] *= s.step;
          return Strided.copy(x, s.outType, offset, strides);
        }))
        .build();
  }

  /** A slice's resolved bounds. */
  private record Slice(int dim, int start, int step, TensorType outType) {
    static Slice of(OpArgs a) {
      String name = a.op().name();
      TensorType x = a.type(0);
      checkArgument(x.rank() > 0, "%s: cannot be applied to a 0-dim tensor", name);
      int dim = Dims.wrap(name, a.intArg(1), x.rank());
      long step = a.intArg(4);
      checkArgument(step > 0, "%s: slice step must be positive, got %s", name, step);
      long size = x.dim(dim);
      long start = a.isNone(2) ? 0 : a.intArg(2);
      long end = a.isNone(3) ? Long.MAX_VALUE : a.intArg(3);
      if (start < 0) {
        start += size;
      }
      if (end < 0) {
        end += size;
      }
      start = Math.min(Math.max(start, 0), size);
      end = Math.min(Math.max(end, start), size);
      long len = (end - start + step - 1) / step;
      List<Integer> shape = new ArrayList<>(x.shape());
      shape.set(dim, (int) len);
      return new Slice(dim, (int) start, (int) Math.min(step, Integer.MAX_VALUE), x.withShape(shape));
    }
  }

  private static OpDef select() {
    String name = "aten.select.int";
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.INT)
        .param("index", ParamType.INT)
        .doc("the sub-tensor at index along dim, without that dim; a negative index counts from the end")
        .shape(ShapeFunction.single(a -> selectType(a, selectDim(a))))
        .kernel(Kernel.single(ctx -> {
          Tensor x = ctx.tensor(0);
          int dim = selectDim(ctx);
          int index = selectIndex(ctx, dim);
          int[] inStrides = Dims.strides(x.dims());
          int[] strides = new int[inStrides.length - 1];
          for (int i = 0, j = 0; i < inStrides.length; i++) {
            if (i != dim) {
              strides[j++] = inStrides[i];
            }
          }
          return Strided.copy(x, selectType(ctx, dim), index * inStrides[dim], strides);
        }))
        .build();
  }

  private static int selectDim(OpArgs a) {
    checkArgument(a.type(0).rank() > 0, "%s: cannot be applied to a 0-dim tensor", a.op().name());
    return Dims.wrap(a.op().name(), a.intArg(1), a.type(0).rank());
  }

  private static int selectIndex(OpArgs a, int dim) {
    long size = a.type(0).dim(dim);
    long index = a.intArg(2);
    checkArgument(index >= -size && index < size, "%s: index %s out of range for tensor of size %s at dimension %s",
        a.op().name(), index, a.type(0).shape(), dim);
    return (int) (index < 0 ? index + size : index);
  }

  private static TensorType selectType(OpArgs a, int dim) {
    selectIndex(a, dim);
    List<Integer> shape = new ArrayList<>(a.type(0).shape());
    shape.remove(dim);
    return a.type(0).withShape(shape);
  }

  private static OpDef dropout() {
    String name = "aten.dropout";
    return OpDef.builder(name)
        .param("input", ParamType.TENSOR)
        .param("p", ParamType.FLOAT)
        .param("train", ParamType.BOOL)
        .doc("identity when train is false; training-mode dropout is random and not supported")
        .shape(ShapeFunction.single(a -> {
          double p = a.floatArg(1);
          checkArgument(p >= 0 && p <= 1, "%s: dropout probability has to be between 0 and 1, but got %s", name, p);
          return a.type(0);
        }))
        .kernel(Kernel.single(ctx -> {
          if (ctx.boolArg(2) && ctx.floatArg(1) != 0) {
            throw new IllegalArgumentException("dropout in training mode is not supported");
          }
          Tensor x = ctx.tensor(0);
          return x.reshape(x.dims());
        }))
        .build();
  }

  private static OpDef expand() {
    String name = "aten.expand";
    return OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param("size", ParamType.INT_LIST)
        .param("implicit", ParamType.BOOL, new Literal.Bool(false))
        .doc("broadcasts size-1 dims (and new leading dims) to size; -1 keeps a dim")
        .shape(ShapeFunction.single(a -> a.type(0).withShape(Dims.list(expandedShape(a)))))
        .kernel(Kernel.single(ctx -> {
          Tensor x = ctx.tensor(0);
          int[] out = expandedShape(ctx);
          int[] inDims = x.dims();
          int[] inStrides = Dims.strides(inDims);
          int[] strides = new int[out.length];
          for (int i = 0; i < out.length; i++) {
            int j = i - (out.length - inDims.length);
            // New leading dims and stretched size-1 dims repeat the same elements (stride 0).
            strides[i] = j < 0 || (inDims[j] == 1 && out[i] != 1) ? 0 : inStrides[j];
          }
          return Strided.copy(x, x.type().withShape(Dims.list(out)), 0, strides);
        }))
        .build();
  }

  private static int[] expandedShape(OpArgs a) {
    String name = a.op().name();
    TensorType x = a.type(0);
    int[] size = a.ints(1);
    checkArgument(size.length >= x.rank(),
        "%s: the number of sizes provided (%s) must be greater or equal to the number of dimensions in the tensor (%s)",
        name, size.length, x.rank());
    int[] out = new int[size.length];
    for (int i = 0; i < size.length; i++) {
      int j = i - (size.length - x.rank());
      if (j < 0) {
        checkArgument(size[i] >= 0, "%s: the expanded size %s is not allowed in a leading, non-existing dimension %s",
            name, size[i], i);
        out[i] = size[i];
      } else {
        int cur = x.dim(j);
        int target = size[i] == -1 ? cur : size[i];
        checkArgument(target == cur || cur == 1,
            "%s: the expanded size of the tensor (%s) must match the existing size (%s) at non-singleton dimension %s; "
                + "target sizes %s, tensor sizes %s", name, target, cur, i, Arrays.toString(size), x.shape());
        out[i] = target;
      }
    }
    return out;
  }
}
