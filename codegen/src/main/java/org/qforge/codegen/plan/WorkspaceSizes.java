package org.qforge.codegen.plan;

import org.qforge.ir.Node;

/**
 * How many int elements of scratch a node's kernel needs for itself while it runs (a widened,
 * padded copy of its input, a row of accumulators...), beyond its inputs and result. The memory
 * planner gives each such workspace a lifetime of exactly its node's step, so workspaces share
 * memory with values that are dead by then.
 */
@FunctionalInterface
public interface WorkspaceSizes {
  /** No kernel needs a workspace. */
  WorkspaceSizes NONE = node -> 0;

  /** Int elements {@code node}'s kernel needs, 0 for none. */
  int intElements(Node node);
}
