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
 * <p>The direct convolution accumulates in float32 (each product and each partial sum rounded), as
 * PyTorch's CPU kernels do, not in double: PT2E's histogram observer is sensitive to the last bit of
 * activations near its L2-search boundaries, and with double accumulation one activation scale of
 * the reference ResNet-20 came out 0.17% off PyTorch's, while float32 accumulation reproduces it.
 * (The summation order still differs from oneDNN's.) Transposed convolution accumulates in double.
 */
final class ConvolutionOps {
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
   * (taps landing in the padding contribute nothing). For each weight tap the innermost loop runs
   * along an output row, where input and output are contiguous (strided by sW in the input).
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
    double[] out = new double[g.batch * oc * oh * ow];
    for (int n = 0; n < g.batch; n++) {
      for (int o = 0; o < oc; o++) {
        int group = o / ocPerGroup;
        int outBase = (n * oc + o) * oh * ow;
        if (bias != null) {
          java.util.Arrays.fill(out, outBase, outBase + oh * ow, bias[o]);
        }
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
                int outRow = outBase + oy * ow;
                for (int ox = ox0; ox < ox1; ox++) {
                  // float32 products and sums, as PyTorch's CPU convolution computes them.
                  out[outRow + ox] = (float) (out[outRow + ox] + (float) (wv * x[inRow + ox * g.strideW]));
                }
              }
            }
          }
        }
      }
    }
    return out;
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
