package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.and;
import static org.qforge.codegen.loop.Kb.d;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.toDouble;

import java.util.Arrays;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Kb;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * Element-by-element integer ops: {@code qforge.quantized_add} and {@code quantized_mul} (with
 * PyTorch's broadcasting of the two operands) and {@code qforge.requantize}.
 *
 * <p>An add of two same-shaped int8 tensors runs on the Vector API ({@code
 * Int8VectorKernels.quantizedAdd}) where it can, with the scalar loop as its fallback. Other large
 * adds and muls read their result from a table of all 65,536 operand pairs ({@link
 * ByteOperandTable}): one load instead of the double arithmetic, 2.3–3.1× faster than the loop. (A
 * first Vector API add, before the conv kernels summed floats, made C2 compile the conv kernel
 * badly in most JDK 17 runs: resnet20 1.3 → 12–19 ms; bench/README.md, step 10.)
 */
final class IntegerElementwiseKernels {
  private IntegerElementwiseKernels() {}

  /**
   * {@code qforge.quantized_add}: with a = self and b = other broadcast to the result's shape,
   *
   * <pre>
   *   real = (double) (a - a_zp) · s_a + (double) (b - b_zp) · s_b     // two exact products, one rounded sum
   *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
   * </pre>
   */
  static KernelGenerator quantizedAdd() {
    return binary(true);
  }

  /**
   * {@code qforge.quantized_mul}: with a = self and b = other broadcast to the result's shape,
   *
   * <pre>
   *   real = (double) ((a - a_zp) · (b - b_zp)) · (s_a · s_b)   // int product exact; s_a · s_b exact, baked
   *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
   * </pre>
   */
  static KernelGenerator quantizedMul() {
    return binary(false);
  }

  private static KernelGenerator binary(boolean isAdd) {
    return new KernelGenerator() {
      @Override
      public Stmt body(Node node, ExecutionPlan plan) {
        Slot table = plan.derivedConstant(node);
        Stmt scalar = table == null ? arithmetic(node, plan, isAdd) : lookedUp(node, plan, table);
        return isAdd && vectorAdd(node) ? new Stmt.VectorOrScalar(vectorAdd(node, plan), scalar) : scalar;
      }

      /** A table where the op is large, except for adds the Vector API kernel takes. */
      @Override
      public Tensor derivedConstant(Node node) {
        return ByteOperandTable.worthwhile(node) && !(isAdd && vectorAdd(node)) ? ByteOperandTable.of(node) : null;
      }
    };
  }

  /**
   * True if {@code Int8VectorKernels.quantizedAdd} can compute this add: int8 operands of the
   * result's shape (no broadcasting), an int8 or uint8 result, and scales for which the real value
   * divided by the output scale is never NaN.
   */
  static boolean vectorAdd(Node node) {
    Value av = (Value) node.arg("self");
    Value bv = (Value) node.arg("other");
    Value out = node.result();
    DType o = out.type().dtype();
    return av.type().dtype() == DType.I8 && bv.type().dtype() == DType.I8 && (o == DType.I8 || o == DType.U8)
        && Arrays.equals(av.type().dims(), out.type().dims()) && Arrays.equals(bv.type().dims(), out.type().dims())
        && Double.isFinite(IntegerArithmetic.scale(node, "self_scale"))
        && Double.isFinite(IntegerArithmetic.scale(node, "other_scale"))
        && IntegerArithmetic.Output.of(node).finiteDivisor();
  }

  private static Stmt vectorAdd(Node node, ExecutionPlan plan) {
    return VectorKernelCalls.quantizedAdd(Access.of(plan, (Value) node.arg("self")),
        Access.of(plan, (Value) node.arg("other")), Access.of(plan, node.result()), node.result().type().numelInt(),
        IntegerArithmetic.scale(node, "self_scale"), IntegerArithmetic.intLiteral(node, "self_zero_point"),
        IntegerArithmetic.scale(node, "other_scale"), IntegerArithmetic.intLiteral(node, "other_zero_point"),
        IntegerArithmetic.Output.of(node));
  }

  /** {@code out[i] = table[(a & 0xff) · 256 + (b & 0xff)]} with a and b the stored operand bytes. */
  private static Stmt lookedUp(Node node, ExecutionPlan plan, Slot table) {
    Value av = (Value) node.arg("self");
    Value bv = (Value) node.arg("other");
    int[] od = node.result().type().dims();
    Access out = Access.of(plan, node.result());
    Nest nest = new Nest("i", od, Nest.rowMajor(od), broadcastStrides(av.type().dims(), od),
        broadcastStrides(bv.type().dims(), od));
    Expr a = and(Access.of(plan, av).load(nest.index(1)), i(0xff));
    Expr b = and(Access.of(plan, bv).load(nest.index(2)), i(0xff));
    Access entries = new Access(table.arena().param(), table.offset());
    return nest.wrap(store(out.array(), out.index(nest.index(0)), entries.load(add(mul(a, i(256)), b))));
  }

  private static Stmt arithmetic(Node node, ExecutionPlan plan, boolean isAdd) {
    Value av = (Value) node.arg("self");
    Value bv = (Value) node.arg("other");
    double sa = IntegerArithmetic.scale(node, "self_scale");
    double sb = IntegerArithmetic.scale(node, "other_scale");
    long za = IntegerArithmetic.intLiteral(node, "self_zero_point");
    long zb = IntegerArithmetic.intLiteral(node, "other_zero_point");
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    int[] od = node.result().type().dims();
    Access out = Access.of(plan, node.result());
    Nest nest = new Nest("i", od, Nest.rowMajor(od), broadcastStrides(av.type().dims(), od),
        broadcastStrides(bv.type().dims(), od));
    Expr a = IntegerArithmetic.centred(IntegerArithmetic.element(plan, av, nest.index(1)), za);
    Expr b = IntegerArithmetic.centred(IntegerArithmetic.element(plan, bv, nest.index(2)), zb);
    Expr real = isAdd
        ? add(mul(toDouble(a), d(sa)), mul(toDouble(b), d(sb)))
        : mul(toDouble(mul(a, b)), d(sa * sb));
    // With finite scales and a nonzero output scale, real / s_out is never NaN.
    boolean finite = Double.isFinite(sa) && Double.isFinite(sb) && output.finiteDivisor();
    return nest.wrap(store(out.array(), scalarStoreIndex(out, nest),
        finite ? output.quantizeFinite(real) : output.quantize(real)));
  }

  /**
   * {@code qforge.requantize}: each element x becomes
   * {@code (int) min(max(rint(((double) (x - zp_in) · s_in) / s_out) + zp_out, out_min), out_max)};
   * with equal scales and zero points that is exactly {@code min(max(x, out_min), out_max)}, which
   * is what the kernel computes then.
   */
  static KernelGenerator requantize() {
    return (node, plan) -> {
      Value xv = (Value) node.arg("self");
      double s = IntegerArithmetic.scale(node, "input_scale");
      long zp = IntegerArithmetic.intLiteral(node, "input_zero_point");
      IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
      int[] od = node.result().type().dims();
      Access out = Access.of(plan, node.result());
      Nest nest = new Nest("i", od, Nest.rowMajor(od));
      return nest.wrap(store(out.array(), scalarStoreIndex(out, nest),
          output.requantize(IntegerArithmetic.element(plan, xv, nest.index(0)), s, zp)));
    };
  }

  /**
   * The output index with {@link Kb#opaqueZero()} added: these loops read and write one scratch
   * array at constant offsets, and C2's vector form of them is 6× slower than its scalar loop
   * (see {@code OpaqueZero}; resnet20's nine quantized adds took 1.0 ms of a 2.2 ms run).
   */
  private static Expr scalarStoreIndex(Access out, Nest nest) {
    return add(out.index(nest.index(0)), Kb.opaqueZero());
  }

  /**
   * The strides with which an operand of {@code dims} is read at each index of {@code outDims}, under
   * broadcasting (dims aligned from the right; missing and stretched size-1 dims have stride 0).
   */
  static int[] broadcastStrides(int[] dims, int[] outDims) {
    int[] own = Nest.rowMajor(dims);
    int[] s = new int[outDims.length];
    for (int d = 0; d < outDims.length; d++) {
      int j = d - (outDims.length - dims.length);
      s[d] = j < 0 || dims[j] == 1 ? 0 : own[j];
    }
    return s;
  }
}
