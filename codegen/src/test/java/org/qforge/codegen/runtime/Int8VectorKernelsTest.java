package org.qforge.codegen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link Int8VectorKernels#requantizeChannels} against the scalar formula it must repeat, {@code (byte)
 * (int) min(max(rint(real / outScale) + zeroPoint, min), max)}, on sums that make every odd one an exact
 * tie. Loaded by the test JVM's class loader without {@code qforge.vectorChannelRequantize}, so on JDK 17
 * this runs its scalar loop (the vector lanes are tested through compiled jars in IntegerKernelsTest).
 */
class Int8VectorKernelsTest {
  @Test
  void channelRequantizationRoundsTiesToEvenBeforeAddingTheZeroPoint() {
    int n = 601;
    int[] acc = new int[n + 16];
    float[] scales = new float[n + 16];
    float[] bias = new float[n + 16];
    for (int o = 0; o < n; o++) {
      acc[o] = o - 300;
      scales[o] = 1f;
      bias[o] = o % 3 == 0 ? 0.25f : 0f;
    }
    for (boolean withBias : new boolean[] {false, true}) {
      byte[] out = new byte[n];
      // real / s_out = acc · 0.5 (+ 0.25): odd sums are ties; zero point 3 (odd): rint(t) + 3 ≠ rint(t + 3) there.
      Int8VectorKernels.requantizeChannels(acc, scales, bias, out, 0, 0, n, 0, withBias ? 0 : -1, 0.5, 1.0, 3, -128,
          127);
      for (int o = 0; o < n; o++) {
        double real = (double) acc[o] * (0.5 * (double) scales[o]) + (withBias ? (double) bias[o] : 0.0);
        byte want = (byte) (int) Math.min(Math.max(Math.rint(real / 1.0) + 3, -128), 127);
        assertEquals(want, out[o], "sum " + acc[o] + (withBias ? " with bias " + bias[o] : ""));
      }
    }
  }
}
