package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * Ops that only reinterpret the shape of row-major data (flatten, view, reshape, squeeze, unsqueeze,
 * clone, eval-mode dropout): an element-by-element copy into the result's slot.
 */
final class CopyKernel implements KernelGenerator {
  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    Access in = Access.of(plan, (Value) node.arg(0));
    Access out = Access.of(plan, node.result());
    Local i = intVar("i");
    return forLoop(i, node.result().type().numelInt(), store(out.array(), out.index(v(i)), in.load(v(i))));
  }
}
