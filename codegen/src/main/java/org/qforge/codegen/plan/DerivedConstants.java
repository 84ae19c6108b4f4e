package org.qforge.codegen.plan;

import org.qforge.ir.Node;
import org.qforge.ir.Tensor;

/**
 * A tensor a kernel computes from its node at compile time and reads at run time in place of work
 * it would otherwise repeat every run: every result of a quantized add over its 256 × 256 pairs of
 * operand bytes, a convolution's zero-point corrections. The plan stores 8-bit ones, tables, in
 * {@link Arena#TABLES_I8} and counts them apart from the weights ({@link
 * ExecutionPlan#lookupTableBytes}); i32 ones, a few per output channel, in {@link
 * Arena#WEIGHTS_I32} with the weights they derive from. {@link ExecutionPlan#derivedConstant} says where.
 */
@FunctionalInterface
public interface DerivedConstants {
  /** No kernel derives a constant. */
  DerivedConstants NONE = node -> null;

  /** The tensor {@code node}'s kernel reads, or null for none. */
  Tensor derive(Node node);
}
