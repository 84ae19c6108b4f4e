package org.qforge.codegen.kernels;

import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/** Generates the loop code of one op for one node, specialized on its shapes, literals and slots. */
@FunctionalInterface
public interface KernelGenerator {
  Stmt body(Node node, ExecutionPlan plan);

  /** Elements of workspace in scratch {@code arena} the kernel of {@code node} needs (see {@code WorkspaceSizes}). */
  default int workspace(Node node, Arena arena) {
    return 0;
  }

  /**
   * The elements of {@code constant}, read by {@code node} only, in the order this kernel wants them
   * stored, or null for the graph's order (see {@code ConstantLayouts}).
   */
  default Tensor relayout(Node node, Value constant, Tensor tensor) {
    return null;
  }

  /** A constant {@code node}'s kernel derives at compile time and reads at run time, or null (see {@code DerivedConstants}). */
  default Tensor derivedConstant(Node node) {
    return null;
  }
}
