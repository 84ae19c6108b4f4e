package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The ATen kernels the observers rely on, on inputs whose exact results are derived by hand. */
class AtenCpuTest {

  @Test
  void floorDivisionIsPythonsNotFloorOfTheQuotient() {
    assertEquals(3f, AtenCpu.divFloor(7f, 2f));
    assertEquals(-4f, AtenCpu.divFloor(-7f, 2f));
    assertEquals(-4f, AtenCpu.divFloor(7f, -2f));
    // 1 / 0.1f = 9.99999985... rounds to 10 in float32, but 10 * 0.1f > 1: the floor quotient is 9
    assertEquals(10f, 1f / 0.1f);
    assertEquals(9f, AtenCpu.divFloor(1f, 0.1f));
    assertEquals(0f, AtenCpu.divFloor(0f, 3f));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(AtenCpu.divFloor(-0f, 3f)));
    assertEquals(Float.POSITIVE_INFINITY, AtenCpu.divFloor(1f, 0f));
  }

  @Test
  void sumIsTheVectorisedCascadeNotASequentialSum() {
    // 2^24 followed by 2047 ones. A sequential float32 sum loses every one (2^24 + 1 rounds to 2^24).
    // In the cascade, 2^24 shares an accumulator (row 0, lane 0) with 15 ones in the first block of
    // 16 rows, which are lost; every other one is added in small partial sums: 2^24 + 2047 - 15.
    float[] v = new float[2048];
    Arrays.fill(v, 1f);
    v[0] = 0x1p24f;
    float sequential = 0f;
    for (float f : v) {
      sequential += f;
    }
    assertEquals(0x1p24f, sequential);
    assertEquals(16779248f, AtenCpu.cascadeSum(v, 16));
    assertEquals(16779248f, AtenCpu.cascadeSum(v, 8));
    // shorter than a vector: the scalar path
    assertEquals(6f, AtenCpu.cascadeSum(new float[] {1f, 2f, 3f}, 16));
    // a tail after the last full vector is added before the lanes
    float[] tail = new float[35];
    Arrays.fill(tail, 0.5f);
    assertEquals(17.5f, AtenCpu.cascadeSum(tail, 16));
  }

  @Test
  void cumsumAccumulatesInDouble() {
    // float accumulation would stay at 2^24; ATen's CPU cumsum keeps a double and rounds each prefix
    assertArrayEquals(new float[] {0x1p24f, 0x1p24f, 16777218f},
        AtenCpu.cumsum(new float[] {0x1p24f, 1f, 1f}));
  }

  @Test
  void linspaceHitsBothEndsExactly() {
    assertArrayEquals(new float[] {0f, 0.25f, 0.5f, 0.75f, 1f}, AtenCpu.linspace(0f, 1f, 5));
    // second half counts back from the end: the last element is end itself
    float[] l = AtenCpu.linspace(0.1f, 0.7f, 7);
    assertEquals(0.1f, l[0]);
    assertEquals(0.7f, l[6]);
    assertArrayEquals(new float[] {3f}, AtenCpu.linspace(3f, 5f, 1));
  }

  @Test
  void histcBinsInFloat32() {
    // (0.7f - 0) * 10 / 1 = 6.99999988 rounds to 7.0 in float32: bin 7, although 0.7f < 0.7
    float[] h = AtenCpu.histc(new float[] {0.7f}, 10, 0f, 1f);
    assertEquals(1f, h[7]);
    // max goes to the last bin, values outside are ignored
    h = AtenCpu.histc(new float[] {1f, 1.5f, -0.1f, 0f}, 4, 0f, 1f);
    assertArrayEquals(new float[] {1f, 0f, 0f, 1f}, h);
    // an empty range takes the data's range, and a single point is widened to [v - 1, v + 1]
    h = AtenCpu.histc(new float[] {2f, 4f}, 4, 3f, 3f);
    assertArrayEquals(new float[] {1f, 0f, 0f, 1f}, h);
    h = AtenCpu.histc(new float[] {3f}, 4, 3f, 3f);
    assertArrayEquals(new float[] {0f, 0f, 1f, 0f}, h);
    assertThrows(IllegalArgumentException.class, () -> AtenCpu.histc(new float[] {1f}, 4, 0f, Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> AtenCpu.histc(new float[] {1f}, 4, 2f, 1f));
  }

  @Test
  void bucketizeRightFindsTheFirstGreaterBoundary() {
    float[] b = {0f, 0.5f, 1f};
    assertEquals(2, AtenCpu.bucketizeRight(0.5f, b));
    assertEquals(1, AtenCpu.bucketizeRight(0.25f, b));
    assertEquals(0, AtenCpu.bucketizeRight(-1f, b));
    assertEquals(3, AtenCpu.bucketizeRight(1f, b));
  }

  @Test
  void minimumAndMaximumPropagateNan() {
    assertEquals(Float.NaN, AtenCpu.minimum(1f, Float.NaN));
    assertEquals(Float.NaN, AtenCpu.maximum(Float.NaN, 1f));
    assertEquals(-1f, AtenCpu.minimum(-1f, 2f));
    assertArrayEquals(new float[] {Float.NaN, Float.NaN}, AtenCpu.aminmax(new float[] {1f, Float.NaN, 3f}));
  }

  @Test
  void int32ConversionIsX86s() {
    assertEquals(-2, AtenCpu.truncToInt32(-2.5f));
    assertEquals(Integer.MIN_VALUE, AtenCpu.truncToInt32(Float.NaN));
    assertEquals(Integer.MIN_VALUE, AtenCpu.truncToInt32(3e9f));
  }
}
