package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.floatVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.ifThen;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.v;

import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.loop.Stmt.Cmp;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * f32 {@code aten.conv2d} (and conv1d as height 1) with stride, padding, dilation and groups:
 * {@code out[n, oc, oy, ox] = Σ w[oc, c, ky, kx] · x[n, g·C/G + c, oy·s − p + ky·d, ox·s − p + kx·d] + b[oc]},
 * taps in the padding skipped, accumulated in float32 (c, ky, kx order), bias added last.
 */
final class ConvKernel implements KernelGenerator {
  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    boolean oneD = node.op().name().equals("aten.conv1d");
    Value xv = (Value) node.arg(0);
    Value wv = (Value) node.arg(1);
    int[] xd = xv.type().dims();
    int[] wd = wv.type().dims();
    int[] od = node.result().type().dims();
    int batch = xd[0];
    int c = xd[1];
    int h = oneD ? 1 : xd[2];
    int wdt = xd[oneD ? 2 : 3];
    int oc = wd[0];
    int cpg = wd[1];
    int kh = oneD ? 1 : wd[2];
    int kw = wd[oneD ? 2 : 3];
    int oh = oneD ? 1 : od[2];
    int ow = od[oneD ? 2 : 3];
    int[] stride = pair(((org.qforge.ir.Literal.IntList) node.arg(3)).toIntArray(), oneD);
    int[] pad = pair(((org.qforge.ir.Literal.IntList) node.arg(4)).toIntArray(), oneD);
    int[] dil = pair(((org.qforge.ir.Literal.IntList) node.arg(5)).toIntArray(), oneD);
    int groups = (int) ((org.qforge.ir.Literal.Int) node.arg(6)).value();
    int ocpg = oc / groups;

    Access x = Access.of(plan, xv);
    Access w = Access.of(plan, wv);
    Access out = Access.of(plan, node.result());
    Access bias = node.arg(2) instanceof Value b ? Access.of(plan, b) : null;
    Local n = intVar("n");
    Local o = intVar("o");
    Local oy = intVar("oy");
    Local ox = intVar("ox");
    Local ci = intVar("ci");
    Local ky = intVar("ky");
    Local kx = intVar("kx");
    Local iy = intVar("iy");
    Local ix = intVar("ix");
    Local acc = floatVar("acc");

    // x index: ((n * C + group * cpg + ci) * H + iy) * W + ix, with group = o / ocpg.
    Expr channel = add(mul(v(n), i(c)), add(mul(div(v(o), ocpg), i(cpg)), v(ci)));
    Expr xIndex = add(mul(add(mul(channel, i(h)), v(iy)), i(wdt)), v(ix));
    Expr wIndex = add(mul(add(mul(add(mul(v(o), i(cpg)), v(ci)), i(kh)), v(ky)), i(kw)), v(kx));
    Stmt tap = assign(acc, add(v(acc), mul(w.load(wIndex), x.load(xIndex))));
    Stmt overKx = forLoop(kx, kw,
        assign(ix, add(sub(mul(v(ox), i(stride[1])), i(pad[1])), mul(v(kx), i(dil[1])))),
        ifThen(Cmp.GE, v(ix), i(0), ifThen(Cmp.LT, v(ix), i(wdt), tap)));
    Stmt overKy = forLoop(ky, kh,
        assign(iy, add(sub(mul(v(oy), i(stride[0])), i(pad[0])), mul(v(ky), i(dil[0])))),
        ifThen(Cmp.GE, v(iy), i(0), ifThen(Cmp.LT, v(iy), i(h), overKx)));
    Expr outIndex = add(mul(add(mul(add(mul(v(n), i(oc)), v(o)), i(oh)), v(oy)), i(ow)), v(ox));
    Stmt pixel = org.qforge.codegen.loop.Kb.block(
        assign(acc, f(0f)),
        forLoop(ci, cpg, overKy),
        store(out.array(), out.index(outIndex), bias == null ? v(acc) : add(v(acc), bias.load(v(o)))));
    return forLoop(n, batch, forLoop(o, oc, forLoop(oy, oh, forLoop(ox, ow, pixel))));
  }

  private static Expr div(Expr a, int b) {
    return b == 1 ? a : org.qforge.codegen.loop.Kb.div(a, i(b));
  }

  private static int[] pair(int[] v, boolean oneD) {
    if (oneD) {
      return new int[] {1, v[0]};
    }
    return v.length == 1 ? new int[] {v[0], v[0]} : v;
  }
}
