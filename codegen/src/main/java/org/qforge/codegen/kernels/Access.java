package org.qforge.codegen.kernels;

import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Kb;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.Value;

/** Reads and writes of a tensor's elements in its arena: {@code arena[offset + index]}. */
record Access(ArrayParam array, int offset) {

  static Access of(ExecutionPlan plan, Value v) {
    Slot s = plan.slot(v);
    return new Access(s.arena().param(), s.offset());
  }

  Expr index(Expr i) {
    return Kb.add(Kb.i(offset), i);
  }

  Expr load(Expr i) {
    return Kb.load(array, index(i));
  }
}
