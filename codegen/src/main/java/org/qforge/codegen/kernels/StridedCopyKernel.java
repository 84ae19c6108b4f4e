package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.store;

import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Argument;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * Ops that return a strided view of their input, materialized as a contiguous copy (what the
 * interpreter's {@code Strided.copy} does), for a tensor of any dtype: {@code aten.permute},
 * {@code aten.transpose.int}, {@code aten.slice.Tensor}, {@code aten.select.int} and
 * {@code aten.expand}. Result element at multi-index {@code i} is the input's element at flat
 * position {@code offset + Σ i[d] · stride[d]}; the elements are copied bit for bit.
 */
final class StridedCopyKernel implements KernelGenerator {

  /** The input position of a view: its offset and the strides along each result dim. */
  private record View(int offset, int[] strides) {}

  @FunctionalInterface
  private interface ViewOf {
    View of(Node node, int[] inDims, int[] outDims);
  }

  private final ViewOf view;

  private StridedCopyKernel(ViewOf view) {
    this.view = view;
  }

  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    Value xv = (Value) node.arg(0);
    int[] inDims = xv.type().dims();
    int[] od = node.result().type().dims();
    View w = view.of(node, inDims, od);
    Access in = Access.of(plan, xv);
    Access out = Access.of(plan, node.result());
    Nest nest = new Nest("i", od, Nest.rowMajor(od), w.strides());
    return nest.wrap(store(out.array(), out.index(nest.index(0)), in.load(add(i(w.offset()), nest.index(1)))));
  }

  /** {@code aten.permute(self, dims)}: result dim d is input dim {@code dims[d]}. */
  static KernelGenerator permute() {
    return new StridedCopyKernel((node, in, out) -> {
      int[] dims = ((Literal.IntList) node.arg("dims")).toIntArray();
      int[] own = Nest.rowMajor(in);
      int[] s = new int[dims.length];
      for (int d = 0; d < dims.length; d++) {
        s[d] = own[wrap(dims[d], in.length)];
      }
      return new View(0, s);
    });
  }

  /** {@code aten.transpose.int(self, dim0, dim1)}: the two dims swapped. */
  static KernelGenerator transpose() {
    return new StridedCopyKernel((node, in, out) -> {
      int[] s = Nest.rowMajor(in);
      if (in.length > 0) {
        int d0 = wrap(IntegerArithmetic.intLiteral(node, "dim0"), in.length);
        int d1 = wrap(IntegerArithmetic.intLiteral(node, "dim1"), in.length);
        int t = s[d0];
        s[d0] = s[d1];
        s[d1] = t;
      }
      return new View(0, s);
    });
  }

  /**
   * {@code aten.slice.Tensor(self, dim, start, end, step)}: start counts from the end when negative
   * and is clamped to [0, size], as in the interpreter; the result's shape gives the length.
   */
  static KernelGenerator slice() {
    return new StridedCopyKernel((node, in, out) -> {
      int dim = wrap(IntegerArithmetic.intLiteral(node, "dim"), in.length);
      long size = in[dim];
      Argument startArg = node.arg("start");
      long start = startArg instanceof Literal.Int n ? n.value() : 0;
      if (start < 0) {
        start += size;
      }
      start = Math.min(Math.max(start, 0), size);
      int step = Math.toIntExact(IntegerArithmetic.intLiteral(node, "step"));
      int[] s = Nest.rowMajor(in);
      int offset = Math.toIntExact(start * s[dim]);
      s[dim] = Math.multiplyExact(s[dim], step);
      return new View(offset, s);
    });
  }

  /** {@code aten.select.int(self, dim, index)}: the sub-tensor at index (negative from the end), dim dropped. */
  static KernelGenerator select() {
    return new StridedCopyKernel((node, in, out) -> {
      int dim = wrap(IntegerArithmetic.intLiteral(node, "dim"), in.length);
      long index = IntegerArithmetic.intLiteral(node, "index");
      if (index < 0) {
        index += in[dim];
      }
      int[] own = Nest.rowMajor(in);
      int[] s = new int[in.length - 1];
      for (int d = 0, j = 0; d < in.length; d++) {
        if (d != dim) {
          s[j++] = own[d];
        }
      }
      return new View(Math.toIntExact(index * own[dim]), s);
    });
  }

  /** {@code aten.expand(self, size)}: new leading dims and stretched size-1 dims repeat elements (stride 0). */
  static KernelGenerator expand() {
    return new StridedCopyKernel((node, in, out) ->
        new View(0, IntegerElementwiseKernels.broadcastStrides(in, out)));
  }

  private static int wrap(long dim, int rank) {
    int r = Math.max(rank, 1);
    return (int) (dim < 0 ? dim + r : dim);
  }
}
