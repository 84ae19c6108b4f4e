package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.d;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.l;
import static org.qforge.codegen.loop.Kb.longVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.toDouble;
import static org.qforge.codegen.loop.Kb.toLong;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.loop.Local;
import org.qforge.ir.Argument;
import org.qforge.ir.Literal;
import org.qforge.ir.Value;

/**
 * Integer pooling and averaging over windows: {@code qforge.quantized_max_pool2d},
 * {@code quantized_adaptive_avg_pool2d} and {@code quantized_mean}, over [C, H, W] or [N, C, H, W]
 * (the pools) and any dims (the mean).
 */
final class IntegerPoolKernels {
  private IntegerPoolKernels() {}

  /** Largest element count whose sum of centred i8/u8 values (each at most 255 in magnitude) fits an int. */
  private static final long INT_SUM_TERMS = Integer.MAX_VALUE / 255;

  /**
   * {@code qforge.quantized_max_pool2d} (kernel_size, stride (empty: kernel_size), padding, dilation;
   * ceil_mode through the result's shape): for each window, taps in the padding skipped,
   *
   * <pre>
   *   m    = max of the window's elements (starting from Integer.MIN_VALUE)   // integer
   *   real = (double) ((long) m - zp_in) · s_in
   *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
   * </pre>
   *
   * and with equal input and output scale and zero point (as PT2E shares them) {@code q = min(max(m,
   * out_min), out_max)}, the same value.
   */
  static KernelGenerator maxPool2d() {
    return (node, plan) -> {
      Value xv = (Value) node.arg("self");
      double sIn = IntegerArithmetic.scale(node, "input_scale");
      long zIn = IntegerArithmetic.intLiteral(node, "input_zero_point");
      IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
      return MaxPoolWindows.of(node).loops(intVar("m"), i(Integer.MIN_VALUE), MathFn.MAX_INT,
          index -> IntegerArithmetic.element(plan, xv, index), Access.of(plan, node.result()),
          m -> output.requantize(m, sIn, zIn));
    };
  }

  /**
   * {@code qforge.quantized_adaptive_avg_pool2d}: output cell (oy, ox) covers rows
   * {@code [⌊oy·H/OH⌋, ⌈(oy+1)·H/OH⌉)} and likewise columns; over its {@code count} elements
   *
   * <pre>
   *   acc  = Σ (x - zp_in)                         // exact (int, or long for huge windows)
   *   real = ((double) acc · s_in) / (double) count
   *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
   * </pre>
   */
  static KernelGenerator adaptiveAvgPool2d() {
    return (node, plan) -> {
      Value xv = (Value) node.arg("self");
      int[] xd = xv.type().dims();
      int[] od = node.result().type().dims();
      int h = xd[xd.length - 2];
      int w = xd[xd.length - 1];
      int planes = xv.type().numelInt() / Math.max(1, h * w);
      int oh = od[od.length - 2];
      int ow = od[od.length - 1];
      double sIn = IntegerArithmetic.scale(node, "input_scale");
      long zIn = IntegerArithmetic.intLiteral(node, "input_zero_point");
      IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
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
      Local acc = (long) h * w <= INT_SUM_TERMS ? intVar("acc") : longVar("acc");
      Expr x = IntegerArithmetic.centred(IntegerArithmetic.element(plan, xv,
          add(mul(add(mul(v(pl), i(h)), v(iy)), i(w)), v(ix))), zIn);
      Expr count = toDouble(mul(sub(v(y1), v(y0)), sub(v(x1), v(x0))));
      Expr outIndex = add(mul(add(mul(v(pl), i(oh)), v(oy)), i(ow)), v(ox));
      return forLoop(pl, planes, forLoop(oy, oh,
          assign(y0, div(mul(v(oy), i(h)), i(oh))),
          assign(y1, div(add(mul(add(v(oy), i(1)), i(h)), i(oh - 1)), i(oh))),
          forLoop(ox, ow,
              assign(x0, div(mul(v(ox), i(w)), i(ow))),
              assign(x1, div(add(mul(add(v(ox), i(1)), i(w)), i(ow - 1)), i(ow))),
              assign(acc, zero(acc)),
              forLoop(iy, v(y0), v(y1), forLoop(ix, v(x0), v(x1), assign(acc, plus(acc, x)))),
              store(out.array(), out.index(outIndex),
                  output.quantize(div(mul(toDouble(v(acc)), d(sIn)), count))))));
    };
  }

  /**
   * {@code qforge.quantized_mean} over {@code dim} (all dims when none or empty), keepdim or not: for
   * each output element, over the {@code count} reduced elements,
   *
   * <pre>
   *   acc  = Σ (x - zp_in)                         // exact
   *   real = ((double) acc · s_in) / (double) count
   *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
   * </pre>
   */
  static KernelGenerator mean() {
    return (node, plan) -> {
      Value xv = (Value) node.arg("self");
      int[] xd = xv.type().dims();
      int rank = xd.length;
      boolean[] reduced = new boolean[rank];
      Argument dimArg = node.arg("dim");
      int[] dims = dimArg instanceof Literal.IntList list ? list.toIntArray() : new int[0];
      if (dims.length == 0) {
        Arrays.fill(reduced, true);
      }
      for (int dd : dims) {
        if (rank > 0) {
          reduced[dd < 0 ? dd + rank : dd] = true;
        }
      }
      int[] inStrides = Nest.rowMajor(xd);
      List<Integer> keptDims = new ArrayList<>();
      List<Integer> keptStrides = new ArrayList<>();
      List<Integer> redDims = new ArrayList<>();
      List<Integer> redStrides = new ArrayList<>();
      long count = 1;
      for (int dd = 0; dd < rank; dd++) {
        if (reduced[dd]) {
          redDims.add(xd[dd]);
          redStrides.add(inStrides[dd]);
          count *= xd[dd];
        } else {
          keptDims.add(xd[dd]);
          keptStrides.add(inStrides[dd]);
        }
      }
      int[] kd = ints(keptDims);
      Nest outer = new Nest("o", kd, Nest.rowMajor(kd), ints(keptStrides));
      Nest inner = new Nest("r", ints(redDims), ints(redStrides));
      double sIn = IntegerArithmetic.scale(node, "input_scale");
      long zIn = IntegerArithmetic.intLiteral(node, "input_zero_point");
      IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
      Access out = Access.of(plan, node.result());
      Local acc = count <= INT_SUM_TERMS ? intVar("acc") : longVar("acc");
      Local base = intVar("base");
      Expr x = IntegerArithmetic.centred(IntegerArithmetic.element(plan, xv, add(v(base), inner.index(0))), zIn);
      return outer.wrap(
          assign(base, outer.index(1)),
          assign(acc, zero(acc)),
          inner.wrap(assign(acc, plus(acc, x))),
          store(out.array(), out.index(outer.index(0)),
              output.quantize(div(mul(toDouble(v(acc)), d(sIn)), d((double) count)))));
    };
  }

  private static Expr zero(Local acc) {
    return acc.kind() == Kind.LONG ? l(0) : i(0);
  }

  private static Expr plus(Local acc, Expr x) {
    return add(v(acc), acc.kind() == Kind.LONG ? toLong(x) : x);
  }

  private static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }
}
