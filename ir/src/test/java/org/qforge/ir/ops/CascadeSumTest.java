package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CascadeSumTest {

  /** 2^24 followed by fifteen ones: which ones survive depends only on the summation order. */
  private static float[] bigThenOnes() {
    float[] v = new float[16];
    java.util.Arrays.fill(v, 1f);
    v[0] = 16777216f;
    return v;
  }

  @Test
  void eightLanesAddTwoVectorsLaneWiseThenTheLanesInOrder() {
    // Lane 0: 2^24 + 1 rounds back to 2^24; lanes 1..7: 1 + 1 = 2 each; then 2^24 + 2 + ... + 2 is
    // exact (the spacing at 2^24 is 2): 2^24 + 14.
    assertEquals(16777216f + 14f, CascadeSum.sum(bigThenOnes(), 0, 16));
  }

  @Test
  void otherVectorWidthsGiveOtherBits() {
    // Sixteen lanes: one vector, then 2^24 + 1 + ... in order loses every one.
    assertEquals(16777216f, CascadeSum.sum(bigThenOnes(), 0, 16, 16));
    // One lane: the four ILP accumulators hold every fourth element: 2^24, 4, 4 and 4.
    assertEquals(16777216f + 12f, CascadeSum.sum(bigThenOnes(), 0, 16, 1));
  }

  @Test
  void sumsTheGivenRunOnly() {
    float[] v = {100f, 1f, 2f, 3f, 100f};
    assertEquals(6f, CascadeSum.sum(v, 1, 3));
    assertEquals(0f, CascadeSum.sum(v, 2, 0));
  }

  @Test
  void cascadeLevelsKeepPartialSumsApart() {
    // 4096 vectors of ones per lane: every partial sum is a small integer, so any order is exact.
    float[] v = new float[8 * 4096 + 3];
    java.util.Arrays.fill(v, 1f);
    assertEquals(v.length, CascadeSum.sum(v, 0, v.length));
  }

  @Test
  void rejectsARunOutsideTheArray() {
    assertThrows(IllegalArgumentException.class, () -> CascadeSum.sum(new float[4], 2, 3));
  }
}
