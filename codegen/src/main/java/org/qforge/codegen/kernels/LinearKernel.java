package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.f;
import static org.qforge.codegen.loop.Kb.floatVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * f32 {@code aten.linear}: {@code out[r, o] = Σ_k x[r, k] · w[o, k] + b[o]}, accumulated in float32
 * in k order, bias added last.
 */
final class LinearKernel implements KernelGenerator {
  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    Value xv = (Value) node.arg(0);
    Value wv = (Value) node.arg(1);
    int k = wv.type().dim(1);
    int outF = wv.type().dim(0);
    int rows = node.result().type().numelInt() / outF;
    Access x = Access.of(plan, xv);
    Access w = Access.of(plan, wv);
    Access out = Access.of(plan, node.result());
    Access bias = node.arg(2) instanceof Value b ? Access.of(plan, b) : null;
    Local r = intVar("r");
    Local o = intVar("o");
    Local kk = intVar("k");
    Local acc = floatVar("acc");
    Stmt inner = assign(acc, add(v(acc), mul(x.load(add(mul(v(r), i(k)), v(kk))),
        w.load(add(mul(v(o), i(k)), v(kk))))));
    Stmt result = store(out.array(), out.index(add(mul(v(r), i(outF)), v(o))),
        bias == null ? v(acc) : add(v(acc), bias.load(v(o))));
    return forLoop(r, rows, forLoop(o, outF, assign(acc, f(0f)), forLoop(kk, k, inner), result));
  }
}
