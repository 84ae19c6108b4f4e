package org.qforge.codegen.plan;

import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * A kernel's own element order for a constant that only it reads — a weight matrix interleaved for
 * its inner loop, say. The plan stores the returned tensor in place of the constant's (the same dtype
 * and element count, so the same bytes), and {@link ExecutionPlan#relaidOut} tells the kernel so.
 * Constants with more than one user keep the graph's order.
 */
@FunctionalInterface
public interface ConstantLayouts {
  /** Every constant in the graph's order. */
  ConstantLayouts NONE = (node, constant, tensor) -> null;

  /** The elements of {@code constant} in the order {@code node}'s kernel wants, or null to keep them. */
  Tensor relayout(Node node, Value constant, Tensor tensor);
}
