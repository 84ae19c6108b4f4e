package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.qforge.ir.Kernel;
import org.qforge.ir.KernelContext;
import org.qforge.ir.Literal;
import org.qforge.ir.OpArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * 1-D and 2-D convolution and transposed convolution with stride, padding, dilation and groups
 * (depthwise is groups == channels), and {@code aten.convolution}, which dispatches on
 * {@code transposed} and the weight's rank.
 *
 * <p>The direct convolution reproduces PyTorch's CPU float32 results bit for bit, because PT2E's
 * histogram observers are sensitive to the last bit of activations (an activation maximum one ulp off
 * moves a scale by one ulp, and every dequantized output with it). Two orders, as PyTorch picks its
 * kernel ({@code ConvParams::use_mkldnn}) for the batch-1 models we meet:
 * <ul>
 *   <li>Ungrouped: im2col and OpenBLAS's sgemm over K = (channel, ky, kx), with M = output positions
 *       and N = output channels. Each output starts from its bias. A product of at most
 *       {@link #GEMM_SMALL_MNK} multiply-adds goes to the small-matrix kernel: one chain of fused
 *       multiply-adds from zero in K order, then added to the bias. A larger one is blocked in K as
 *       OpenBLAS's level-3 driver does ({@link #gemmKBlocks}); each block is such a chain, added to
 *       the output in turn.
 *   <li>Grouped (depthwise): oneDNN, one chain of fused multiply-adds in (ky, kx) order starting
 *       from the bias.
 * </ul>
 * Settled against PyTorch's own numbers: digits_rescnn's recorded fp32 activations agree element
 * for element (K = 9, 144, 288), ResNet-20's 34 activation scales agree to the bit only with the
 * blocking (K = 576 in 64x64 outputs is two blocks of 288), digits_dwnet's only with the depthwise
 * chain from the bias. The block sizes and the small-kernel bound are OpenBLAS 0.3.31's with
 * SkylakeX kernels, checked against that library (K from 576 to 2304, products on both sides of the
 * bound). PyTorch also sends batches above 1, kernels larger than 3x3 and large inputs to oneDNN,
 * whose blocked order for ungrouped convolutions is not reproduced. Transposed convolution
 * accumulates in double.
 */
final class ConvolutionOps {
  /** OpenBLAS's K block ({@code GEMM_Q}) for its SkylakeX sgemm kernels, and its M unroll. */
  static final int GEMM_Q = 448;

  private static final int GEMM_UNROLL_M = 16;

  /** OpenBLAS takes products of at most this many multiply-adds (M·N·K) to its unblocked small kernels. */
  static final long GEMM_SMALL_MNK = 1_000_000L;

  private ConvolutionOps() {}

  static List<OpDef> definitions() {
    return List.of(
        conv("aten.conv1d", 1),
        conv("aten.conv2d", 2),
        convTranspose("aten.conv_transpose1d", 1),
        convTranspose("aten.conv_transpose2d.input", 2),
        convolution());
  }

  private static int[] ones(int n) {
    int[] a = new int[n];
    java.util.Arrays.fill(a, 1);
    return a;
  }

  private static OpDef conv(String name, int rank) {
    return OpDef.builder(name)
        .param("input", ParamType.TENSOR)
        .param("weight", ParamType.TENSOR)
        .param("bias", ParamType.OPTIONAL_TENSOR, Literal.NONE)
        .ints("stride", ones(rank))
        .ints("padding", new int[rank])
        .ints("dilation", ones(rank))
        .param("groups", ParamType.INT, new Literal.Int(1))
        .doc(rank + "-D convolution; weight [out, in/groups, " + (rank == 2 ? "kH, kW]" : "kW]"))
        .shape(ShapeFunction.single(a -> {
          ConvGeometry g = geometry(a, rank, 3, 4, 5, false, -1, 6);
          return g.outputType(a.type(0));
        }))
        .kernel(Kernel.single(ctx -> run(ctx, geometry(ctx, rank, 3, 4, 5, false, -1, 6))))
        .build();
  }

  private static OpDef convTranspose(String name, int rank) {
    return OpDef.builder(name)
        .param("input", ParamType.TENSOR)
        .param("weight", ParamType.TENSOR)
        .param("bias", ParamType.OPTIONAL_TENSOR, Literal.NONE)
        .ints("stride", ones(rank))
        .ints("padding", new int[rank])
        .ints("output_padding", new int[rank])
        .param("groups", ParamType.INT, new Literal.Int(1))
        .ints("dilation", ones(rank))
        .doc(rank + "-D transposed convolution; weight [in, out/groups, " + (rank == 2 ? "kH, kW]" : "kW]"))
        .shape(ShapeFunction.single(a -> {
          ConvGeometry g = geometry(a, rank, 3, 4, 7, true, 5, 6);
          return g.outputType(a.type(0));
        }))
        .kernel(Kernel.single(ctx -> run(ctx, geometry(ctx, rank, 3, 4, 7, true, 5, 6))))
        .build();
  }

  private static OpDef convolution() {
    String name = "aten.convolution";
    return OpDef.builder(name)
        .param("input", ParamType.TENSOR)
        .param("weight", ParamType.TENSOR)
        .param("bias", ParamType.OPTIONAL_TENSOR)
        .param("stride", ParamType.INT_LIST)
        .param("padding", ParamType.INT_LIST)
        .param("dilation", ParamType.INT_LIST)
        .param("transposed", ParamType.BOOL)
        .param("output_padding", ParamType.INT_LIST)
        .param("groups", ParamType.INT)
        .doc("convolution or transposed convolution, 1-D or 2-D by the weight's rank")
        .shape(ShapeFunction.single(a -> convolutionGeometry(a).outputType(a.type(0))))
        .kernel(Kernel.single(ctx -> run(ctx, convolutionGeometry(ctx))))
        .build();
  }

  private static ConvGeometry convolutionGeometry(OpArgs a) {
    int rank = a.type(1).rank() - 2;
    checkArgument(rank == 1 || rank == 2, "%s: only 1-D and 2-D convolutions are supported, weight is %s",
        a.op().name(), a.type(1));
    return geometry(a, rank, 3, 4, 5, a.boolArg(6), 7, 8);
  }

  /** Reads the geometry from the call; parameter positions differ between the ops. */
  private static ConvGeometry geometry(OpArgs a, int rank, int stride, int padding, int dilation,
      boolean transposed, int outputPadding, int groups) {
    long g = a.intArg(groups);
    checkArgument(g > 0 && g <= Integer.MAX_VALUE, "%s: groups must be positive, got %s", a.op().name(), g);
    return ConvGeometry.of(a.op().name(), rank, a.type(0), a.type(1), a.isNone(2) ? null : a.type(2),
        a.ints(stride), a.ints(padding), a.ints(dilation), transposed,
        outputPadding < 0 ? new int[] {0} : a.ints(outputPadding), (int) g);
  }

  private static Tensor run(KernelContext ctx, ConvGeometry g) {
    double[] x = Elements.toDoubles(ctx.tensor(0));
    double[] w = Elements.toDoubles(ctx.tensor(1));
    Tensor biasTensor = ctx.optTensor(2);
    double[] bias = biasTensor == null ? null : Elements.toDoubles(biasTensor);
    double[] out = g.transposed ? convTransposeForward(x, w, bias, g) : convForward(x, w, bias, g);
    return Elements.fromDoubles(out, g.outputType(ctx.type(0)));
  }

  /**
   * Direct convolution: {@code out[n, oc, oy, ox] = bias[oc] + sum over the group's input channels
   * ic and kernel taps (ky, kx) of w[oc, ic, ky, kx] * x[n, ic, oy*sH - pH + ky*dH, ox*sW - pW + kx*dW]}
   * (taps landing in the padding contribute nothing), summed in PyTorch's order (class comment). For
   * each weight tap the innermost loop runs along an output row, where input and output are
   * contiguous (strided by sW in the input); {@code partial} holds the current chain of one output
   * channel.
   */
  static double[] convForward(double[] x, double[] w, double[] bias, ConvGeometry g) {
    int c = g.inChannels;
    int h = g.inH;
    int wd = g.inW;
    int oc = g.outChannels;
    int oh = g.outH;
    int ow = g.outW;
    int cPerGroup = c / g.groups;
    int ocPerGroup = oc / g.groups;
    int taps = cPerGroup * g.kernelH * g.kernelW;
    // Grouped convolutions go to oneDNN, the rest to im2col + GEMM (see the class comment).
    boolean gemm = g.groups == 1;
    boolean small = (long) oh * ow * oc * taps <= GEMM_SMALL_MNK;
    int[] blocks = gemm && !small ? gemmKBlocks(taps) : new int[] {taps};
    double[] out = new double[g.batch * oc * oh * ow];
    float[] partial = new float[oh * ow];
    for (int n = 0; n < g.batch; n++) {
      for (int o = 0; o < oc; o++) {
        int group = o / ocPerGroup;
        int outBase = (n * oc + o) * oh * ow;
        if (bias != null && gemm) {
          java.util.Arrays.fill(out, outBase, outBase + oh * ow, (float) bias[o]);
        } else if (bias != null) {
          java.util.Arrays.fill(partial, (float) bias[o]);
        }
        int tap = 0;
        int block = 0;
        int blockEnd = blocks[0];
        for (int icg = 0; icg < cPerGroup; icg++) {
          int inBase = (n * c + group * cPerGroup + icg) * h * wd;
          for (int ky = 0; ky < g.kernelH; ky++) {
            for (int kx = 0; kx < g.kernelW; kx++) {
              double wv = w[((o * cPerGroup + icg) * g.kernelH + ky) * g.kernelW + kx];
              int xShift = kx * g.dilationW - g.padW; // ix = ox * sW + xShift
              int ox0 = Math.max(0, ceilDiv(-xShift, g.strideW));
              int ox1 = Math.min(ow, Math.floorDiv(wd - 1 - xShift, g.strideW) + 1);
              for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.strideH - g.padH + ky * g.dilationH;
                if (iy < 0 || iy >= h) {
                  continue;
                }
                int inRow = inBase + iy * wd + xShift;
                int outRow = oy * ow;
                for (int ox = ox0; ox < ox1; ox++) {
                  partial[outRow + ox] = Math.fma((float) wv, (float) x[inRow + ox * g.strideW], partial[outRow + ox]);
                }
              }
              tap++;
              if (tap == blockEnd) { // the block's chain is done: add it to the output
                for (int i = 0; i < oh * ow; i++) {
                  out[outBase + i] = (float) out[outBase + i] + partial[i];
                  partial[i] = 0f;
                }
                blockEnd += ++block < blocks.length ? blocks[block] : 0;
              }
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * OpenBLAS's level-3 K blocking: while at least {@code 2 * GEMM_Q} remain take {@code GEMM_Q};
   * more than {@code GEMM_Q} are halved, rounded up to the M unroll; the rest is the last block.
   */
  static int[] gemmKBlocks(int k) {
    java.util.List<Integer> blocks = new java.util.ArrayList<>();
    for (int done = 0; done < k; ) {
      int block = k - done;
      if (block >= 2 * GEMM_Q) {
        block = GEMM_Q;
      } else if (block > GEMM_Q) {
        block = (block / 2 + GEMM_UNROLL_M - 1) / GEMM_UNROLL_M * GEMM_UNROLL_M;
      }
      blocks.add(block);
      done += block;
    }
    return blocks.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Transposed convolution as the scatter it is: every input element {@code x[n, ic, iy, ix]}
   * adds {@code x * w[ic, oc, ky, kx]} to {@code out[n, oc, iy*sH - pH + ky*dH, ix*sW - pW + kx*dW]}
   * for each output channel oc of its group and each kernel tap, skipping positions outside the
   * output (the cropped padding).
   */
  static double[] convTransposeForward(double[] x, double[] w, double[] bias, ConvGeometry g) {
    int c = g.inChannels;
    int h = g.inH;
    int wd = g.inW;
    int oc = g.outChannels;
    int oh = g.outH;
    int ow = g.outW;
    int cPerGroup = c / g.groups;
    int ocPerGroup = oc / g.groups;
    double[] out = new double[g.batch * oc * oh * ow];
    for (int n = 0; n < g.batch; n++) {
      if (bias != null) {
        for (int o = 0; o < oc; o++) {
          int base = (n * oc + o) * oh * ow;
          java.util.Arrays.fill(out, base, base + oh * ow, bias[o]);
        }
      }
      for (int ic = 0; ic < c; ic++) {
        int group = ic / cPerGroup;
        int inBase = (n * c + ic) * h * wd;
        for (int ocg = 0; ocg < ocPerGroup; ocg++) {
          int o = group * ocPerGroup + ocg;
          int outBase = (n * oc + o) * oh * ow;
          for (int ky = 0; ky < g.kernelH; ky++) {
            for (int kx = 0; kx < g.kernelW; kx++) {
              double wv = w[((ic * ocPerGroup + ocg) * g.kernelH + ky) * g.kernelW + kx];
              int xShift = kx * g.dilationW - g.padW; // ox = ix * sW + xShift
              int ix0 = Math.max(0, ceilDiv(-xShift, g.strideW));
              int ix1 = Math.min(wd, Math.floorDiv(ow - 1 - xShift, g.strideW) + 1);
              for (int iy = 0; iy < h; iy++) {
                int oy = iy * g.strideH - g.padH + ky * g.dilationH;
                if (oy < 0 || oy >= oh) {
                  continue;
                }
                int inRow = inBase + iy * wd;
                int outRow = outBase + oy * ow + xShift;
                for (int ix = ix0; ix < ix1; ix++) {
                  out[outRow + ix * g.strideW] += wv * x[inRow + ix];
                }
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static int ceilDiv(int a, int b) {
    return -Math.floorDiv(-a, b);
  }
}
