package org.qforge.ir.ops;

/**
 * The exact integer sums of the integer convolution and linear ops ({@link IntegerOps}):
 * {@code acc = Σ (x - x_zp) * (w - w_zp[o])} over an output element's receptive field, on inputs
 * already centred on their zero points ({@link Requantization#centered}).
 *
 * <p>Each product is at most 255 · 255 in magnitude, so a sum of K products fits in a 32-bit int
 * while K ≤ 33025; the kernels accumulate in {@code long} so that any K is exact. The sum is the
 * same whatever the order, which leaves a code generator free to reorder, tile or vectorize it.
 */
final class IntegerAccumulation {
  private IntegerAccumulation() {}

  /** Receives the finished sums of one output plane (batch n, output channel o), row-major. */
  @FunctionalInterface
  interface PlaneSink {
    void accept(int n, int o, long[] acc);
  }

  /**
   * Direct convolution over centred ints, in the layout of {@link ConvolutionOps#convForward}:
   * {@code acc[n, o, oy, ox] = Σ over the group's input channels ic and taps (ky, kx) of
   * w[o, ic, ky, kx] * x[n, g*C/G + ic, oy*sH - pH + ky*dH, ox*sW - pW + kx*dW]}; taps that land in
   * the padding contribute nothing (padding holds the input's zero point, whose centred value is 0).
   * Each finished plane goes to {@code sink}; the array is reused for the next plane.
   */
  static void conv(int[] x, int[] w, ConvGeometry g, PlaneSink sink) {
    int c = g.inChannels;
    int h = g.inH;
    int wd = g.inW;
    int oc = g.outChannels;
    int oh = g.outH;
    int ow = g.outW;
    int cPerGroup = c / g.groups;
    int ocPerGroup = oc / g.groups;
    long[] acc = new long[oh * ow];
    for (int n = 0; n < g.batch; n++) {
      for (int o = 0; o < oc; o++) {
        java.util.Arrays.fill(acc, 0);
        int group = o / ocPerGroup;
        for (int icg = 0; icg < cPerGroup; icg++) {
          int inBase = (n * c + group * cPerGroup + icg) * h * wd;
          for (int ky = 0; ky < g.kernelH; ky++) {
            for (int kx = 0; kx < g.kernelW; kx++) {
              int wv = w[((o * cPerGroup + icg) * g.kernelH + ky) * g.kernelW + kx];
              if (wv == 0) {
                continue;
              }
              int xShift = kx * g.dilationW - g.padW; // ix = ox * sW + xShift
              int ox0 = Math.max(0, -Math.floorDiv(xShift, g.strideW));
              int ox1 = Math.min(ow, Math.floorDiv(wd - 1 - xShift, g.strideW) + 1);
              for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.strideH - g.padH + ky * g.dilationH;
                if (iy < 0 || iy >= h) {
                  continue;
                }
                int inRow = inBase + iy * wd + xShift;
                int outRow = oy * ow;
                for (int ox = ox0; ox < ox1; ox++) {
                  acc[outRow + ox] += wv * x[inRow + ox * g.strideW];
                }
              }
            }
          }
        }
        sink.accept(n, o, acc);
      }
    }
  }

  /**
   * Matrix product with a transposed weight, as {@code aten.linear}: {@code acc[r, o] = Σ_k x[r, k]
   * * w[o, k]} for {@code rows} rows of {@code k} inputs and {@code outs} outputs.
   */
  static long[] linear(int[] x, int[] w, int rows, int k, int outs) {
    long[] acc = new long[rows * outs];
    for (int r = 0; r < rows; r++) {
      int xBase = r * k;
      for (int o = 0; o < outs; o++) {
        int wBase = o * k;
        long sum = 0;
        for (int i = 0; i < k; i++) {
          sum += x[xBase + i] * w[wBase + i];
        }
        acc[r * outs + o] = sum;
      }
    }
    return acc;
  }
}
