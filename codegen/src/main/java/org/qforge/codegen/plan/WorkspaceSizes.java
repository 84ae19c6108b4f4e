package org.qforge.codegen.plan;

import org.qforge.ir.Node;

/**
 * How many elements of scratch a node's kernel needs for itself while it runs (a widened, padded
 * copy of its input, a row of accumulators...), beyond its inputs and result, in the int and the
 * float scratch arenas. The memory planner gives each such workspace a lifetime of exactly its
 * node's step, so workspaces share memory with values that are dead by then.
 */
@FunctionalInterface
public interface WorkspaceSizes {
  /** No kernel needs a workspace. */
  WorkspaceSizes NONE = (node, arena) -> 0;

  /** Elements of {@code arena} ({@link Arena#SCRATCH_I32} or {@link Arena#SCRATCH_F32}) {@code node}'s kernel needs, 0 for none. */
  int elements(Node node, Arena arena);
}
