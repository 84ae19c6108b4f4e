package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.floatVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.toFloat;
import static org.qforge.codegen.loop.Kb.v;

import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.codegen.loop.Local;
import org.qforge.ir.Value;

/** f32 pooling over [N, C, H, W]: max_pool2d and adaptive_avg_pool2d. */
final class PoolKernels {
  private PoolKernels() {}

  /** max_pool2d: the max over each window, positions in the padding ignored; NaN propagates. */
  static KernelGenerator maxPool2d() {
    return (node, plan) -> {
      Access x = Access.of(plan, (Value) node.arg("self"));
      return MaxPoolWindows.of(node).loops(floatVar("m"), f(Float.NEGATIVE_INFINITY), MathFn.MAX_FLOAT, x::load,
          Access.of(plan, node.result()), m -> m);
    };
  }

  /**
   * adaptive_avg_pool2d: output cell (oy, ox) averages rows [⌊oy·H/OH⌋, ⌈(oy+1)·H/OH⌉) and the
   * matching columns, summing in float32 and dividing by the count.
   */
  static KernelGenerator adaptiveAvgPool2d() {
    return (node, plan) -> {
      int[] xd = ((Value) node.arg(0)).type().dims();
      int[] od = node.result().type().dims();
      int planes = xd[0] * xd[1];
      int h = xd[2];
      int w = xd[3];
      int oh = od[2];
      int ow = od[3];
      Access x = Access.of(plan, (Value) node.arg(0));
      Access out = Access.of(plan, node.result());
      Local pl = intVar("pl");
      Local oy = intVar("oy");
      Local ox = intVar("ox");
      Local y0 = intVar("y0");
      Local y1 = intVar("y1");
      Local x0 = intVar("x0");
      Local x1 = intVar("x1");
      Local iy = intVar("iy");
      Local ix = intVar("ix");
      Local sum = floatVar("sum");
      Expr xIndex = add(mul(add(mul(v(pl), i(h)), v(iy)), i(w)), v(ix));
      Expr count = toFloat(mul(sub(v(y1), v(y0)), sub(v(x1), v(x0))));
      Expr outIndex = add(mul(add(mul(v(pl), i(oh)), v(oy)), i(ow)), v(ox));
      return forLoop(pl, planes, forLoop(oy, oh,
          assign(y0, div(mul(v(oy), i(h)), i(oh))),
          assign(y1, div(add(mul(add(v(oy), i(1)), i(h)), i(oh - 1)), i(oh))),
          forLoop(ox, ow,
              assign(x0, div(mul(v(ox), i(w)), i(ow))),
              assign(x1, div(add(mul(add(v(ox), i(1)), i(w)), i(ow - 1)), i(ow))),
              assign(sum, f(0f)),
              forLoop(iy, v(y0), v(y1), forLoop(ix, v(x0), v(x1), assign(sum, add(v(sum), x.load(xIndex))))),
              store(out.array(), out.index(outIndex), div(v(sum), count)))));
    };
  }
}
