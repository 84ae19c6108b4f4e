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
 * PyTorch's {@code quantized_decomposed} op library ({@code torch/ao/quantization/fx/_decomposed.py}):
 * the quantize / dequantize pairs PT2E's convert inserts, per tensor (scale and zero point as
 * literals, or as one-element tensors in the {@code .tensor} overloads) and per channel, and the
 * qparam choosers of dynamic quantization.
 *
 * <p>The arithmetic is PyTorch's, rounding for rounding ({@link AffineQuantization},
 * {@link DetermineQParams}); in particular {@code quantize_per_tensor} multiplies by
 * {@code fl32(1.0 / scale)} with the reciprocal taken in double, {@code quantize_per_channel} by
 * {@code 1f / scale} taken in float, rounding is half to even, and the clamp comes after adding
 * the zero point. The dtype checks PyTorch makes when the op runs are made by the shape functions.
 */
final class QuantizedDecomposedOps {
  private QuantizedDecomposedOps() {}

  private static final String NS = "quantized_decomposed.";

  static List<OpDef> definitions() {
    return List.of(
        quantizePerTensor(false),
        quantizePerTensor(true),
        dequantizePerTensor(false),
        dequantizePerTensor(true),
        quantizePerChannel(),
        dequantizePerChannel(),
        chooseQParams("choose_qparams.tensor", false),
        chooseQParams("choose_qparams_symmetric.tensor", true));
  }

  // ---- per tensor ----

  private static OpDef quantizePerTensor(boolean tensorQParams) {
    String name = NS + "quantize_per_tensor" + (tensorQParams ? ".tensor" : "");
    return perTensorParams(OpDef.builder(name), tensorQParams)
        .doc(tensorQParams
            ? "quantize_per_tensor with scale and zero_point given as one-element tensors (their .item())"
            : "clamp(rint(x * fl32(1.0 / scale)) + zero_point, quant_min, quant_max).to(dtype), in f32")
        .shape(ShapeFunction.single(a -> quantizePerTensorType(a, tensorQParams)))
        .kernel(Kernel.single(ctx -> {
          TensorType out = quantizePerTensorType(ctx, tensorQParams);
          return AffineQuantization.quantizePerTensor(asF32(ctx.tensor(0)), scale(ctx, tensorQParams),
              zeroPoint(ctx, tensorQParams), ctx.intArg(3), ctx.intArg(4), out);
        }))
        .build();
  }

  private static OpDef dequantizePerTensor(boolean tensorQParams) {
    String name = NS + "dequantize_per_tensor" + (tensorQParams ? ".tensor" : "");
    return perTensorParams(OpDef.builder(name), tensorQParams)
        .param("out_dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc(tensorQParams
            ? "dequantize_per_tensor with scale and zero_point given as one-element tensors (their .item())"
            : "(x.to(out_dtype) - zero_point) * scale, f32 by default; quant_min and quant_max are unused")
        .shape(ShapeFunction.single(a -> dequantizePerTensorType(a, tensorQParams)))
        .kernel(Kernel.single(ctx -> {
          TensorType out = dequantizePerTensorType(ctx, tensorQParams);
          return AffineQuantization.dequantizePerTensor(ctx.tensor(0), scale(ctx, tensorQParams),
              zeroPoint(ctx, tensorQParams), out.dtype());
        }))
        .build();
  }

  /** input, scale, zero_point, quant_min, quant_max, dtype. */
  private static OpDef.Builder perTensorParams(OpDef.Builder b, boolean tensorQParams) {
    return b.param("input", ParamType.TENSOR)
        .param("scale", tensorQParams ? ParamType.TENSOR : ParamType.FLOAT)
        .param("zero_point", tensorQParams ? ParamType.TENSOR : ParamType.INT)
        .param("quant_min", ParamType.INT)
        .param("quant_max", ParamType.INT)
        .param("dtype", ParamType.DTYPE);
  }

  private static TensorType quantizePerTensorType(OpArgs a, boolean tensorQParams) {
    String name = a.op().name();
    TensorType in = a.type(0);
    checkQuantizeInput(name, in);
    if (tensorQParams) {
      checkOneElement(name, "scale", a.type(1), true);
      checkOneElement(name, "zero_point", a.type(2), false);
    }
    DType dtype = a.dtypeArg(5);
    QuantRanges.checkBounds(name, a.intArg(3), a.intArg(4), dtype);
    return in.withDType(dtype);
  }

  private static TensorType dequantizePerTensorType(OpArgs a, boolean tensorQParams) {
    String name = a.op().name();
    TensorType in = a.type(0);
    DType dtype = a.dtypeArg(5);
    checkInputIsDtype(name, in, dtype);
    QuantRanges.checkDtype(name, dtype);
    if (tensorQParams) {
      checkOneElement(name, "scale", a.type(1), true);
      checkOneElement(name, "zero_point", a.type(2), false);
    }
    return in.withDType(outDtype(a, 6));
  }

  /** The scale as a Python float: the literal, or the one-element tensor's {@code .item()}. */
  private static double scale(KernelContext ctx, boolean tensorQParams) {
    return tensorQParams ? ctx.tensor(1).getDouble(0) : ctx.floatArg(1);
  }

  private static long zeroPoint(KernelContext ctx, boolean tensorQParams) {
    return tensorQParams ? ctx.tensor(2).getLong(0) : ctx.intArg(2);
  }

  // ---- per channel ----

  private static OpDef quantizePerChannel() {
    return OpDef.builder(NS + "quantize_per_channel")
        .param("input", ParamType.TENSOR)
        .param("scales", ParamType.TENSOR)
        .param("zero_points", ParamType.TENSOR)
        .param("axis", ParamType.INT)
        .param("quant_min", ParamType.INT)
        .param("quant_max", ParamType.INT)
        .param("dtype", ParamType.DTYPE)
        .doc("per slice c along axis: clamp(rint(x * (1 / scales[c])) + zero_points[c], quant_min, quant_max)"
            + ".to(dtype); the reciprocal is a tensor op in the scales' dtype")
        .shape(ShapeFunction.single(QuantizedDecomposedOps::quantizePerChannelType))
        .kernel(Kernel.single(ctx -> {
          TensorType out = quantizePerChannelType(ctx);
          int axis = Dims.wrap(ctx.op().name(), ctx.intArg(3), out.rank());
          return AffineQuantization.quantizePerChannel(asF32(ctx.tensor(0)), out, axis, ctx.tensor(1),
              ctx.tensor(2), ctx.intArg(4), ctx.intArg(5));
        }))
        .build();
  }

  private static OpDef dequantizePerChannel() {
    return OpDef.builder(NS + "dequantize_per_channel")
        .param("input", ParamType.TENSOR)
        .param("scales", ParamType.TENSOR)
        .param("zero_points", ParamType.OPTIONAL_TENSOR)
        .param("axis", ParamType.INT)
        .param("quant_min", ParamType.INT)
        .param("quant_max", ParamType.INT)
        .param("dtype", ParamType.DTYPE)
        .param("out_dtype", ParamType.OPTIONAL_DTYPE, Literal.NONE)
        .doc("per slice c along axis: ((x - zero_points[c]) * scales[c]).to(out_dtype), f32 by default, "
            + "with PyTorch's type promotion at each step")
        .shape(ShapeFunction.single(QuantizedDecomposedOps::dequantizePerChannelType))
        .kernel(Kernel.single(ctx -> {
          TensorType out = dequantizePerChannelType(ctx);
          int axis = Dims.wrap(ctx.op().name(), ctx.intArg(3), out.rank());
          return AffineQuantization.dequantizePerChannel(ctx.tensor(0), axis, ctx.tensor(1), ctx.optTensor(2),
              out.dtype());
        }))
        .build();
  }

  private static TensorType quantizePerChannelType(OpArgs a) {
    String name = a.op().name();
    TensorType in = a.type(0);
    checkQuantizeInput(name, in);
    checkChannelParams(a, in);
    DType dtype = a.dtypeArg(6);
    QuantRanges.checkBounds(name, a.intArg(4), a.intArg(5), dtype);
    return in.withDType(dtype);
  }

  private static TensorType dequantizePerChannelType(OpArgs a) {
    String name = a.op().name();
    TensorType in = a.type(0);
    DType dtype = a.dtypeArg(6);
    checkInputIsDtype(name, in, dtype);
    checkChannelParams(a, in);
    QuantRanges.checkBounds(name, a.intArg(4), a.intArg(5), dtype);
    return in.withDType(outDtype(a, 7));
  }

  /**
   * The axis (argument 3) is a dimension of the input, the scales (argument 1) a 1-D f32 or f64
   * tensor with one value per channel along it (or a single value, which broadcasts), and the zero
   * points (argument 2, optional for dequantize) a 1-D tensor as long as the scales.
   */
  private static void checkChannelParams(OpArgs a, TensorType in) {
    String name = a.op().name();
    checkArgument(in.rank() >= 1, "%s: input must have at least one dimension, got %s", name, in);
    long axisArg = a.intArg(3);
    checkArgument(axisArg >= -in.rank() && axisArg < in.rank(),
        "%s: axis %s is out of range for the %s-D input %s", name, axisArg, in.rank(), in);
    int axis = Dims.wrap(name, axisArg, in.rank());
    int channels = in.dim(axis);
    TensorType scales = a.type(1);
    checkArgument(scales.dtype() == DType.F32 || scales.dtype() == DType.F64,
        "%s: scales must be f32 or f64, got %s", name, scales);
    checkArgument(scales.rank() == 1 && (scales.dim(0) == channels || scales.dim(0) == 1),
        "%s: scales must be 1-D with one value per channel (%s along axis %s of %s) or a single value, got %s",
        name, channels, axisArg, in, scales);
    if (!a.isNone(2)) {
      TensorType zps = a.type(2);
      checkArgument(zps.dtype() != DType.BOOL, "%s: zero_points must be numbers, got %s", name, zps);
      checkArgument(zps.rank() == 1 && zps.dim(0) == scales.dim(0),
          "%s: zero_points must be 1-D with as many values as scales (%s), got %s", name, scales.dim(0), zps);
    }
  }

  // ---- choose_qparams ----

  private static OpDef chooseQParams(String opName, boolean symmetric) {
    return OpDef.builder(NS + opName)
        .param("input", ParamType.TENSOR)
        .param("quant_min", ParamType.INT)
        .param("quant_max", ParamType.INT)
        .param("eps", ParamType.FLOAT)
        .param("dtype", ParamType.DTYPE)
        .doc(symmetric
            ? "(scale f64[1], zero_point i64[1]) of the input's min and max, per_tensor_symmetric determine_qparams"
            : "(scale f64[1], zero_point i64[1]) of the input's min and max, per_tensor_affine determine_qparams")
        .shape(QuantizedDecomposedOps::chooseQParamsTypes)
        .kernel(ctx -> {
          chooseQParamsTypes(ctx);
          return DetermineQParams.choose(ctx.op().name(), ctx.tensor(0), ctx.intArg(1), ctx.intArg(2),
              ctx.floatArg(3), ctx.dtypeArg(4), symmetric);
        })
        .build();
  }

  private static List<TensorType> chooseQParamsTypes(OpArgs a) {
    String name = a.op().name();
    TensorType in = a.type(0);
    DType t = in.dtype();
    checkArgument(t == DType.F32 || t == DType.F16 || t == DType.BF16,
        "%s: input must be f32, f16 or bf16, got %s", name, in);
    checkArgument(in.numel() > 0, "%s: input %s is empty, and aminmax of an empty tensor is an error", name, in);
    QuantRanges.checkDtype(name, a.dtypeArg(4));
    QuantRanges.validateQminQmax(name, a.intArg(1), a.intArg(2));
    return List.of(TensorType.of(DType.F64, 1), TensorType.of(DType.I64, 1));
  }

  // ---- shared checks ----

  /** Quantize takes f32, and f16/bf16 which it upcasts to f32 first. */
  private static void checkQuantizeInput(String name, TensorType in) {
    DType t = in.dtype();
    checkArgument(t == DType.F32 || t == DType.F16 || t == DType.BF16,
        "%s: input must be f32 (f16 and bf16 are upcast to f32), got %s", name, in);
  }

  private static void checkInputIsDtype(String name, TensorType in, DType dtype) {
    checkArgument(in.dtype() == dtype, "%s: input is %s but dtype says %s", name, in.dtype(), dtype);
  }

  /** A {@code .tensor} overload's scale (floating) or zero point (integer): exactly one element. */
  private static void checkOneElement(String name, String param, TensorType t, boolean floating) {
    checkArgument(t.numel() == 1, "%s: %s must have exactly one element, got %s", name, param, t);
    checkArgument(floating ? t.dtype().isFloatingPoint() : t.dtype().isInteger(),
        "%s: %s must be %s, got %s", name, param, floating ? "a floating-point tensor" : "an integer tensor", t);
  }

  /** The optional out_dtype at {@code i}: f32 when none; a floating-point type otherwise. */
  private static DType outDtype(OpArgs a, int i) {
    if (a.isNone(i)) {
      return DType.F32;
    }
    DType t = a.dtypeArg(i);
    checkArgument(t.isFloatingPoint(), "%s: out_dtype must be a floating-point type, got %s", a.op().name(), t);
    return t;
  }

  /** The input as f32 values: f32 as it is, f16 and bf16 widened exactly ({@code input.to(torch.float32)}). */
  private static float[] asF32(Tensor x) {
    if (x.dtype() == DType.F32) {
      return x.floats();
    }
    float[] f = new float[x.numel()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) x.getDouble(i);
    }
    return f;
  }
}
