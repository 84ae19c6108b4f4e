package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.run;

import org.junit.jupiter.api.Test;

class MathOpsTest {

  @Test
  void negAbsExpLogSqrt() {
    assertValues(run("aten.neg", f32(new float[] {1.5f, -2f, 0f}, 3)).out(), -1.5f, 2f, -0f);
    assertValues(run("aten.abs", f32(new float[] {1.5f, -2f}, 2)).out(), 1.5f, 2f);
    // e^1 = 2.718281828...; the nearest float is 2.7182817f.
    assertValues(run("aten.exp", f32(new float[] {0f, 1f}, 2)).out(), 1f, 2.7182817f);
    float[] log = run("aten.log", f32(new float[] {1f, 0f}, 2)).out().floats();
    assertEquals(0f, log[0]);
    assertEquals(Float.NEGATIVE_INFINITY, log[1]);
    assertValues(run("aten.sqrt", f32(new float[] {4f, 2f}, 2)).out(), 2f, 1.4142135f);
  }
}
