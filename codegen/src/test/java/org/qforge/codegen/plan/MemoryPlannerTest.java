package org.qforge.codegen.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {

  @Test
  void aChainReusesMemoryOfDeadValues() {
    // a -> b -> c -> d, each read only by the next: two buffers are enough (ping-pong).
    List<Interval> chain = List.of(new Interval(0, 0, 1, 100), new Interval(1, 1, 2, 100),
        new Interval(2, 2, 3, 100), new Interval(3, 3, 4, 100));
    MemoryPlan p = new MemoryPlanner(16).plan(chain);
    assertEquals(212, p.peakBytes()); // the first buffer padded to 112 for alignment, plus 100
    assertEquals(p.offset(0), p.offset(2));
    assertEquals(p.offset(1), p.offset(3));
  }

  @Test
  void aSkipConnectionKeepsItsBufferAlive() {
    // a feeds b and d (residual): a must not share with b or c.
    List<Interval> res = List.of(new Interval(0, 0, 3, 64), new Interval(1, 1, 2, 64), new Interval(2, 2, 3, 64),
        new Interval(3, 3, 4, 64));
    MemoryPlan p = new MemoryPlanner(64).plan(res);
    assertEquals(192, p.peakBytes());
    assertNoOverlap(res, p);
  }

  @Test
  void randomLifetimesNeverCollideAndPeakIsAtLeastTheLargestLiveSet() {
    Random r = new Random(1);
    for (int trial = 0; trial < 200; trial++) {
      List<Interval> vs = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        int first = r.nextInt(40);
        vs.add(new Interval(i, first, first + r.nextInt(6), 1 + r.nextInt(500)));
      }
      MemoryPlan p = new MemoryPlanner(8).plan(vs);
      assertNoOverlap(vs, p);
      for (int step = 0; step < 46; step++) {
        long live = 0;
        for (Interval v : vs) {
          live += v.first() <= step && step <= v.last() ? v.bytes() : 0;
        }
        assertFalse(p.peakBytes() < live, "peak " + p.peakBytes() + " below live set " + live);
      }
      for (Interval v : vs) {
        assertEquals(0, p.offset(v.id()) % 8);
      }
    }
  }

  @Test
  void badInputsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Interval(0, 3, 2, 1));
    assertThrows(IllegalArgumentException.class, () -> new MemoryPlanner(12));
  }

  private static void assertNoOverlap(List<Interval> vs, MemoryPlan p) {
    for (Interval a : vs) {
      for (Interval b : vs) {
        if (a.id() < b.id() && a.overlaps(b)) {
          long a0 = p.offset(a.id());
          long b0 = p.offset(b.id());
          assertFalse(a0 < b0 + b.bytes() && b0 < a0 + a.bytes(), "values " + a + " and " + b + " share bytes");
        }
      }
    }
  }
}
