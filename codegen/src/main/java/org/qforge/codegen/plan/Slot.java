package org.qforge.codegen.plan;

import org.qforge.ir.TensorType;

/**
 * Where a tensor lives in a compiled model: an arena and the element offset of its first element
 * (row-major).
 *
 * @param arena the array
 * @param offset element offset
 * @param type the tensor's type
 */
public record Slot(Arena arena, int offset, TensorType type) {}
