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
 * Sums and means over dimensions, softmax and log-softmax. A float32 sum over the innermost
 * dimensions is ATen's {@link CascadeSum}, bit for bit (PT2E observers see its last bits); other
 * floating-point sums accumulate in double and round once to the result dtype; integer sums
 * accumulate in 64-bit integers. A mean is the sum in the result dtype divided by the count.
 */
final class ReductionOps {
  private ReductionOps() {}

  static List<OpDef> definitions() {
    return List.of(
        meanDim(),
        meanAll(),
        sumDim(),
        sumAll(),
        softmax("aten.softmax.int", false, false),
        softmax("aten._softmax", false, true),
        softmax("aten.log_softmax.int", true, false),
        softmax("aten._log_softmax", true, true));
  }

  private static OpDef meanDim() {
    return OpDef.builder("aten.mean.dim")
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.OPTIONAL_INT_LIST)
        .param("keepdim", ParamType.BOOL, new Literal.Bool(false))
        .param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc("mean over the given dims (all dims if none or empty)")
        .shape(ShapeFunction.single(a -> Reduction.of(a, 1, 2, 3, true).outType))
        .kernel(Kernel.single(ctx -> reduce(ctx, Reduction.of(ctx, 1, 2, 3, true), true)))
        .build();
  }

  private static OpDef meanAll() {
    return OpDef.builder("aten.mean")
        .param("self", ParamType.TENSOR)
        .param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc("mean of all elements, as a 0-dim tensor")
        .shape(ShapeFunction.single(a -> Reduction.of(a, -1, -1, 1, true).outType))
        .kernel(Kernel.single(ctx -> reduce(ctx, Reduction.of(ctx, -1, -1, 1, true), true)))
        .build();
  }

  private static OpDef sumDim() {
    return OpDef.builder("aten.sum.dim_IntList")
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.OPTIONAL_INT_LIST)
        .param("keepdim", ParamType.BOOL, new Literal.Bool(false))
        .param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc("sum over the given dims (all dims if none or empty); integer and bool inputs sum to i64")
        .shape(ShapeFunction.single(a -> Reduction.of(a, 1, 2, 3, false).outType))
        .kernel(Kernel.single(ctx -> reduce(ctx, Reduction.of(ctx, 1, 2, 3, false), false)))
        .build();
  }

  private static OpDef sumAll() {
    return OpDef.builder("aten.sum")
        .param("self", ParamType.TENSOR)
        .param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc("sum of all elements, as a 0-dim tensor; integer and bool inputs sum to i64")
        .shape(ShapeFunction.single(a -> Reduction.of(a, -1, -1, 1, false).outType))
        .kernel(Kernel.single(ctx -> reduce(ctx, Reduction.of(ctx, -1, -1, 1, false), false)))
        .build();
  }

  /** Which dims a sum or mean reduces, and its result type. */
  private static final class Reduction {
    final boolean[] reduced;
    final TensorType outType;

    private Reduction(boolean[] reduced, TensorType outType) {
      this.reduced = reduced;
      this.outType = outType;
    }

    /** Reads dim/keepdim/dtype at the given positions; -1 means the op has no such parameter. */
    static Reduction of(OpArgs a, int dimIdx, int keepdimIdx, int dtypeIdx, boolean mean) {
      String name = a.op().name();
      TensorType x = a.type(0);
      int rank = x.rank();
      boolean[] reduced = new boolean[rank];
      int[] dims = dimIdx < 0 || a.isNone(dimIdx) ? new int[0] : a.ints(dimIdx);
      if (dims.length == 0) {
        java.util.Arrays.fill(reduced, true);
      }
      for (int d : dims) {
        int w = Dims.wrap(name, d, rank);
        checkArgument(rank == 0 || !reduced[w], "%s: dim %s appears multiple times in the list of dims", name, w);
        if (rank > 0) {
          reduced[w] = true;
        }
      }
      boolean keepdim = keepdimIdx >= 0 && a.boolArg(keepdimIdx);
      DType dtype;
      if (!a.isNone(dtypeIdx)) {
        dtype = a.dtypeArg(dtypeIdx);
      } else if (mean) {
        dtype = x.dtype();
        checkArgument(dtype.isFloatingPoint(),
            "%s: could not infer output dtype; input dtype must be floating point, got %s", name, dtype);
      } else {
        dtype = x.dtype().isFloatingPoint() ? x.dtype() : DType.I64;
      }
      checkArgument(!mean || dtype.isFloatingPoint(), "%s: dtype must be floating point, got %s", name, dtype);
      List<Integer> shape = new ArrayList<>();
      for (int i = 0; i < rank; i++) {
        if (!reduced[i]) {
          shape.add(x.shape().get(i));
        } else if (keepdim) {
          shape.add(1);
        }
      }
      return new Reduction(reduced, new TensorType(dtype, shape));
    }
  }

  private static Tensor reduce(KernelContext ctx, Reduction r, boolean mean) {
    Tensor x = Elements.cast(ctx.tensor(0), r.outType.dtype());
    int[] dims = x.dims();
    int rank = dims.length;
    // Strides of the output (reduced dims contribute 0), aligned to the input's dims.
    int[] outStrides = new int[rank];
    int stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
      if (!r.reduced[d]) {
        outStrides[d] = stride;
        stride *= dims[d];
      }
    }
    int outCount = r.outType.numelInt();
    int n = x.numel();
    int[] counter = new int[rank];
    int pos = 0;
    Tensor out = Tensor.zeros(r.outType);
    if (!r.outType.dtype().isFloatingPoint()) {
      long[] acc = new long[outCount];
      for (int i = 0; i < n; i++) {
        acc[pos] += x.getLong(i);
        pos = step(counter, dims, outStrides, pos);
      }
      for (int i = 0; i < outCount; i++) {
        out.setLong(i, acc[i]);
      }
      return out;
    }
    int count = 1;
    for (int d = 0; d < rank; d++) {
      if (r.reduced[d]) {
        count *= dims[d];
      }
    }
    double[] acc = new double[outCount];
    if (x.dtype() == DType.F32 && reducesInnermost(r.reduced) && n < CascadeSum.ATEN_GRAIN_SIZE) {
      // ATen's float32 cascade over each contiguous run, bit for bit (see CascadeSum).
      float[] values = x.floats();
      for (int i = 0; i < outCount; i++) {
        acc[i] = CascadeSum.sum(values, i * count, count);
      }
    } else {
      double[] values = Elements.toDoubles(x);
      for (int i = 0; i < n; i++) {
        acc[pos] += values[i];
        pos = step(counter, dims, outStrides, pos);
      }
    }
    boolean single = r.outType.dtype() != DType.F64;
    for (int i = 0; i < outCount; i++) {
      // PyTorch's mean is the sum in the result dtype, then divided by the count in that dtype.
      double s = single ? Elements.fl(acc[i]) : acc[i];
      out.setDouble(i, mean ? s / count : s);
    }
    return out;
  }

  /** Whether the reduced dims are exactly the innermost ones, so each output sums a contiguous run. */
  private static boolean reducesInnermost(boolean[] reduced) {
    int d = reduced.length - 1;
    while (d >= 0 && reduced[d]) {
      d--;
    }
    for (; d >= 0; d--) {
      if (reduced[d]) {
        return false;
      }
    }
    return true;
  }

  /** Advances the input multi-index odometer and returns the matching output position. */
  private static int step(int[] counter, int[] dims, int[] outStrides, int pos) {
    for (int d = dims.length - 1; d >= 0; d--) {
      counter[d]++;
      pos += outStrides[d];
      if (counter[d] < dims[d]) {
        return pos;
      }
      pos -= outStrides[d] * counter[d];
      counter[d] = 0;
    }
    return pos;
  }

  /**
   * softmax.int / log_softmax.int (self, dim, dtype=None) and _softmax / _log_softmax
   * (self, dim, half_to_float).
   */
  private static OpDef softmax(String name, boolean log, boolean internal) {
    OpDef.Builder b = OpDef.builder(name)
        .param("self", ParamType.TENSOR)
        .param("dim", ParamType.INT);
    if (internal) {
      b.param("half_to_float", ParamType.BOOL);
    } else {
      b.param("dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE);
    }
    return b.doc(log ? "log(softmax(x)) along dim, computed as x - max - log(sum(exp(x - max)))"
            : "exp(x - max) / sum(exp(x - max)) along dim")
        .shape(ShapeFunction.single(a -> softmaxType(a, internal)))
        .kernel(Kernel.single(ctx -> {
          TensorType outType = softmaxType(ctx, internal);
          Tensor x = ctx.tensor(0);
          int dim = Dims.wrap(name, ctx.intArg(1), x.type().rank());
          return softmaxKernel(x, dim, outType, log);
        }))
        .build();
  }

  private static TensorType softmaxType(OpArgs a, boolean internal) {
    String name = a.op().name();
    TensorType x = a.type(0);
    Dims.wrap(name, a.intArg(1), x.rank());
    DType dtype = x.dtype();
    if (internal) {
      if (a.boolArg(2)) {
        checkArgument(dtype == DType.F16 || dtype == DType.BF16,
            "%s: half_to_float is only valid for f16 and bf16 inputs, got %s", name, dtype);
        dtype = DType.F32;
      }
    } else if (!a.isNone(2)) {
      dtype = a.dtypeArg(2);
    }
    checkArgument(dtype.isFloatingPoint(), "%s: expected a floating-point tensor or dtype, got %s", name, dtype);
    return x.withDType(dtype);
  }

  private static Tensor softmaxKernel(Tensor x, int dim, TensorType outType, boolean log) {
    int[] dims = x.dims();
    int size = dims.length == 0 ? 1 : dims[dim];
    int inner = dims.length == 0 ? 1 : Dims.product(dims, dim + 1, dims.length);
    int outer = dims.length == 0 ? 1 : Dims.product(dims, 0, dim);
    // Values first converted to the result dtype (the dtype argument casts the input).
    double[] v = Elements.toDoubles(Elements.cast(x, outType.dtype()));
    double[] out = new double[v.length];
    boolean single = outType.dtype() != DType.F64;
    for (int o = 0; o < outer; o++) {
      for (int in = 0; in < inner; in++) {
        int base = o * size * inner + in;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
          double e = v[base + i * inner];
          if (e > max || Double.isNaN(e)) {
            max = e;
          }
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
          double shifted = v[base + i * inner] - max;
          if (single) {
            shifted = Elements.fl(shifted);
          }
          double e = Math.exp(shifted);
          out[base + i * inner] = e;
          sum += e;
        }
        double logSum = Math.log(sum);
        for (int i = 0; i < size; i++) {
          int p = base + i * inner;
          out[p] = log ? (v[p] - max) - logSum : out[p] / sum;
        }
      }
    }
    return Elements.fromDoubles(out, outType);
  }
}
