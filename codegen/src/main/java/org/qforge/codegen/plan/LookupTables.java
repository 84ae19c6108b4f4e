package org.qforge.codegen.plan;

import org.qforge.ir.Node;
import org.qforge.ir.Tensor;

/**
 * Tables a kernel computes from its node at compile time and reads at run time in place of
 * arithmetic — every result of a quantized add over its 256 × 256 pairs of byte operands, say. The
 * plan stores each in the weights arenas after the graph's constants ({@link
 * ExecutionPlan#lookupTable}); they are loaded, and counted, apart from the weights ({@link
 * ExecutionPlan#lookupTableBytes}).
 */
@FunctionalInterface
public interface LookupTables {
  /** No kernel reads a table. */
  LookupTables NONE = node -> null;

  /** The table {@code node}'s kernel reads, or null for none. */
  Tensor table(Node node);
}
