package org.qforge.codegen.plan;

import java.util.Map;

/**
 * Offsets of values in one scratch arena, and the arena's size.
 *
 * @param offsets byte offset of each value id
 * @param peakBytes the arena size: the largest end offset of any value
 */
public record MemoryPlan(Map<Integer, Long> offsets, long peakBytes) {
  public MemoryPlan {
    offsets = Map.copyOf(offsets);
  }

  public long offset(int id) {
    Long o = offsets.get(id);
    if (o == null) {
      throw new IllegalArgumentException("value " + id + " has no offset");
    }
    return o;
  }
}
