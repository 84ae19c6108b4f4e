package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.call;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import java.util.function.UnaryOperator;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.BinOp;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.DType;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Value;

/** f32 elementwise ops: relu, hardtanh, clamp, and add/sub/mul/div of equal shapes or with a number. */
final class ElementwiseKernels {
  private ElementwiseKernels() {}

  /** relu: {@code x > 0 ? x : 0}, written as Java's {@code Math.max(x, 0f)} — NaN stays NaN as in the interpreter. */
  static KernelGenerator relu() {
    return unary(x -> call(MathFn.MAX_FLOAT, x, f(0f)));
  }

  /** hardtanh(min_val, max_val) and clamp(min, max): {@code Math.min(Math.max(x, lo), hi)}. */
  static KernelGenerator clamp() {
    return (node, plan) -> {
      float lo = bound(node.arg(1), Float.NEGATIVE_INFINITY);
      float hi = bound(node.arg(2), Float.POSITIVE_INFINITY);
      return unary(x -> call(MathFn.MIN_FLOAT, call(MathFn.MAX_FLOAT, x, f(lo)), f(hi))).body(node, plan);
    };
  }

  private static float bound(org.qforge.ir.Argument a, float none) {
    if (a instanceof Literal.Int n) {
      return n.value();
    }
    if (a instanceof Literal.Float d) {
      return (float) d.value();
    }
    return none;
  }

  private static KernelGenerator unary(UnaryOperator<Expr> f) {
    return (node, plan) -> {
      requireF32(node);
      Access in = Access.of(plan, (Value) node.arg(0));
      Access out = Access.of(plan, node.result());
      Local i = intVar("i");
      return forLoop(i, node.result().type().numelInt(), store(out.array(), out.index(v(i)), f.apply(in.load(v(i)))));
    };
  }

  /** Binary arithmetic on two f32 tensors of the result's shape, or a tensor and a number. */
  static KernelGenerator binary(BinOp op) {
    return (node, plan) -> {
      requireF32(node);
      if (node.op().hasParam("alpha") && !node.arg("alpha").equals(new Literal.Int(1))) {
        throw new QforgeException("node %" + node.name() + ": alpha other than 1 is not supported in compiled models");
      }
      Local i = intVar("i");
      Access out = Access.of(plan, node.result());
      Expr a = operand(node, 0, plan, v(i));
      Expr b = operand(node, 1, plan, v(i));
      return forLoop(i, node.result().type().numelInt(), store(out.array(), out.index(v(i)),
          new Expr.Bin(op, a, b)));
    };
  }

  private static Expr operand(Node node, int arg, ExecutionPlan plan, Expr index) {
    if (node.arg(arg) instanceof Value v) {
      if (!v.type().shape().equals(node.result().type().shape())) {
        if (v.type().numel() == 1) {
          return Access.of(plan, v).load(i(0));
        }
        throw new QforgeException("node %" + node.name() + ": broadcasting " + v.type() + " to "
            + node.result().type() + " is not supported in compiled models yet");
      }
      return Access.of(plan, v).load(index);
    }
    return f(bound(node.arg(arg), 0f));
  }

  private static void requireF32(Node node) {
    if (node.result().type().dtype() != DType.F32) {
      throw new QforgeException("node %" + node.name() + " (" + node.op().name() + ") computes "
          + node.result().type().dtype() + "; compiled models support it on f32 only so far");
    }
  }
}
