package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qforge.ir.ops.OpHarness.assertClose;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.doubles;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.random;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

class ConvolutionOpsTest {

  /** The convolution sizes of one test case (2-D; 1-D cases use h = kh = 1). */
  private record Case(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw,
      int dh, int dw, int groups) {}

  /**
   * The textbook definition, one output element at a time: out[n, o, y, x] = b[o] + sum over the
   * group's input channels and kernel taps of weight * input at (y*s - p + k*d), zero outside.
   */
  private static double[] convRef(double[] in, double[] wt, double[] b, Case k) {
    int oh = Math.floorDiv(k.h + 2 * k.ph - k.dh * (k.kh - 1) - 1, k.sh) + 1;
    int ow = Math.floorDiv(k.w + 2 * k.pw - k.dw * (k.kw - 1) - 1, k.sw) + 1;
    int cg = k.c / k.groups;
    int ocg = k.oc / k.groups;
    double[] out = new double[k.n * k.oc * oh * ow];
    for (int n = 0; n < k.n; n++) {
      for (int o = 0; o < k.oc; o++) {
        int g = o / ocg;
        for (int y = 0; y < oh; y++) {
          for (int x = 0; x < ow; x++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < cg; i++) {
              int ic = g * cg + i;
              for (int ky = 0; ky < k.kh; ky++) {
                for (int kx = 0; kx < k.kw; kx++) {
                  int iy = y * k.sh - k.ph + ky * k.dh;
                  int ix = x * k.sw - k.pw + kx * k.dw;
                  if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w) {
                    s += wt[((o * cg + i) * k.kh + ky) * k.kw + kx] * in[((n * k.c + ic) * k.h + iy) * k.w + ix];
                  }
                }
              }
            }
            out[((n * k.oc + o) * oh + y) * ow + x] = s;
          }
        }
      }
    }
    return out;
  }

  /**
   * Transposed convolution as a scatter: every input element, times every weight tap of every
   * output channel of its group, lands at (i*s - p + k*d) in the output if that is inside it.
   * Weight layout [in, out/groups, kh, kw].
   */
  private static double[] convTransposeRef(double[] in, double[] wt, double[] b, Case k, int oph, int opw) {
    int oh = (k.h - 1) * k.sh - 2 * k.ph + k.dh * (k.kh - 1) + oph + 1;
    int ow = (k.w - 1) * k.sw - 2 * k.pw + k.dw * (k.kw - 1) + opw + 1;
    int cg = k.c / k.groups;
    int ocg = k.oc / k.groups;
    double[] out = new double[k.n * k.oc * oh * ow];
    for (int n = 0; n < k.n; n++) {
      for (int o = 0; o < k.oc; o++) {
        for (int i = 0; i < oh * ow; i++) {
          out[(n * k.oc + o) * oh * ow + i] = b == null ? 0 : b[o];
        }
      }
      for (int ic = 0; ic < k.c; ic++) {
        int g = ic / cg;
        for (int iy = 0; iy < k.h; iy++) {
          for (int ix = 0; ix < k.w; ix++) {
            double v = in[((n * k.c + ic) * k.h + iy) * k.w + ix];
            for (int j = 0; j < ocg; j++) {
              int o = g * ocg + j;
              for (int ky = 0; ky < k.kh; ky++) {
                for (int kx = 0; kx < k.kw; kx++) {
                  int y = iy * k.sh - k.ph + ky * k.dh;
                  int x = ix * k.sw - k.pw + kx * k.dw;
                  if (y >= 0 && y < oh && x >= 0 && x < ow) {
                    out[((n * k.oc + o) * oh + y) * ow + x] += v * wt[((ic * ocg + j) * k.kh + ky) * k.kw + kx];
                  }
                }
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static void checkConv2d(Case k, boolean withBias, long seed) {
    Tensor x = random(seed, k.n, k.c, k.h, k.w);
    Tensor w = random(seed + 1, k.oc, k.c / k.groups, k.kh, k.kw);
    Tensor b = withBias ? random(seed + 2, k.oc) : null;
    Tensor y = run("aten.conv2d", x, w, b, new int[] {k.sh, k.sw}, new int[] {k.ph, k.pw},
        new int[] {k.dh, k.dw}, k.groups).out();
    double[] expected = convRef(doubles(x), doubles(w), b == null ? null : doubles(b), k);
    assertClose(expected, y, 1e-5, 1e-6);
  }

  @Test
  void plainConvHandComputed() {
    // 3x3 input, 2x2 all-ones kernel: each output is the sum of a 2x2 block, plus bias 0.5.
    Tensor x = f32(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
    Tensor w = f32(new float[] {1, 1, 1, 1}, 1, 1, 2, 2);
    Tensor b = f32(new float[] {0.5f}, 1);
    Tensor y = run("aten.conv2d", x, w, b).out();
    assertEquals(f32Type(1, 1, 2, 2), y.type());
    assertValues(y, 12.5, 16.5, 24.5, 28.5);
  }

  @Test
  void ungroupedConvolutionIsFusedChainsFromZeroAddedToTheBias() {
    // Nine taps of 1 * 1 and bias 2^24: the chain from zero is exactly 9, and 2^24 + 9 rounds to
    // 2^24 + 8 (ties to even). Starting the chain from the bias would lose every 1 (2^24 + 1 rounds
    // back to 2^24).
    Tensor x = f32(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3);
    Tensor w = f32(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3);
    Tensor b = f32(new float[] {16777216f}, 1);
    assertValues(run("aten.conv2d", x, w, b).out(), 16777224);
  }

  @Test
  void groupedConvolutionIsOneFusedChainFromTheBias() {
    // oneDNN's depthwise kernel starts its accumulator at the bias: every 2^24 + 1 rounds back.
    float[] ones = new float[18];
    java.util.Arrays.fill(ones, 1f);
    Tensor x = f32(ones, 1, 2, 3, 3);
    Tensor w = f32(ones, 2, 1, 3, 3);
    Tensor b = f32(new float[] {16777216f, 16777216f}, 2);
    assertValues(run("aten.conv2d", x, w, b, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 2).out(),
        16777216, 16777216);
  }

  @Test
  void largeGemmsAreBlockedInKAsOpenBlasDoes() {
    // 1x1 convolution over 576 channels on a 42x42 image: M·N·K = 1764 · 1 · 576 > 10^6, so two K
    // blocks of 288. The first holds 2^24 and 287 ones (each lost: 2^24 + 1 rounds back), the second
    // 288 ones, exactly 288: bias 0 + 2^24 + 288. One chain over all 576 would stay at 2^24.
    int positions = 42 * 42;
    float[] xs = new float[576 * positions];
    java.util.Arrays.fill(xs, 1f);
    java.util.Arrays.fill(xs, 0, positions, 16777216f);
    float[] ws = new float[576];
    java.util.Arrays.fill(ws, 1f);
    Tensor w = f32(ws, 1, 576, 1, 1);
    Tensor b = f32(new float[] {0f}, 1);
    Tensor big = run("aten.conv2d", f32(xs, 1, 576, 42, 42), w, b).out();
    assertEquals(16777216f + 288f, big.getDouble(0));
    assertEquals(16777216f + 288f, big.getDouble(positions - 1));
    // The same reduction on one position is a small product: one chain, every one lost.
    float[] one = new float[576];
    java.util.Arrays.fill(one, 1f);
    one[0] = 16777216f;
    assertValues(run("aten.conv2d", f32(one, 1, 576, 1, 1), w, b).out(), 16777216);
  }

  @Test
  void kBlocksFollowOpenBlasLevel3Driver() {
    assertEquals(List.of(288), boxed(ConvolutionOps.gemmKBlocks(288)));
    assertEquals(List.of(448), boxed(ConvolutionOps.gemmKBlocks(448)));
    assertEquals(List.of(288, 288), boxed(ConvolutionOps.gemmKBlocks(576)));
    // 1000: 552 remain after 448, halved to 276 and rounded up to 288, then 264 (checked against
    // OpenBLAS 0.3.31, as are the others).
    assertEquals(List.of(448, 288, 264), boxed(ConvolutionOps.gemmKBlocks(1000)));
    assertEquals(List.of(448, 448, 448, 448, 256, 256), boxed(ConvolutionOps.gemmKBlocks(2304)));
  }

  private static List<Integer> boxed(int[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }

  @Test
  void conv2dStridePaddingDilationGroups() {
    checkConv2d(new Case(2, 3, 7, 6, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1), true, 10);
    checkConv2d(new Case(1, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1), true, 20); // stride 2, pad 1
    checkConv2d(new Case(1, 2, 9, 9, 3, 3, 2, 1, 2, 2, 1, 2, 3, 1), false, 30); // asymmetric, dilation
    checkConv2d(new Case(2, 4, 6, 7, 6, 3, 3, 1, 2, 1, 0, 1, 1, 2), true, 40); // groups 2
    checkConv2d(new Case(1, 4, 8, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4), true, 50); // depthwise
    checkConv2d(new Case(1, 3, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 3), false, 60); // depthwise, multiplier 2
    checkConv2d(new Case(1, 8, 4, 4, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1), true, 70); // pointwise
  }

  @Test
  void conv2dAcceptsOneElementListsAndUnbatchedInput() {
    Case k = new Case(1, 2, 7, 7, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1);
    Tensor x = random(80, 2, 7, 7); // unbatched [C, H, W]
    Tensor w = random(81, 3, 2, 3, 3);
    Tensor y = run("aten.conv2d", x, w, null, new int[] {2}, new int[] {1}).out();
    assertEquals(f32Type(3, 4, 4), y.type());
    assertClose(convRef(doubles(x), doubles(w), null, k), y, 1e-5, 1e-6);
  }

  @Test
  void conv1dMatchesDefinition() {
    Case k = new Case(2, 4, 1, 11, 6, 1, 3, 1, 2, 0, 1, 1, 2, 2);
    Tensor x = random(90, 2, 4, 11);
    Tensor w = random(91, 6, 2, 3);
    Tensor b = random(92, 6);
    Tensor y = run("aten.conv1d", x, w, b, new int[] {2}, new int[] {1}, new int[] {2}, 2).out();
    assertEquals(f32Type(2, 6, 5), y.type());
    assertClose(convRef(doubles(x), doubles(w), doubles(b), k), y, 1e-5, 1e-6);
  }

  @Test
  void convTranspose2dMatchesScatterDefinition() {
    Case[] cases = {
      new Case(1, 2, 3, 3, 3, 3, 3, 1, 1, 0, 0, 1, 1, 1),
      new Case(2, 4, 4, 3, 6, 3, 2, 2, 3, 1, 0, 1, 1, 2),
      new Case(1, 3, 4, 4, 3, 3, 3, 2, 2, 1, 1, 2, 2, 3),
    };
    int[][] outputPadding = {{0, 0}, {1, 2}, {1, 1}};
    for (int i = 0; i < cases.length; i++) {
      Case k = cases[i];
      Tensor x = random(100 + i, k.n, k.c, k.h, k.w);
      Tensor w = random(200 + i, k.c, k.oc / k.groups, k.kh, k.kw);
      Tensor b = random(300 + i, k.oc);
      Tensor y = run("aten.conv_transpose2d.input", x, w, b, new int[] {k.sh, k.sw}, new int[] {k.ph, k.pw},
          outputPadding[i], k.groups, new int[] {k.dh, k.dw}).out();
      double[] expected = convTransposeRef(doubles(x), doubles(w), doubles(b), k, outputPadding[i][0],
          outputPadding[i][1]);
      assertClose(expected, y, 1e-5, 1e-6);
    }
  }

  @Test
  void convTransposeHandComputed() {
    // Stride 2 with a [1, 1] kernel spreads the input out with zeros between: 1 0 2 0 3.
    Tensor x = f32(new float[] {1, 2, 3}, 1, 1, 3);
    Tensor w = f32(new float[] {1, 1}, 1, 1, 2);
    Tensor y = run("aten.conv_transpose1d", List.of(x, w), Map.of("stride", new int[] {2})).out();
    assertEquals(f32Type(1, 1, 6), y.type());
    assertValues(y, 1, 1, 2, 2, 3, 3);
  }

  @Test
  void convolutionDispatchesOnTransposed() {
    Tensor x = random(400, 1, 2, 5, 5);
    Tensor w = random(401, 4, 2, 3, 3);
    Tensor b = random(402, 4);
    Tensor direct = run("aten.conv2d", x, w, b, new int[] {2, 2}, new int[] {1, 1}).out();
    Tensor viaConvolution = run("aten.convolution", x, w, b, new int[] {2, 2}, new int[] {1, 1},
        new int[] {1, 1}, false, new int[] {0, 0}, 1).out();
    assertEquals(direct, viaConvolution);

    Tensor wt = random(403, 2, 3, 3, 3);
    Tensor transposed = run("aten.conv_transpose2d.input", x, wt, null, new int[] {2, 2}, new int[] {1, 1},
        new int[] {1, 1}).out();
    Tensor viaConvolutionT = run("aten.convolution", x, wt, null, new int[] {2, 2}, new int[] {1, 1},
        new int[] {1, 1}, true, new int[] {1, 1}, 1).out();
    assertEquals(f32Type(1, 3, 10, 10), transposed.type());
    assertEquals(transposed, viaConvolutionT);

    Tensor x1 = random(404, 1, 2, 9);
    Tensor w1 = random(405, 3, 2, 3);
    assertEquals(run("aten.conv1d", x1, w1, null).out(),
        run("aten.convolution", x1, w1, null, new int[] {1}, new int[] {0}, new int[] {1}, false,
            new int[] {0}, 1).out());
  }

  @Test
  void int32ConvolutionIsExact() {
    Tensor x = Tensor.ofInts(new int[] {100, -200, 300, 400}, 1, 1, 2, 2);
    Tensor w = Tensor.ofInts(new int[] {127, -128, 5, 7}, 1, 1, 2, 2);
    Tensor y = run("aten.convolution", x, w, null, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, false,
        new int[] {0, 0}, 1).out();
    assertEquals(TensorType.of(DType.I32, 1, 1, 1, 1), y.type());
    assertEquals(100 * 127 + 200 * 128 + 300 * 5 + 400 * 7, y.ints()[0]);
  }

  @Test
  void shapeFunctionComputesOutputSizes() {
    assertEquals(f32Type(1, 16, 16, 16), infer("aten.conv2d", f32Type(1, 3, 32, 32), f32Type(16, 3, 3, 3), null,
        new int[] {2, 2}, new int[] {1, 1}).get(0));
    assertEquals(f32Type(2, 8, 10, 10), infer("aten.conv2d", f32Type(2, 8, 12, 12), f32Type(8, 1, 3, 3), null,
        new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 8).get(0));
    // (5-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 10
    assertEquals(f32Type(1, 4, 10, 10), infer("aten.conv_transpose2d.input", f32Type(1, 2, 5, 5),
        f32Type(2, 4, 3, 3), null, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}).get(0));
  }

  @Test
  void shapeFunctionRejectsBadCalls() {
    inferError("aten.conv2d", new Object[] {f32Type(1, 3, 8, 8), f32Type(5, 4, 3, 3), null},
        "aten.conv2d: input has 3 channels but weight expects 4 (groups=1)");
    inferError("aten.conv2d", new Object[] {f32Type(1, 4, 8, 8), f32Type(6, 1, 3, 3), null,
        new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 4}, "6 output channels", "groups=4");
    inferError("aten.conv2d", new Object[] {f32Type(1, 1, 2, 2), f32Type(1, 1, 3, 3), null},
        "smaller than the (dilated) kernel");
    inferError("aten.conv2d", new Object[] {f32Type(3, 8), f32Type(5, 3, 3, 3), null}, "3-D (unbatched)");
    inferError("aten.conv2d", new Object[] {f32Type(1, 3, 8, 8), f32Type(5, 3, 3, 3), f32Type(4)}, "bias");
    inferError("aten.conv2d", new Object[] {f32Type(1, 3, 8, 8), f32Type(5, 3, 3, 3), null,
        new int[] {1, 1, 1}}, "stride must have 1 or 2 elements");
    inferError("aten.conv_transpose2d.input", new Object[] {f32Type(1, 2, 5, 5), f32Type(2, 4, 3, 3), null,
        new int[] {2, 2}, new int[] {0, 0}, new int[] {2, 2}}, "output padding must be smaller");
    inferError("aten.conv2d", new Object[] {f32Type(1, 3, 8, 8), TensorType.of(DType.F64, 5, 3, 3, 3), null},
        "should be the same");
  }
}
