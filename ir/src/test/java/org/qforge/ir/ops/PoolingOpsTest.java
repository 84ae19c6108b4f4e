package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.ir.ops.OpHarness.assertClose;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.doubles;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.iota;
import static org.qforge.ir.ops.OpHarness.random;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Tensor;

class PoolingOpsTest {

  private static Tensor oneToNine() {
    return f32(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
  }

  @Test
  void maxPoolDefaultStrideIsKernelSize() {
    Tensor y = run("aten.max_pool2d", iota(1, 1, 4, 4), new int[] {2, 2}).out();
    assertEquals(f32Type(1, 1, 2, 2), y.type());
    assertValues(y, 5, 7, 13, 15);
  }

  @Test
  void maxPoolCeilModeKeepsPartialWindows() {
    // 5x5 with 2x2 windows, stride 2: floor mode drops the last row/column, ceil mode keeps them.
    Tensor x = iota(1, 1, 5, 5);
    assertEquals(f32Type(1, 1, 2, 2), run("aten.max_pool2d", x, new int[] {2, 2}).out().type());
    Tensor y = run("aten.max_pool2d", List.of(x, new int[] {2, 2}), Map.of("ceil_mode", true)).out();
    assertEquals(f32Type(1, 1, 3, 3), y.type());
    assertValues(y, 6, 8, 9, 16, 18, 19, 21, 23, 24);
  }

  @Test
  void ceilModeDropsAWindowStartingInRightPadding() {
    // in 3, k 2, s 2, pad 1: ceil((3 + 2 - 1 - 1) / 2) + 1 = 3 windows, but the third would start at
    // (3 - 1) * 2 = 4 in padded coordinates, past in + pad_l = 4 - 1 = 3 real elements: entirely in the right
    // padding, so PyTorch drops it and the output size is 2.
    assertEquals(f32Type(1, 1, 2, 2), infer("aten.max_pool2d", f32Type(1, 1, 3, 3), new int[] {2, 2},
        new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true).get(0));
    assertEquals(2, PoolGeometry.outputSize(3, 2, 1, 2, 1, true));
    assertEquals(3, PoolGeometry.outputSize(5, 2, 0, 2, 1, true));
    assertEquals(2, PoolGeometry.outputSize(5, 2, 0, 2, 1, false));
    assertEquals(3, PoolGeometry.outputSize(5, 3, 1, 2, 1, true));
  }

  /** max over window taps inside the input; output size from PyTorch's formula written out here. */
  private static double[] maxPoolRef(double[] x, int planes, int h, int w, int k, int s, int p, int d, boolean ceil) {
    int oh = outSize(h, k, s, p, d, ceil);
    int ow = outSize(w, k, s, p, d, ceil);
    double[] out = new double[planes * oh * ow];
    for (int c = 0; c < planes; c++) {
      for (int y = 0; y < oh; y++) {
        for (int xx = 0; xx < ow; xx++) {
          double m = Double.NEGATIVE_INFINITY;
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = y * s - p + ky * d;
              int ix = xx * s - p + kx * d;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                m = Math.max(m, x[(c * h + iy) * w + ix]);
              }
            }
          }
          out[(c * oh + y) * ow + xx] = m;
        }
      }
    }
    return out;
  }

  private static int outSize(int in, int k, int s, int p, int d, boolean ceil) {
    double exact = (double) (in + 2 * p - d * (k - 1) - 1) / s;
    int out = (int) (ceil ? Math.ceil(exact) : Math.floor(exact)) + 1;
    if (ceil && (out - 1) * s >= in + p) {
      out--;
    }
    return out;
  }

  @Test
  void maxPoolWithPaddingDilationAndCeilMatchesReference() {
    int[][] cases = {{3, 2, 1, 1}, {3, 2, 1, 2}, {2, 3, 1, 1}, {3, 3, 0, 2}};
    for (boolean ceil : new boolean[] {false, true}) {
      for (int[] c : cases) {
        Tensor x = random(c[0] * 7 + c[1], 2, 3, 9, 8);
        Tensor y = run("aten.max_pool2d", x, new int[] {c[0], c[0]}, new int[] {c[1], c[1]},
            new int[] {c[2], c[2]}, new int[] {c[3], c[3]}, ceil).out();
        double[] expected = maxPoolRef(doubles(x), 6, 9, 8, c[0], c[1], c[2], c[3], ceil);
        assertClose(expected, y, 0, 0);
      }
    }
  }

  @Test
  void maxPoolPropagatesNaNAndAcceptsUnbatchedInput() {
    Tensor x = f32(new float[] {1, Float.NaN, 3, 4}, 1, 2, 2);
    Tensor y = run("aten.max_pool2d", x, new int[] {2, 2}).out();
    assertEquals(f32Type(1, 1, 1), y.type());
    assertTrue(Float.isNaN(y.floats()[0]));
  }

  @Test
  void avgPoolCountIncludePad() {
    // 3x3 of 1..9, 2x2 windows, stride 2, padding 1: windows {1}, {2,3}, {4,7}, {5,6,8,9}.
    Tensor include = run("aten.avg_pool2d", oneToNine(), new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}).out();
    assertEquals(f32Type(1, 1, 2, 2), include.type());
    assertValues(include, 1 / 4.0, 5 / 4.0, 11 / 4.0, 28 / 4.0);
    Tensor exclude = run("aten.avg_pool2d", oneToNine(), new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1},
        false, false).out();
    assertValues(exclude, 1, 2.5, 5.5, 7);
  }

  @Test
  void avgPoolCeilOverhangIsNotCountedAsPadding() {
    // 3x3 of 1..9, 2x2 windows, stride 2, ceil mode: the last row/column windows hang off the input;
    // the overhang is outside input+padding, so even count_include_pad divides by the clipped size.
    Tensor y = run("aten.avg_pool2d", oneToNine(), new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
        true, true).out();
    assertEquals(f32Type(1, 1, 2, 2), y.type());
    assertValues(y, 12 / 4.0, 9 / 2.0, 15 / 2.0, 9);
  }

  @Test
  void avgPoolDivisorOverride() {
    Tensor y = run("aten.avg_pool2d", List.of(oneToNine(), new int[] {2, 2}),
        Map.of("stride", new int[] {1, 1}, "divisor_override", 3)).out();
    assertValues(y, 12f / 3f, 16f / 3f, 24f / 3f, 28f / 3f); // f32 results
  }

  @Test
  void adaptiveAvgPoolNonDivisibleSizes() {
    int h = 5;
    int w = 7;
    int oh = 3;
    int ow = 4;
    Tensor x = random(500, 2, 2, h, w);
    Tensor y = run("aten.adaptive_avg_pool2d", x, new int[] {oh, ow}).out();
    assertEquals(f32Type(2, 2, oh, ow), y.type());
    double[] xd = doubles(x);
    double[] expected = new double[4 * oh * ow];
    for (int c = 0; c < 4; c++) {
      for (int i = 0; i < oh; i++) {
        int y0 = (int) Math.floor((double) i * h / oh);
        int y1 = (int) Math.ceil((double) (i + 1) * h / oh);
        for (int j = 0; j < ow; j++) {
          int x0 = (int) Math.floor((double) j * w / ow);
          int x1 = (int) Math.ceil((double) (j + 1) * w / ow);
          double s = 0;
          for (int a = y0; a < y1; a++) {
            for (int b = x0; b < x1; b++) {
              s += xd[(c * h + a) * w + b];
            }
          }
          expected[(c * oh + i) * ow + j] = s / ((y1 - y0) * (x1 - x0));
        }
      }
    }
    assertClose(expected, y, 1e-6, 1e-7);
  }

  @Test
  void adaptiveAvgPoolOverlappingWindowsHandComputed() {
    // 3 -> 2: windows [0, 2) and [1, 3) overlap on the middle element.
    Tensor x = f32(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3);
    Tensor y = run("aten.adaptive_avg_pool2d", x, new int[] {2, 2}).out();
    assertEquals(f32Type(1, 2, 2), y.type());
    assertValues(y, 3, 4, 6, 7);
    Tensor global = run("aten.adaptive_avg_pool2d", x, new int[] {1, 1}).out();
    assertValues(global, 5);
  }

  @Test
  void rejectsBadPoolingArguments() {
    inferError("aten.max_pool2d", new Object[] {f32Type(1, 1, 8, 8), new int[] {2, 2}, new int[] {2, 2},
        new int[] {2, 2}}, "aten.max_pool2d", "pad should be at most half of effective kernel size");
    inferError("aten.max_pool2d", new Object[] {f32Type(8, 8), new int[] {2, 2}}, "3-D [C, H, W] or 4-D");
    inferError("aten.avg_pool2d", new Object[] {f32Type(1, 1, 2, 2), new int[] {3, 3}}, "too small");
    inferError("aten.avg_pool2d", new Object[] {f32Type(1, 1, 4, 4), new int[] {2, 2}, new int[] {0, 1}},
        "stride must be positive");
    inferError("aten.adaptive_avg_pool2d", new Object[] {f32Type(1, 4, 4), new int[] {1, 2, 3}},
        "output_size must have 1 or 2 elements");
  }
}
