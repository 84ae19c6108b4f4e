package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * A convolution's input as the stored int8 values, widened into a zero-padded [C, PH, PW] block of a
 * workspace ({@code PH = H + 2·pH}, {@code PW = W + 2·pW}), for the Vector API kernels with their
 * zero-point corrections ({@link AccumulatorStarts}): the border cells set to the zero point (which
 * the corrections turn into 0), then each input row widened into place ({@code Int8VectorKernels.widen};
 * whole planes, or the whole input, where there is no padding to skip). The row form reads it in
 * place, the column form copies its taps from it.
 */
final class PaddedInput {
  private PaddedInput() {}

  static int height(ConvShape s) {
    return s.h() + 2 * s.pad()[0];
  }

  static int width(ConvShape s) {
    return s.w() + 2 * s.pad()[1];
  }

  /** The padded block's elements, C·PH·PW. */
  static int elements(ConvShape s) {
    return Math.multiplyExact(Math.multiplyExact(s.c(), height(s)), width(s));
  }

  /** Statements that fill the block at {@code padded} in {@code arena} (ints or floats) from batch element {@code n}. */
  static List<Stmt> uncentred(ConvShape s, Node node, ExecutionPlan plan, Value xv, Arena arena, int padded, Local n) {
    ArrayParam to = arena.param();
    int ph = height(s);
    int pw = width(s);
    int top = s.pad()[0];
    int left = s.pad()[1];
    int zeroPoint = Math.toIntExact(IntegerArithmetic.intLiteral(node, "input_zero_point"));
    Expr zp = arena == Arena.SCRATCH_I32 ? i(zeroPoint) : f(zeroPoint);
    Access x = Access.of(plan, xv);
    Local ci = intVar("ci");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    Local y = intVar("y");
    Expr plane = add(i(padded), mul(v(ci), i(ph * pw)));
    List<Stmt> border = new ArrayList<>();
    if (top > 0) {
      // The top rows, then the bottom rows (from row top + H on).
      border.add(forLoop(y, top * pw, store(to, add(plane, v(y)), zp)));
      border.add(forLoop(y, (ph - top - s.h()) * pw, store(to, add(plane, add(i((top + s.h()) * pw), v(y))), zp)));
    }
    if (left > 0) {
      // Each inner row's left and right padding.
      Expr rowStart = add(plane, mul(add(v(iy), i(top)), i(pw)));
      border.add(forLoop(iy, s.h(), forLoop(ix, left,
          store(to, add(rowStart, v(ix)), zp),
          store(to, add(rowStart, add(i(left + s.w()), v(ix))), zp))));
    }
    List<Stmt> stmts = new ArrayList<>();
    if (!border.isEmpty()) {
      stmts.add(forLoop(ci, s.c(), border.toArray(Stmt[]::new)));
    }
    int image = s.c() * s.h() * s.w();
    if (top == 0 && left == 0) {
      stmts.add(VectorKernelCalls.widenInput(arena, x, mul(v(n), i(image)), i(padded), image));
    } else {
      Expr from = add(mul(v(n), i(image)), mul(add(mul(v(ci), i(s.h())), v(iy)), i(s.w())));
      Expr at = add(i(padded + top * pw + left), add(mul(v(ci), i(ph * pw)), mul(v(iy), i(pw))));
      stmts.add(forLoop(ci, s.c(), forLoop(iy, s.h(), VectorKernelCalls.widenInput(arena, x, from, at, s.w()))));
    }
    return stmts;
  }

  /**
   * {@code ints[table + t] = } where tap t = (c, ky, kx) of the kernel reads, relative to an output's
   * first tap, in the padded block: {@code c·PH·PW + ky·dH·PW + kx·dW} (the row form's and the
   * channel-lane sums' table).
   */
  static Stmt tapOffsets(ConvShape s, int table) {
    Local c = intVar("ci");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    int pw = width(s);
    Expr tap = add(mul(add(mul(v(c), i(s.kh())), v(ky)), i(s.kw())), v(kx));
    Expr offset = add(add(mul(v(c), i(height(s) * pw)), mul(v(ky), i(s.dil()[0] * pw))), mul(v(kx), i(s.dil()[1])));
    return forLoop(c, s.c(), forLoop(ky, s.kh(), forLoop(kx, s.kw(),
        store(Arena.SCRATCH_I32.param(), add(i(table), tap), offset))));
  }
}
