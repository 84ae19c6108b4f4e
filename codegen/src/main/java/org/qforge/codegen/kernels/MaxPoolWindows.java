package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.call;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.ifThen;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.v;

import java.util.function.UnaryOperator;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.loop.Stmt.Cmp;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The window loops of a 2-D max pool over [C, H, W] or [N, C, H, W], shared by {@code aten.max_pool2d}
 * and {@code qforge.quantized_max_pool2d} (same parameters: kernel_size, stride (empty: kernel_size),
 * padding, dilation; ceil_mode through the result's shape): for each plane and output cell, the max
 * over the window's taps inside the input — taps in the padding are skipped, never compared.
 */
final class MaxPoolWindows {
  private final int planes;
  private final int h;
  private final int w;
  private final int oh;
  private final int ow;
  private final int[] kernel;
  private final int[] stride;
  private final int[] pad;
  private final int[] dilation;

  private MaxPoolWindows(Node node) {
    int[] xd = ((Value) node.arg("self")).type().dims();
    int[] od = node.result().type().dims();
    h = xd[xd.length - 2];
    w = xd[xd.length - 1];
    planes = ((Value) node.arg("self")).type().numelInt() / Math.max(1, h * w);
    oh = od[od.length - 2];
    ow = od[od.length - 1];
    kernel = pair(node.arg("kernel_size"));
    int[] s = pair(node.arg("stride"));
    stride = s.length == 0 ? kernel : s;
    pad = pair(node.arg("padding"));
    dilation = pair(node.arg("dilation"));
  }

  static MaxPoolWindows of(Node node) {
    return new MaxPoolWindows(node);
  }

  /**
   * For each plane and output cell: {@code m = initial}; {@code m = max(m, element(index))} over the
   * window's taps inside the input (index row-major into the input); then {@code out[cell] = result(m)}.
   */
  Stmt loops(Local m, Expr initial, MathFn max, UnaryOperator<Expr> element, Access out, UnaryOperator<Expr> result) {
    Local pl = intVar("pl");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    Expr xIndex = add(mul(add(mul(v(pl), i(h)), v(iy)), i(w)), v(ix));
    Stmt tap = assign(m, call(max, v(m), element.apply(xIndex)));
    Stmt window = windowsInside() && kernel[0] * kernel[1] <= MAX_UNROLLED_TAPS
        ? unrolledWindow(m, max, element, pl, oy, ox)
        : forLoop(ky, kernel[0],
        assign(iy, add(sub(mul(v(oy), i(stride[0])), i(pad[0])), mul(v(ky), i(dilation[0])))),
        ifThen(Cmp.GE, v(iy), i(0), ifThen(Cmp.LT, v(iy), i(h), forLoop(kx, kernel[1],
            assign(ix, add(sub(mul(v(ox), i(stride[1])), i(pad[1])), mul(v(kx), i(dilation[1])))),
            ifThen(Cmp.GE, v(ix), i(0), ifThen(Cmp.LT, v(ix), i(w), tap))))));
    Expr outIndex = add(mul(add(mul(v(pl), i(oh)), v(oy)), i(ow)), v(ox));
    return forLoop(pl, planes, forLoop(oy, oh, forLoop(ox, ow,
        assign(m, initial), window, store(out.array(), out.index(outIndex), result.apply(v(m))))));
  }

  /**
   * The most taps a window is written out for, one statement each, when no window reaches the
   * padding: digits_rescnn's 2×2 pool over 32 planes of 8×8 took 1.1–1.5 µs with the tests and the
   * tap loops, a tenth of the model (bench/README.md).
   */
  private static final int MAX_UNROLLED_TAPS = 16;

  /** Whether every window's taps lie inside the input, so that none needs a test. */
  private boolean windowsInside() {
    return pad[0] == 0 && pad[1] == 0
        && (oh - 1) * stride[0] + (kernel[0] - 1) * dilation[0] < h
        && (ow - 1) * stride[1] + (kernel[1] - 1) * dilation[1] < w;
  }

  /** A window inside the input: one max per tap, at constant offsets from the window's corner. */
  private Stmt unrolledWindow(Local m, MathFn max, UnaryOperator<Expr> element, Local pl, Local oy, Local ox) {
    Expr corner = add(mul(add(mul(v(pl), i(h)), mul(v(oy), i(stride[0]))), i(w)), mul(v(ox), i(stride[1])));
    Stmt[] taps = new Stmt[kernel[0] * kernel[1]];
    for (int ky = 0; ky < kernel[0]; ky++) {
      for (int kx = 0; kx < kernel[1]; kx++) {
        Expr index = add(corner, i(ky * dilation[0] * w + kx * dilation[1]));
        taps[ky * kernel[1] + kx] = assign(m, call(max, v(m), element.apply(index)));
      }
    }
    return block(taps);
  }

  /** An int list literal as (height, width): a single value stands for both. */
  static int[] pair(org.qforge.ir.Argument a) {
    int[] v = ((Literal.IntList) a).toIntArray();
    return v.length == 1 ? new int[] {v[0], v[0]} : v;
  }
}
