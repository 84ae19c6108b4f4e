package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.call;
import static org.qforge.codegen.loop.Kb.d;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.floatVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.longVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.toDouble;
import static org.qforge.codegen.loop.Kb.toFloat;
import static org.qforge.codegen.loop.Kb.toInt;
import static org.qforge.codegen.loop.Kb.toLong;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayKind;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Value;

/**
 * The boundary of an integer program: {@code quantized_decomposed.quantize_per_tensor} (f32 in,
 * i8/u8/i32 out) and {@code quantized_decomposed.dequantize_per_tensor} (i8/u8/i32 in, f32 out), with
 * literal scale and zero point, and their per-channel forms (which a program whose weights were not
 * folded computes on its weights), in the float32 arithmetic of PyTorch's kernels as
 * {@code org.qforge.ir.ops.AffineQuantization} reproduces it.
 */
final class QuantizeKernels {
  private QuantizeKernels() {}

  /**
   * {@code quantize_per_tensor(x, scale, zero_point, quant_min, quant_max, dtype)}: with
   * {@code inv = (float) (1.0 / scale)} (the reciprocal in double, then rounded), {@code zp = (float)
   * zero_point}, {@code lo = (float) quant_min}, {@code hi = (float) quant_max}, each element is
   *
   * <pre>
   *   p = x * inv                                  // float multiply
   *   t = (float) (Math.rint((double) p) + zp)     // half to even; the sum is a float add
   *   t = Math.min(Math.max(t, lo), hi)            // float clamp; NaN stays NaN
   *   q = (dtype) (int) (long) t                   // NaN gives 0; i32 wraps as the interpreter's (long) does
   * </pre>
   *
   * <p>Into int8 or uint8, on the Vector API where it runs ({@code Int8VectorKernels.quantize}).
   */
  static KernelGenerator quantizePerTensor() {
    return (node, plan) -> {
      Value xv = (Value) node.arg(0);
      if (xv.type().dtype() != DType.F32) {
        throw unsupported(node, "quantizes " + xv.type() + "; compiled models quantize f32 only");
      }
      double scale = IntegerArithmetic.floatLiteral(node, "scale");
      long zeroPoint = IntegerArithmetic.intLiteral(node, "zero_point");
      float inv = (float) (1.0 / scale);
      float zp = (float) zeroPoint;
      float lo = (float) IntegerArithmetic.intLiteral(node, "quant_min");
      float hi = (float) IntegerArithmetic.intLiteral(node, "quant_max");
      Access x = Access.of(plan, xv);
      Access out = Access.of(plan, node.result());
      Local i = intVar("i");
      Expr p = mul(x.load(v(i)), f(inv));
      Expr t = toFloat(add(call(MathFn.RINT, toDouble(p)), d(zp)));
      Expr clamped = call(MathFn.MIN_FLOAT, call(MathFn.MAX_FLOAT, t, f(lo)), f(hi));
      Expr q = toInt(toLong(clamped));
      if (out.array().kind().element() == Kind.LONG) {
        q = toLong(clamped);
      }
      int n = node.result().type().numelInt();
      Stmt scalar = forLoop(i, n, store(out.array(), out.index(v(i)), q));
      // Byte outputs on the Vector API: the same float operations (Int8VectorKernels.quantize).
      boolean bytes = out.array().kind() == ArrayKind.BYTE && x.array().kind() == ArrayKind.FLOAT
          && Math.max(Math.abs(zp), Math.max(Math.abs(lo), Math.abs(hi))) < 0x1p21f;
      return bytes ? new Stmt.VectorOrScalar(VectorKernelCalls.quantize(x, out, n, inv, zp, lo, hi), scalar) : scalar;
    };
  }

  /**
   * {@code dequantize_per_tensor(q, scale, zero_point, ..., out_dtype=f32)}: with {@code s = (float)
   * scale} and {@code zp = (float) zero_point}, each element is {@code ((float) q - zp) * s} in float
   * arithmetic (u8 elements read as {@code b & 0xff}).
   */
  static KernelGenerator dequantizePerTensor() {
    return (node, plan) -> {
      if (node.result().type().dtype() != DType.F32) {
        throw unsupported(node, "dequantizes to " + node.result().type().dtype() + "; compiled models dequantize"
            + " to f32 only");
      }
      Value qv = (Value) node.arg(0);
      float s = (float) IntegerArithmetic.floatLiteral(node, "scale");
      float zp = (float) IntegerArithmetic.intLiteral(node, "zero_point");
      Access out = Access.of(plan, node.result());
      Local i = intVar("i");
      Expr q = Access.of(plan, qv).load(v(i));
      if (qv.type().dtype() == DType.U8) {
        q = IntegerArithmetic.element(plan, qv, v(i));
      }
      Expr value = mul(sub(toFloat(q), f(zp)), f(s));
      return forLoop(i, node.result().type().numelInt(), store(out.array(), out.index(v(i)), value));
    };
  }

  /**
   * {@code quantize_per_channel(x, scales, zero_points, axis, quant_min, quant_max, dtype)} with f32
   * scales (one per slice along {@code axis}, or one for all): with {@code inv = 1f / scales[c]}
   * (a float division, unlike the per-tensor reciprocal), {@code zp = (float) zero_points[c]},
   * {@code lo = (float) quant_min}, {@code hi = (float) quant_max}, element x of slice c is
   *
   * <pre>
   *   p = x * inv                                  // float multiply
   *   t = (float) (Math.rint((double) p) + zp)     // half to even; the sum is a float add
   *   t = Math.min(Math.max(t, lo), hi)            // float clamp; NaN stays NaN
   *   q = (dtype) (int) (long) t
   * </pre>
   *
   * (f64 scales or zero points, which promote the arithmetic to double, are not supported.)
   */
  static KernelGenerator quantizePerChannel() {
    return (node, plan) -> {
      Value xv = (Value) node.arg("input");
      Value sv = (Value) node.arg("scales");
      Value zv = (Value) node.arg("zero_points");
      if (xv.type().dtype() != DType.F32 || sv.type().dtype() != DType.F32 || zv.type().dtype() == DType.F64) {
        throw unsupported(node, "takes " + xv.type() + " with scales " + sv.type() + " and zero points " + zv.type()
            + "; compiled models quantize f32 with f32 scales and integer or f32 zero points only");
      }
      float lo = (float) IntegerArithmetic.intLiteral(node, "quant_min");
      float hi = (float) IntegerArithmetic.intLiteral(node, "quant_max");
      Channels ch = Channels.of(node, node.result().type().dims(), sv.type().numelInt());
      Access x = Access.of(plan, xv);
      Access out = Access.of(plan, node.result());
      Local inv = floatVar("inv");
      Local zp = floatVar("zp");
      Local j = intVar("j");
      Expr idx = ch.index(v(j));
      Expr t = toFloat(add(call(MathFn.RINT, toDouble(mul(x.load(idx), v(inv)))), toDouble(v(zp))));
      Expr clamped = call(MathFn.MIN_FLOAT, call(MathFn.MAX_FLOAT, t, f(lo)), f(hi));
      Expr q = out.array().kind().element() == Kind.LONG ? toLong(clamped) : toInt(toLong(clamped));
      return ch.loops(
          block(assign(inv, div(f(1f), Access.of(plan, sv).load(ch.param()))),
              assign(zp, floatOf(plan, zv, ch.param()))),
          forLoop(j, ch.inner, store(out.array(), out.index(idx), q)));
    };
  }

  /**
   * {@code dequantize_per_channel(q, scales, zero_points, axis, ..., out_dtype=f32)} with f32 scales,
   * in PyTorch's type promotion as the interpreter follows it: for element q of slice c,
   *
   * <pre>
   *   i64 zero points:  (float) ((long) q - zero_points[c]) * scales[c]     // exact difference, float multiply
   *   i32 zero points:  (float) (q - zero_points[c]) * scales[c]            // int difference (wrapping as i32)
   *   no zero points:   (float) q * scales[c]
   *   f32 zero points:  ((float) q - zero_points[c]) * scales[c]           // float arithmetic
   * </pre>
   */
  static KernelGenerator dequantizePerChannel() {
    return (node, plan) -> {
      Value qv = (Value) node.arg("input");
      Value sv = (Value) node.arg("scales");
      Value zv = node.arg("zero_points") instanceof Value z ? z : null;
      DType zt = zv == null ? null : zv.type().dtype();
      DType qt = qv.type().dtype();
      if (node.result().type().dtype() != DType.F32 || sv.type().dtype() != DType.F32
          || !(qt == DType.I8 || qt == DType.U8 || qt == DType.I32)
          || !(zt == null || zt == DType.I64 || zt == DType.I32 || zt == DType.F32)) {
        throw unsupported(node, "dequantizes " + qv.type() + " to " + node.result().type().dtype() + " with scales "
            + sv.type() + " and zero points " + (zv == null ? "none" : zv.type()) + "; compiled models support i8, u8"
            + " and i32 to f32 with f32 scales and i64, i32, f32 or no zero points");
      }
      Channels ch = Channels.of(node, qv.type().dims(), sv.type().numelInt());
      Access out = Access.of(plan, node.result());
      Local s = floatVar("s");
      Local j = intVar("j");
      Expr idx = ch.index(v(j));
      Expr q = IntegerArithmetic.element(plan, qv, idx);
      List<Stmt> perChannel = new ArrayList<>();
      perChannel.add(assign(s, Access.of(plan, sv).load(ch.param())));
      Expr diff;
      if (zt == null) {
        diff = toFloat(q);
      } else if (zt == DType.F32) {
        Local z = floatVar("z");
        perChannel.add(assign(z, Access.of(plan, zv).load(ch.param())));
        diff = sub(toFloat(q), v(z));
      } else if (zt == DType.I64) {
        Local z = longVar("z");
        perChannel.add(assign(z, Access.of(plan, zv).load(ch.param())));
        diff = toFloat(sub(toLong(q), v(z)));
      } else {
        Local z = intVar("z");
        perChannel.add(assign(z, Access.of(plan, zv).load(ch.param())));
        diff = toFloat(sub(q, v(z)));
      }
      return ch.loops(block(perChannel.toArray(Stmt[]::new)),
          forLoop(j, ch.inner, store(out.array(), out.index(idx), mul(diff, v(s)))));
    };
  }

  /** Element {@code index} of an integer or f32 tensor as a float ({@code (float)} of the integer). */
  private static Expr floatOf(ExecutionPlan plan, Value v, Expr index) {
    if (v.type().dtype() == DType.F32) {
      return Access.of(plan, v).load(index);
    }
    Expr e = v.type().dtype() == DType.U8 ? IntegerArithmetic.element(plan, v, index) : Access.of(plan, v).load(index);
    return toFloat(e);
  }

  /**
   * The slices of a per-channel op: {@code outer} blocks of {@code count} channels of {@code inner}
   * elements each; {@code params} parameter sets (1: all channels share set 0).
   */
  private record Channels(int outer, int count, int inner, int params, Local o, Local c) {
    static Channels of(Node node, int[] dims, int params) {
      long axisArg = IntegerArithmetic.intLiteral(node, "axis");
      int axis = (int) (axisArg < 0 ? axisArg + dims.length : axisArg);
      int outer = 1;
      for (int d = 0; d < axis; d++) {
        outer *= dims[d];
      }
      int inner = 1;
      for (int d = axis + 1; d < dims.length; d++) {
        inner *= dims[d];
      }
      return new Channels(outer, dims[axis], inner, params, intVar("o"), intVar("c"));
    }

    /** The flat index of element {@code j} of the current slice. */
    Expr index(Expr j) {
      return add(mul(add(mul(v(o), i(count)), v(c)), i(inner)), j);
    }

    /** The index of the current slice's parameters. */
    Expr param() {
      return params == 1 ? i(0) : v(c);
    }

    /** {@code perChannel} then {@code body} inside the loops over blocks and channels. */
    Stmt loops(Stmt perChannel, Stmt body) {
      return forLoop(o, outer, forLoop(c, count, perChannel, body));
    }
  }

  private static QforgeException unsupported(Node node, String what) {
    return new QforgeException("node %" + node.name() + " (" + node.op().name() + ") " + what);
  }
}
