package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.qforge.ir.DType;
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
 * 2-D max, average and adaptive average pooling over [C, H, W] or [N, C, H, W] inputs. Averages
 * follow PyTorch's CPU kernels: the window sum accumulates in the op-math type (float for f32,
 * f16 and bf16; double for f64) in row-major window order, then is divided. A 1x1 adaptive pool
 * is a mean over H and W, as PyTorch computes it (see {@link ReductionOps}).
 */
final class PoolingOps {
  private PoolingOps() {}

  static List<OpDef> definitions() {
    return List.of(maxPool2d(), avgPool2d(), adaptiveAvgPool2d());
  }

  private static OpDef maxPool2d() {
    return OpDef.builder("aten.max_pool2d")
        .param("self", ParamType.TENSOR)
        .param("kernel_size", ParamType.INT_LIST)
        .ints("stride")
        .ints("padding", 0, 0)
        .ints("dilation", 1, 1)
        .param("ceil_mode", ParamType.BOOL, new Literal.Bool(false))
        .doc("maximum over each window; padding never wins; NaN propagates; empty stride = kernel_size")
        .shape(ShapeFunction.single(a -> maxPoolGeometry(a).outputType(a.type(0))))
        .kernel(Kernel.single(ctx -> maxPool(ctx.tensor(0), maxPoolGeometry(ctx))))
        .build();
  }

  private static PoolGeometry maxPoolGeometry(OpArgs a) {
    checkArgument(a.type(0).dtype() != DType.BOOL, "%s: bool tensors are not supported", a.op().name());
    return PoolGeometry.of(a.op().name(), a.type(0), a.ints(1), a.ints(2), a.ints(3), a.ints(4), a.boolArg(5));
  }

  private static Tensor maxPool(Tensor input, PoolGeometry g) {
    double[] x = Elements.toDoubles(input);
    double[] out = new double[g.planes * g.outH * g.outW];
    for (int plane = 0; plane < g.planes; plane++) {
      int inBase = plane * g.inH * g.inW;
      for (int oy = 0; oy < g.outH; oy++) {
        for (int ox = 0; ox < g.outW; ox++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int ky = 0; ky < g.kernelH; ky++) {
            int iy = oy * g.strideH - g.padH + ky * g.dilationH;
            if (iy < 0 || iy >= g.inH) {
              continue;
            }
            for (int kx = 0; kx < g.kernelW; kx++) {
              int ix = ox * g.strideW - g.padW + kx * g.dilationW;
              if (ix < 0 || ix >= g.inW) {
                continue;
              }
              double v = x[inBase + iy * g.inW + ix];
              if (v > max || Double.isNaN(v)) {
                max = v;
              }
            }
          }
          out[(plane * g.outH + oy) * g.outW + ox] = max;
        }
      }
    }
    return Elements.fromDoubles(out, g.outputType(input.type()));
  }

  private static OpDef avgPool2d() {
    return OpDef.builder("aten.avg_pool2d")
        .param("self", ParamType.TENSOR)
        .param("kernel_size", ParamType.INT_LIST)
        .ints("stride")
        .ints("padding", 0, 0)
        .param("ceil_mode", ParamType.BOOL, new Literal.Bool(false))
        .param("count_include_pad", ParamType.BOOL, new Literal.Bool(true))
        .param("divisor_override", ParamType.OPTIONAL_INT, Literal.NONE)
        .doc("mean over each window; count_include_pad counts zero padding (not the ceil-mode overhang)")
        .shape(ShapeFunction.single(a -> avgPoolGeometry(a).outputType(a.type(0))))
        .kernel(Kernel.single(PoolingOps::avgPool))
        .build();
  }

  private static PoolGeometry avgPoolGeometry(OpArgs a) {
    String name = a.op().name();
    checkFloating(name, a.type(0));
    checkArgument(a.isNone(6) || a.intArg(6) != 0, "%s: divisor must be not zero", name);
    return PoolGeometry.of(name, a.type(0), a.ints(1), a.ints(2), a.ints(3), new int[] {1, 1}, a.boolArg(4));
  }

  private static Tensor avgPool(KernelContext ctx) {
    PoolGeometry g = avgPoolGeometry(ctx);
    Tensor input = ctx.tensor(0);
    boolean countIncludePad = ctx.boolArg(5);
    Long divisorOverride = ctx.isNone(6) ? null : ctx.intArg(6);
    boolean single = input.dtype() != DType.F64;
    double[] x = Elements.toDoubles(input);
    double[] out = new double[g.planes * g.outH * g.outW];
    for (int plane = 0; plane < g.planes; plane++) {
      int inBase = plane * g.inH * g.inW;
      for (int oy = 0; oy < g.outH; oy++) {
        for (int ox = 0; ox < g.outW; ox++) {
          // The window clipped to the padded input; then clipped to the input itself.
          int y0 = oy * g.strideH - g.padH;
          int x0 = ox * g.strideW - g.padW;
          int y1 = Math.min(y0 + g.kernelH, g.inH + g.padH);
          int x1 = Math.min(x0 + g.kernelW, g.inW + g.padW);
          int poolSize = (y1 - y0) * (x1 - x0);
          y0 = Math.max(y0, 0);
          x0 = Math.max(x0, 0);
          y1 = Math.min(y1, g.inH);
          x1 = Math.min(x1, g.inW);
          int index = (plane * g.outH + oy) * g.outW + ox;
          if (y0 >= y1 || x0 >= x1) {
            continue; // a window entirely in the padding averages to 0
          }
          double sum = 0;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              sum = round(single, sum + x[inBase + iy * g.inW + ix]);
            }
          }
          double divisor = divisorOverride != null ? divisorOverride
              : countIncludePad ? poolSize : (y1 - y0) * (x1 - x0);
          out[index] = round(single, sum / divisor);
        }
      }
    }
    return Elements.fromDoubles(out, g.outputType(input.type()));
  }

  private static OpDef adaptiveAvgPool2d() {
    return OpDef.builder("aten.adaptive_avg_pool2d")
        .param("self", ParamType.TENSOR)
        .param("output_size", ParamType.INT_LIST)
        .doc("average over windows [floor(i*in/out), ceil((i+1)*in/out)) giving output_size")
        .shape(ShapeFunction.single(a -> {
          int[] size = adaptiveOutputSize(a);
          return PoolGeometry.outputType(a.type(0), size[0], size[1]);
        }))
        .kernel(Kernel.single(ctx -> {
          int[] size = adaptiveOutputSize(ctx);
          return adaptiveAvgPool(ctx.tensor(0), size[0], size[1]);
        }))
        .build();
  }

  private static int[] adaptiveOutputSize(OpArgs a) {
    String name = a.op().name();
    TensorType x = a.type(0);
    PoolGeometry.checkRank(name, x);
    checkFloating(name, x);
    int[] size = Dims.perSpatialDim(name, "output_size", a.ints(1), 2);
    checkArgument(size[0] >= 0 && size[1] >= 0, "%s: output_size must be non-negative, got %s",
        name, java.util.Arrays.toString(size));
    checkArgument(x.dim(-1) > 0 && x.dim(-2) > 0, "%s: expected non-empty spatial dims, got %s", name, x);
    return size;
  }

  private static Tensor adaptiveAvgPool(Tensor input, int outH, int outW) {
    int[] dims = input.dims();
    int h = dims[dims.length - 2];
    int w = dims[dims.length - 1];
    int planes = input.numel() / (h * w);
    boolean single = input.dtype() != DType.F64;
    double[] x = Elements.toDoubles(input);
    double[] out = new double[planes * outH * outW];
    if (outH == 1 && outW == 1) {
      // PyTorch computes a 1x1 adaptive pool as mean(dims=[-1, -2]): ATen's float32 cascade sum
      // (CascadeSum), then one division.
      float[] floats = input.dtype() == DType.F32 && input.numel() < CascadeSum.ATEN_GRAIN_SIZE ? input.floats() : null;
      for (int plane = 0; plane < planes; plane++) {
        double sum = 0;
        if (floats != null) {
          sum = CascadeSum.sum(floats, plane * h * w, h * w);
        } else {
          for (int i = plane * h * w; i < (plane + 1) * h * w; i++) {
            sum += x[i];
          }
        }
        out[plane] = round(single, round(single, sum) / (h * w));
      }
      return Elements.fromDoubles(out, PoolGeometry.outputType(input.type(), outH, outW));
    }
    for (int plane = 0; plane < planes; plane++) {
      int inBase = plane * h * w;
      for (int oy = 0; oy < outH; oy++) {
        int y0 = Math.floorDiv(oy * h, outH);
        int y1 = -Math.floorDiv(-(oy + 1) * h, outH);
        for (int ox = 0; ox < outW; ox++) {
          int x0 = Math.floorDiv(ox * w, outW);
          int x1 = -Math.floorDiv(-(ox + 1) * w, outW);
          double sum = 0;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              sum = round(single, sum + x[inBase + iy * w + ix]);
            }
          }
          // PyTorch divides by the window height, then by its width.
          out[(plane * outH + oy) * outW + ox] = round(single, round(single, sum / (y1 - y0)) / (x1 - x0));
        }
      }
    }
    return Elements.fromDoubles(out, PoolGeometry.outputType(input.type(), outH, outW));
  }

  private static double round(boolean single, double v) {
    return single ? Elements.fl(v) : v;
  }

  private static void checkFloating(String op, TensorType t) {
    checkArgument(t.dtype().isFloatingPoint(), "%s: expected a floating-point input, got %s", op, t);
  }
}
