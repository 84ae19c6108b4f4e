package org.qforge.codegen.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assigns scratch offsets to the intermediate tensors of a straight-line program so that values
 * whose lifetimes overlap never share bytes, and values that are dead may be reused: the greedy
 * "largest first, lowest fitting offset" heuristic (as in TFLite's arena planner), which is optimal
 * or close to it on the chain-like graphs of inference models.
 *
 * <p>Offsets are aligned to {@code alignment} bytes so that every dtype can be read at its natural
 * alignment. The result is deterministic: ties are broken by first use, then by id.
 */
public final class MemoryPlanner {
  private final long alignment;

  public MemoryPlanner(long alignment) {
    if (alignment <= 0 || Long.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
    }
    this.alignment = alignment;
  }

  /** Plans the given lifetimes. */
  public MemoryPlan plan(List<Interval> values) {
    List<Interval> order = new ArrayList<>(values);
    order.sort(Comparator.comparingLong(Interval::bytes).reversed()
        .thenComparingInt(Interval::first).thenComparingInt(Interval::id));
    List<Interval> placed = new ArrayList<>();
    Map<Integer, Long> offsets = new LinkedHashMap<>();
    long peak = 0;
    for (Interval v : order) {
      // Occupied ranges of already-placed values alive at the same time, by offset.
      List<long[]> busy = new ArrayList<>();
      for (Interval p : placed) {
        if (p.overlaps(v)) {
          long o = offsets.get(p.id());
          busy.add(new long[] {o, o + p.bytes()});
        }
      }
      busy.sort(Comparator.comparingLong(r -> r[0]));
      long candidate = 0;
      for (long[] r : busy) {
        if (candidate + v.bytes() <= r[0]) {
          break;
        }
        candidate = Math.max(candidate, align(r[1]));
      }
      offsets.put(v.id(), candidate);
      placed.add(v);
      peak = Math.max(peak, candidate + v.bytes());
    }
    return new MemoryPlan(offsets, peak);
  }

  private long align(long x) {
    return (x + alignment - 1) & -alignment;
  }
}
