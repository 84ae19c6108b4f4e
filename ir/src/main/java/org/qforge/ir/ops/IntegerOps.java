package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
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
 * Quantized ops computed in integer arithmetic: the integer forms PyTorch lacks, which the
 * lowering pass ({@code org.qforge.passes.lower.LowerToIntegerOps}) substitutes for
 * {@code dequantize → fp32 op [→ relu | hardtanh] → quantize} in a converted PT2E program, and
 * which the code generator compiles. Namespace {@code qforge.}.
 *
 * <p>Every op takes i8 (or u8) tensors with their per-tensor scale and zero point, and returns a
 * tensor of its (first) input's dtype quantized with {@code output_scale}, {@code
 * output_zero_point}, clamped to {@code [output_min, output_max]} (the quantize node's
 * {@code quant_min}/{@code quant_max}, narrowed by a fused relu or hardtanh). Convolution and
 * linear weights are i8 (or u8) with one scale and zero point per output channel ({@code
 * weight_scales} f32 [O], {@code weight_zero_points} an integer tensor [O]; per-tensor weights
 * repeat their one value); the optional bias is f32 [O], as PT2E leaves it.
 *
 * <p><b>The arithmetic</b> ({@link Requantization} has the details). A scale {@code σ} is used as
 * {@code s = (double) (float) σ}; inputs are centred, {@code x - zp}, exactly. Each op computes a
 * double {@code real}, in exactly the order its Javadoc gives, and the output is
 *
 * <pre>
 *   q = (long) min(max(Math.rint(real / s_out) + output_zero_point, output_min), output_max)
 * </pre>
 *
 * with IEEE double operations each rounded once (Java does not fuse them), {@code Math.rint}
 * rounding half to EVEN. The real value of each op ({@code acc} is an exact integer sum of centred
 * products or values, converted to double exactly):
 *
 * <table>
 *   <caption>real value per op</caption>
 *   <tr><td>{@code quantized_conv1d}, {@code quantized_conv2d}, {@code quantized_linear}</td>
 *       <td>{@code (double) acc * (s_in * s_w[o])}, then {@code + (double) bias[o]}</td></tr>
 *   <tr><td>{@code quantized_add}</td><td>{@code (double) (a - a_zp) * s_a + (double) (b - b_zp) * s_b}</td></tr>
 *   <tr><td>{@code quantized_mul}</td><td>{@code (double) ((a - a_zp) * (b - b_zp)) * (s_a * s_b)}</td></tr>
 *   <tr><td>{@code quantized_cat}, {@code quantized_max_pool2d} (of the window's integer maximum),
 *       {@code requantize}</td><td>{@code (double) (x - zp) * s_in}</td></tr>
 *   <tr><td>{@code quantized_adaptive_avg_pool2d}, {@code quantized_mean}</td>
 *       <td>{@code ((double) acc * s_in) / count}</td></tr>
 * </table>
 *
 * Only this per-element arithmetic is fixed: the order in which elements are computed, and the
 * order of the exact integer sums, are free. A generated kernel that performs the same double
 * operations in the same order reproduces the interpreter bit for bit. PyTorch's reference quantized representation
 * truncates the rescaled accumulator toward zero instead ({@code out_dtype(mul, int32, ...)}),
 * which biases every layer by half a step; these ops round to nearest, like
 * {@code quantize_per_tensor}.
 *
 * <p>Shape functions check dtypes, shapes, that scales are positive finite float32 values, that
 * zero points lie in their tensor's dtype range and that {@code output_min <= output_max} lie in
 * the output dtype's range.
 */
final class IntegerOps {
  private IntegerOps() {}

  private static final String NS = "qforge.";

  static List<OpDef> definitions() {
    return List.of(
        conv(1),
        conv(2),
        linear(),
        binary("quantized_add", true),
        binary("quantized_mul", false),
        cat(),
        maxPool2d(),
        adaptiveAvgPool2d(),
        mean(),
        requantize());
  }

  // ---- shared parameter groups ----

  /** output_scale, output_zero_point, output_min, output_max. */
  private static OpDef.Builder outputParams(OpDef.Builder b) {
    return b.param("output_scale", ParamType.FLOAT)
        .param("output_zero_point", ParamType.INT)
        .param("output_min", ParamType.INT)
        .param("output_max", ParamType.INT);
  }

  /** self, input_scale, input_zero_point, then the output group: the single-input ops. */
  private static OpDef.Builder unaryParams(String name) {
    return outputParams(OpDef.builder(NS + name)
        .param("self", ParamType.TENSOR)
        .param("input_scale", ParamType.FLOAT)
        .param("input_zero_point", ParamType.INT));
  }

  /** Checks the output group starting at {@code i} for an output of {@code dtype}. */
  private static void checkOutput(OpArgs a, int i, DType dtype) {
    String name = a.op().name();
    Requantization.checkScale(name, "output_scale", a.floatArg(i));
    Requantization.checkZeroPoint(name, "output_zero_point", a.intArg(i + 1), dtype);
    long min = a.intArg(i + 2);
    long max = a.intArg(i + 3);
    checkArgument(min >= dtype.minValue() && max <= dtype.maxValue() && min <= max,
        "%s: output_min %s and output_max %s must satisfy %s <= output_min <= output_max <= %s for %s output",
        name, min, max, dtype.minValue(), dtype.maxValue(), dtype);
  }

  /** The output group starting at {@code i}. */
  private static Requantization.Output output(OpArgs a, int i) {
    return new Requantization.Output(Requantization.scale(a.floatArg(i)), a.intArg(i + 1), a.intArg(i + 2),
        a.intArg(i + 3));
  }

  /** Checks an activation tensor (i8 or u8) and its scale and zero point literals. */
  private static void checkInput(OpArgs a, int tensor, String what, int scale, int zeroPoint) {
    String name = a.op().name();
    TensorType t = a.type(tensor);
    checkArgument(Requantization.isQuantizedByte(t.dtype()), "%s: %s must be i8 or u8, got %s", name, what, t);
    Requantization.checkScale(name, a.op().params().get(scale).name(), a.floatArg(scale));
    Requantization.checkZeroPoint(name, a.op().params().get(zeroPoint).name(), a.intArg(zeroPoint), t.dtype());
  }

  /** A tensor whose i8/u8 elements are {@code q[i]}, each already within the dtype's range. */
  private static Tensor bytesOf(TensorType type, long[] q) {
    Tensor out = Tensor.zeros(type);
    byte[] b = out.bytes();
    for (int i = 0; i < q.length; i++) {
      b[i] = (byte) q[i];
    }
    return out;
  }

  // ---- convolution and linear ----

  private static final int INPUT = 0;
  private static final int WEIGHT = 1;
  private static final int WEIGHT_SCALES = 2;
  private static final int WEIGHT_ZPS = 3;
  private static final int BIAS = 4;
  private static final int INPUT_SCALE = 5;
  private static final int INPUT_ZP = 6;
  private static final int OUTPUT = 7;
  private static final int STRIDE = 11;
  private static final int PADDING = 12;
  private static final int DILATION = 13;
  private static final int GROUPS = 14;

  /** input, weight, weight_scales, weight_zero_points, bias, input_scale, input_zero_point, output group. */
  private static OpDef.Builder weightedParams(String name) {
    return outputParams(OpDef.builder(NS + name)
        .param("input", ParamType.TENSOR)
        .param("weight", ParamType.TENSOR)
        .param("weight_scales", ParamType.TENSOR)
        .param("weight_zero_points", ParamType.TENSOR)
        .param("bias", ParamType.OPTIONAL_TENSOR)
        .param("input_scale", ParamType.FLOAT)
        .param("input_zero_point", ParamType.INT));
  }

  /**
   * {@code qforge.quantized_conv1d} and {@code qforge.quantized_conv2d}: convolution with stride,
   * padding, dilation and groups (depthwise is groups == channels), weight [O, I/groups, kW] or
   * [O, I/groups, kH, kW], input [N, I, (H,) W] or unbatched. For output element (n, o, oy, ox):
   *
   * <pre>
   *   acc  = Σ (x[n, i, iy, ix] - input_zero_point) * (w[o, i', ky, kx] - weight_zero_points[o])
   *            over the taps inside the input (padding is the input's zero point: it adds 0); exact
   *   real = (double) acc * (s_in * s_w[o])            // s_in * s_w[o] is exact in double
   *   real = real + (double) bias[o]                    // only with a bias
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation.
   */
  private static OpDef conv(int rank) {
    String suffix = rank == 2 ? "kH, kW" : "kW";
    return weightedParams("quantized_conv" + rank + "d")
        .ints("stride", ones(rank))
        .ints("padding", new int[rank])
        .ints("dilation", ones(rank))
        .param("groups", ParamType.INT, new Literal.Int(1))
        .doc(rank + "-D integer convolution, weight [O, I/groups, " + suffix + "], per-output-channel weight qparams: "
            + "acc = Σ (x - x_zp)(w - w_zp[o]) exactly; real = acc * (s_in * s_w[o]) + bias[o] in double; "
            + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max), half to even")
        .shape(ShapeFunction.single(a -> convGeometry(a, rank).outputType(a.type(INPUT))))
        .kernel(Kernel.single(ctx -> convKernel(ctx, convGeometry(ctx, rank))))
        .build();
  }

  private static int[] ones(int n) {
    int[] a = new int[n];
    Arrays.fill(a, 1);
    return a;
  }

  private static ConvGeometry convGeometry(OpArgs a, int rank) {
    String name = a.op().name();
    checkInput(a, INPUT, "input", INPUT_SCALE, INPUT_ZP);
    TensorType in = a.type(INPUT);
    TensorType w = a.type(WEIGHT);
    checkArgument(Requantization.isQuantizedByte(w.dtype()), "%s: weight must be i8 or u8, got %s", name, w);
    long groups = a.intArg(GROUPS);
    checkArgument(groups > 0 && groups <= Integer.MAX_VALUE, "%s: groups must be positive, got %s", name, groups);
    // The geometry checks shapes only; the weight's dtype may differ from the input's.
    ConvGeometry g = ConvGeometry.of(name, rank, in, w.withDType(in.dtype()), null, a.ints(STRIDE),
        a.ints(PADDING), a.ints(DILATION), false, new int[] {0}, (int) groups);
    checkWeightParams(a, g.outChannels);
    checkOutput(a, OUTPUT, in.dtype());
    return g;
  }

  /** weight_scales f32 [O], weight_zero_points integer [O], bias f32 [O] or none. */
  private static void checkWeightParams(OpArgs a, int outChannels) {
    String name = a.op().name();
    TensorType scales = a.type(WEIGHT_SCALES);
    checkArgument(scales.dtype() == DType.F32 && scales.rank() == 1 && scales.dim(0) == outChannels,
        "%s: weight_scales must be f32[%s], one per output channel, got %s", name, outChannels, scales);
    TensorType zps = a.type(WEIGHT_ZPS);
    checkArgument(zps.dtype().isInteger() && zps.rank() == 1 && zps.dim(0) == outChannels,
        "%s: weight_zero_points must be an integer tensor [%s], one per output channel, got %s", name,
        outChannels, zps);
    if (!a.isNone(BIAS)) {
      TensorType bias = a.type(BIAS);
      checkArgument(bias.dtype() == DType.F32 && bias.rank() == 1 && bias.dim(0) == outChannels,
          "%s: bias must be f32[%s], got %s", name, outChannels, bias);
    }
  }

  /** The per-channel multipliers {@code s_in * s_w[o]} (exact in double), checking the weight scales. */
  private static double[] multipliers(KernelContext ctx) {
    String name = ctx.op().name();
    double sIn = Requantization.scale(ctx.floatArg(INPUT_SCALE));
    float[] sw = ctx.tensor(WEIGHT_SCALES).floats();
    double[] m = new double[sw.length];
    for (int o = 0; o < sw.length; o++) {
      Requantization.checkScale(name, "weight_scales[" + o + "]", sw[o]);
      m[o] = sIn * (double) sw[o];
    }
    return m;
  }

  /** The weight minus its per-output-channel zero points, for a weight whose dim 0 is the output channel. */
  private static int[] centeredWeight(KernelContext ctx) {
    Tensor w = ctx.tensor(WEIGHT);
    Tensor zps = ctx.tensor(WEIGHT_ZPS);
    int outs = w.dims()[0];
    int per = outs == 0 ? 0 : w.numel() / outs;
    int[] v = Requantization.values(w);
    for (int o = 0; o < outs; o++) {
      long zp = zps.getLong(o);
      Requantization.checkZeroPoint(ctx.op().name(), "weight_zero_points[" + o + "]", zp, w.dtype());
      for (int i = o * per; i < (o + 1) * per; i++) {
        v[i] -= (int) zp;
      }
    }
    return v;
  }

  private static float[] bias(KernelContext ctx) {
    Tensor b = ctx.optTensor(BIAS);
    return b == null ? null : b.floats();
  }

  private static Tensor convKernel(KernelContext ctx, ConvGeometry g) {
    int[] x = Requantization.centered(ctx.tensor(INPUT), ctx.intArg(INPUT_ZP));
    int[] w = centeredWeight(ctx);
    double[] m = multipliers(ctx);
    float[] bias = bias(ctx);
    Requantization.Output out = output(ctx, OUTPUT);
    TensorType type = g.outputType(ctx.type(INPUT));
    Tensor result = Tensor.zeros(type);
    byte[] q = result.bytes();
    int plane = g.outH * g.outW;
    IntegerAccumulation.conv(x, w, g, (n, o, acc) -> {
      int base = (n * g.outChannels + o) * plane;
      for (int i = 0; i < plane; i++) {
        double real = acc[i] * m[o];
        if (bias != null) {
          real += bias[o];
        }
        q[base + i] = (byte) out.apply(real);
      }
    });
    return result;
  }

  /**
   * {@code qforge.quantized_linear}: input [..., K], weight [O, K], output [..., O]. For row r and
   * output o:
   *
   * <pre>
   *   acc  = Σ_k (x[r, k] - input_zero_point) * (w[o, k] - weight_zero_points[o])   // exact
   *   real = (double) acc * (s_in * s_w[o])            // s_in * s_w[o] is exact in double
   *   real = real + (double) bias[o]                    // only with a bias
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation.
   */
  private static OpDef linear() {
    return weightedParams("quantized_linear")
        .doc("integer linear, input [..., K], weight [O, K], per-output-channel weight qparams: "
            + "acc = Σ (x - x_zp)(w - w_zp[o]) exactly; real = acc * (s_in * s_w[o]) + bias[o] in double; "
            + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max), half to even")
        .shape(ShapeFunction.single(IntegerOps::linearType))
        .kernel(Kernel.single(ctx -> {
          TensorType type = linearType(ctx);
          int k = ctx.type(WEIGHT).dim(1);
          int outs = ctx.type(WEIGHT).dim(0);
          int rows = type.numelInt() / Math.max(outs, 1);
          int[] x = Requantization.centered(ctx.tensor(INPUT), ctx.intArg(INPUT_ZP));
          long[] acc = IntegerAccumulation.linear(x, centeredWeight(ctx), outs == 0 ? 0 : rows, k, outs);
          double[] m = multipliers(ctx);
          float[] bias = bias(ctx);
          Requantization.Output out = output(ctx, OUTPUT);
          long[] q = new long[acc.length];
          for (int i = 0; i < acc.length; i++) {
            int o = i % outs;
            double real = acc[i] * m[o];
            if (bias != null) {
              real += bias[o];
            }
            q[i] = out.apply(real);
          }
          return bytesOf(type, q);
        }))
        .build();
  }

  private static TensorType linearType(OpArgs a) {
    String name = a.op().name();
    checkInput(a, INPUT, "input", INPUT_SCALE, INPUT_ZP);
    TensorType in = a.type(INPUT);
    TensorType w = a.type(WEIGHT);
    checkArgument(Requantization.isQuantizedByte(w.dtype()), "%s: weight must be i8 or u8, got %s", name, w);
    checkArgument(w.rank() == 2, "%s: weight must be 2-D [O, K], got %s", name, w);
    checkArgument(in.rank() >= 1 && in.dim(-1) == w.dim(1),
        "%s: input %s does not end in the weight's K = %s (weight %s)", name, in, w.dim(1), w);
    checkWeightParams(a, w.dim(0));
    checkOutput(a, OUTPUT, in.dtype());
    List<Integer> shape = new ArrayList<>(in.shape());
    shape.set(shape.size() - 1, w.dim(0));
    return in.withShape(shape);
  }

  // ---- elementwise ----

  /**
   * {@code qforge.quantized_add} and {@code qforge.quantized_mul}: self and other of one dtype,
   * broadcast against each other. For each output element, with a = self and b = other broadcast:
   *
   * <pre>
   *   add:  real = (double) (a - self_zero_point) * s_a + (double) (b - other_zero_point) * s_b
   *                  // each product exact; the sum rounded once
   *   mul:  real = (double) ((a - self_zero_point) * (b - other_zero_point)) * (s_a * s_b)
   *                  // integer product exact, s_a * s_b exact; one rounding
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation.
   */
  private static OpDef binary(String name, boolean add) {
    return outputParams(OpDef.builder(NS + name)
        .param("self", ParamType.TENSOR)
        .param("other", ParamType.TENSOR)
        .param("self_scale", ParamType.FLOAT)
        .param("self_zero_point", ParamType.INT)
        .param("other_scale", ParamType.FLOAT)
        .param("other_zero_point", ParamType.INT))
        .doc(add
            ? "integer add with broadcasting: real = (a - a_zp) * s_a + (b - b_zp) * s_b in double; "
                + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max), half to even"
            : "integer mul with broadcasting: real = ((a - a_zp) * (b - b_zp)) * (s_a * s_b) in double; "
                + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max), half to even")
        .shape(ShapeFunction.single(IntegerOps::binaryType))
        .kernel(Kernel.single(ctx -> {
          TensorType type = binaryType(ctx);
          Tensor a = ctx.tensor(0);
          Tensor b = ctx.tensor(1);
          int[] av = Requantization.centered(a, ctx.intArg(3));
          int[] bv = Requantization.centered(b, ctx.intArg(5));
          double sa = Requantization.scale(ctx.floatArg(2));
          double sb = Requantization.scale(ctx.floatArg(4));
          double sab = sa * sb;
          int[] ai = Broadcasting.sourceIndex(a.dims(), type.dims());
          int[] bi = Broadcasting.sourceIndex(b.dims(), type.dims());
          Requantization.Output out = output(ctx, 6);
          long[] q = new long[type.numelInt()];
          for (int i = 0; i < q.length; i++) {
            int x = av[ai == null ? i : ai[i]];
            int y = bv[bi == null ? i : bi[i]];
            double real = add ? (double) x * sa + (double) y * sb : (double) (x * y) * sab;
            q[i] = out.apply(real);
          }
          return bytesOf(type, q);
        }))
        .build();
  }

  private static TensorType binaryType(OpArgs a) {
    String name = a.op().name();
    checkInput(a, 0, "self", 2, 3);
    checkInput(a, 1, "other", 4, 5);
    TensorType x = a.type(0);
    TensorType y = a.type(1);
    checkArgument(x.dtype() == y.dtype(), "%s: self and other must have one dtype, got %s and %s", name, x, y);
    checkOutput(a, 6, x.dtype());
    return x.withShape(Broadcasting.shape(name, x.shape(), y.shape()));
  }

  // ---- concatenation ----

  /**
   * {@code qforge.quantized_cat}: concatenates tensors of one dtype and rank along {@code dim}, each
   * with its own scale and zero point ({@code scales[i]}, {@code zero_points[i]}). For each element x
   * of input i:
   *
   * <pre>
   *   real = (double) (x - zero_points[i]) * s_i        // exact
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation. An input whose scale and zero point equal
   * the output's is copied (clamped to the output bounds): the requantization is exact then.
   */
  private static OpDef cat() {
    return outputParams(OpDef.builder(NS + "quantized_cat")
        .param("tensors", ParamType.TENSOR_LIST)
        .param("scales", ParamType.FLOAT_LIST)
        .param("zero_points", ParamType.INT_LIST))
        .param("dim", ParamType.INT, new Literal.Int(0))
        .doc("integer concatenation along dim: each input requantized from (scales[i], zero_points[i]) to the "
            + "output's, real = (x - zp_i) * s_i, q = clamp(rint(real / s_out) + out_zp, ...); a copy when equal")
        .shape(ShapeFunction.single(IntegerOps::catType))
        .kernel(Kernel.single(IntegerOps::catKernel))
        .build();
  }

  private static List<Double> floatList(OpArgs a, int i) {
    if (a.arg(i) instanceof Literal.FloatList fl) {
      return fl.values();
    }
    throw new IllegalArgumentException(a.op().name() + " argument '" + a.op().params().get(i).name()
        + "' should be a float list, got " + a.arg(i));
  }

  private static TensorType catType(OpArgs a) {
    String name = a.op().name();
    List<TensorType> types = a.types(0);
    checkArgument(!types.isEmpty(), "%s: expected a non-empty list of tensors", name);
    List<Double> scales = floatList(a, 1);
    int[] zps = a.ints(2);
    checkArgument(scales.size() == types.size() && zps.length == types.size(),
        "%s: %s tensors need as many scales and zero_points, got %s and %s", name, types.size(), scales.size(),
        zps.length);
    TensorType ref = types.get(0);
    checkArgument(ref.rank() > 0, "%s: zero-dimensional tensors cannot be concatenated", name);
    int dim = Dims.wrap(name, a.intArg(7), ref.rank());
    int total = 0;
    for (int i = 0; i < types.size(); i++) {
      TensorType t = types.get(i);
      checkArgument(Requantization.isQuantizedByte(t.dtype()) && t.dtype() == ref.dtype(),
          "%s: tensors must all be i8 or all u8, got %s at position %s after %s", name, t, i, ref);
      checkArgument(t.rank() == ref.rank(), "%s: tensors must have the same number of dimensions: got %s and %s",
          name, ref.rank(), t.rank());
      for (int d = 0; d < ref.rank(); d++) {
        checkArgument(d == dim || t.dim(d) == ref.dim(d),
            "%s: sizes of tensors must match except in dimension %s, but got %s and %s in dimension %s for tensor %s",
            name, dim, ref.dim(d), t.dim(d), d, i);
      }
      Requantization.checkScale(name, "scales[" + i + "]", scales.get(i));
      Requantization.checkZeroPoint(name, "zero_points[" + i + "]", zps[i], t.dtype());
      total += t.dim(dim);
    }
    checkOutput(a, 3, ref.dtype());
    List<Integer> shape = new ArrayList<>(ref.shape());
    shape.set(dim, total);
    return ref.withShape(shape);
  }

  private static Tensor catKernel(KernelContext ctx) {
    TensorType type = catType(ctx);
    List<Tensor> inputs = ctx.tensors(0);
    List<Double> scales = floatList(ctx, 1);
    int[] zps = ctx.ints(2);
    Requantization.Output out = output(ctx, 3);
    int dim = Dims.wrap(ctx.op().name(), ctx.intArg(7), type.rank());
    int[] od = type.dims();
    int outer = Dims.product(od, 0, dim);
    int inner = Dims.product(od, dim + 1, od.length);
    Tensor result = Tensor.zeros(type);
    byte[] q = result.bytes();
    int offset = 0;
    for (int t = 0; t < inputs.size(); t++) {
      Tensor x = inputs.get(t);
      int[] v = Requantization.centered(x, zps[t]);
      double s = Requantization.scale(scales.get(t));
      int block = x.dims()[dim] * inner;
      for (int o = 0; o < outer; o++) {
        int src = o * block;
        int dst = o * od[dim] * inner + offset;
        for (int i = 0; i < block; i++) {
          q[dst + i] = (byte) out.fromCentered(v[src + i], s);
        }
      }
      offset += block;
    }
    return result;
  }

  // ---- pooling and reduction ----

  /**
   * {@code qforge.quantized_max_pool2d}: the window sweep of {@code aten.max_pool2d} (kernel_size,
   * stride (empty = kernel_size), padding, dilation, ceil_mode) over [C, H, W] or [N, C, H, W]; the
   * padding never wins. For each window:
   *
   * <pre>
   *   m    = max over the window of x                   // integer
   *   real = (double) (m - input_zero_point) * s_in     // exact
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Requantization is monotone, so this is also the maximum of the requantized elements. With equal
   * input and output scale and zero point (PT2E shares them) it is the integer maximum, clamped.
   */
  private static OpDef maxPool2d() {
    return unaryParams("quantized_max_pool2d")
        .param("kernel_size", ParamType.INT_LIST)
        .ints("stride")
        .ints("padding", 0, 0)
        .ints("dilation", 1, 1)
        .param("ceil_mode", ParamType.BOOL, new Literal.Bool(false))
        .doc("integer max over each window, then requantized: real = (max - in_zp) * s_in, "
            + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max); the plain max when qparams are equal")
        .shape(ShapeFunction.single(a -> maxPoolGeometry(a).outputType(a.type(0))))
        .kernel(Kernel.single(ctx -> {
          PoolGeometry g = maxPoolGeometry(ctx);
          int[] x = Requantization.values(ctx.tensor(0));
          long zp = ctx.intArg(2);
          double s = Requantization.scale(ctx.floatArg(1));
          Requantization.Output out = output(ctx, 3);
          long[] q = new long[g.planes * g.outH * g.outW];
          for (int plane = 0; plane < g.planes; plane++) {
            int inBase = plane * g.inH * g.inW;
            for (int oy = 0; oy < g.outH; oy++) {
              for (int ox = 0; ox < g.outW; ox++) {
                int max = Integer.MIN_VALUE;
                for (int ky = 0; ky < g.kernelH; ky++) {
                  int iy = oy * g.strideH - g.padH + ky * g.dilationH;
                  if (iy < 0 || iy >= g.inH) {
                    continue;
                  }
                  for (int kx = 0; kx < g.kernelW; kx++) {
                    int ix = ox * g.strideW - g.padW + kx * g.dilationW;
                    if (ix >= 0 && ix < g.inW) {
                      max = Math.max(max, x[inBase + iy * g.inW + ix]);
                    }
                  }
                }
                q[(plane * g.outH + oy) * g.outW + ox] = out.fromCentered(max - zp, s);
              }
            }
          }
          return bytesOf(g.outputType(ctx.type(0)), q);
        }))
        .build();
  }

  private static PoolGeometry maxPoolGeometry(OpArgs a) {
    checkInput(a, 0, "self", 1, 2);
    checkOutput(a, 3, a.type(0).dtype());
    return PoolGeometry.of(a.op().name(), a.type(0), a.ints(7), a.ints(8), a.ints(9), a.ints(10), a.boolArg(11));
  }

  /**
   * {@code qforge.quantized_adaptive_avg_pool2d}: the windows of {@code aten.adaptive_avg_pool2d},
   * rows {@code [floor(i*H/outH), ceil((i+1)*H/outH))} and likewise columns, over [C, H, W] or
   * [N, C, H, W]. For each window of {@code count} elements:
   *
   * <pre>
   *   acc  = Σ (x - input_zero_point)                   // exact
   *   real = ((double) acc * s_in) / count              // two roundings, in this order
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation.
   */
  private static OpDef adaptiveAvgPool2d() {
    return unaryParams("quantized_adaptive_avg_pool2d")
        .param("output_size", ParamType.INT_LIST)
        .doc("integer window sums of (x - in_zp), then real = (acc * s_in) / count, "
            + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max), half to even")
        .shape(ShapeFunction.single(a -> {
          int[] size = adaptiveSize(a);
          return PoolGeometry.outputType(a.type(0), size[0], size[1]);
        }))
        .kernel(Kernel.single(ctx -> {
          int[] size = adaptiveSize(ctx);
          int outH = size[0];
          int outW = size[1];
          Tensor input = ctx.tensor(0);
          int[] dims = input.dims();
          int h = dims[dims.length - 2];
          int w = dims[dims.length - 1];
          int planes = input.numel() / (h * w);
          int[] x = Requantization.centered(input, ctx.intArg(2));
          double s = Requantization.scale(ctx.floatArg(1));
          Requantization.Output out = output(ctx, 3);
          long[] q = new long[planes * outH * outW];
          for (int plane = 0; plane < planes; plane++) {
            int inBase = plane * h * w;
            for (int oy = 0; oy < outH; oy++) {
              int y0 = Math.floorDiv(oy * h, outH);
              int y1 = -Math.floorDiv(-(oy + 1) * h, outH);
              for (int ox = 0; ox < outW; ox++) {
                int x0 = Math.floorDiv(ox * w, outW);
                int x1 = -Math.floorDiv(-(ox + 1) * w, outW);
                long acc = 0;
                for (int iy = y0; iy < y1; iy++) {
                  for (int ix = x0; ix < x1; ix++) {
                    acc += x[inBase + iy * w + ix];
                  }
                }
                int count = (y1 - y0) * (x1 - x0);
                q[(plane * outH + oy) * outW + ox] = out.apply(((double) acc * s) / count);
              }
            }
          }
          return bytesOf(PoolGeometry.outputType(input.type(), outH, outW), q);
        }))
        .build();
  }

  private static int[] adaptiveSize(OpArgs a) {
    String name = a.op().name();
    checkInput(a, 0, "self", 1, 2);
    checkOutput(a, 3, a.type(0).dtype());
    TensorType x = a.type(0);
    PoolGeometry.checkRank(name, x);
    int[] size = Dims.perSpatialDim(name, "output_size", a.ints(7), 2);
    checkArgument(size[0] >= 0 && size[1] >= 0, "%s: output_size must be non-negative, got %s",
        name, Arrays.toString(size));
    checkArgument(x.dim(-1) > 0 && x.dim(-2) > 0, "%s: expected non-empty spatial dims, got %s", name, x);
    return size;
  }

  /**
   * {@code qforge.quantized_mean}: the mean over {@code dim} (all dims when none or empty), keeping
   * them as size 1 with {@code keepdim}, as {@code aten.mean.dim}. For each output element, over the
   * {@code count} reduced elements:
   *
   * <pre>
   *   acc  = Σ (x - input_zero_point)                   // exact
   *   real = ((double) acc * s_in) / count              // two roundings, in this order
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation.
   */
  private static OpDef mean() {
    return unaryParams("quantized_mean")
        .param("dim", ParamType.OPTIONAL_INT_LIST, Literal.NONE)
        .param("keepdim", ParamType.BOOL, new Literal.Bool(false))
        .doc("integer sums of (x - in_zp) over dim (all if none or empty), then real = (acc * s_in) / count, "
            + "q = clamp(rint(real / s_out) + out_zp, output_min, output_max), half to even")
        .shape(ShapeFunction.single(a -> meanType(a, reducedDims(a))))
        .kernel(Kernel.single(ctx -> {
          boolean[] reduced = reducedDims(ctx);
          TensorType type = meanType(ctx, reduced);
          Tensor input = ctx.tensor(0);
          int[] dims = input.dims();
          int rank = dims.length;
          int[] outStrides = new int[rank];
          int stride = 1;
          int count = 1;
          for (int d = rank - 1; d >= 0; d--) {
            if (reduced[d]) {
              count *= dims[d];
            } else {
              outStrides[d] = stride;
              stride *= dims[d];
            }
          }
          int[] x = Requantization.centered(input, ctx.intArg(2));
          long[] acc = new long[type.numelInt()];
          int[] counter = new int[rank];
          int pos = 0;
          for (int v : x) {
            acc[pos] += v;
            for (int d = rank - 1; d >= 0; d--) {
              counter[d]++;
              pos += outStrides[d];
              if (counter[d] < dims[d]) {
                break;
              }
              pos -= outStrides[d] * counter[d];
              counter[d] = 0;
            }
          }
          double s = Requantization.scale(ctx.floatArg(1));
          Requantization.Output out = output(ctx, 3);
          long[] q = new long[acc.length];
          for (int i = 0; i < acc.length; i++) {
            q[i] = out.apply(((double) acc[i] * s) / count);
          }
          return bytesOf(type, q);
        }))
        .build();
  }

  private static boolean[] reducedDims(OpArgs a) {
    String name = a.op().name();
    checkInput(a, 0, "self", 1, 2);
    checkOutput(a, 3, a.type(0).dtype());
    int rank = a.type(0).rank();
    boolean[] reduced = new boolean[rank];
    int[] dims = a.isNone(7) ? new int[0] : a.ints(7);
    if (dims.length == 0) {
      Arrays.fill(reduced, true);
    }
    for (int d : dims) {
      int w = Dims.wrap(name, d, rank);
      checkArgument(rank == 0 || !reduced[w], "%s: dim %s appears multiple times in the list of dims", name, w);
      if (rank > 0) {
        reduced[w] = true;
      }
    }
    checkArgument(a.type(0).numel() > 0, "%s: the mean of an empty tensor is undefined, got %s", name, a.type(0));
    return reduced;
  }

  private static TensorType meanType(OpArgs a, boolean[] reduced) {
    TensorType x = a.type(0);
    boolean keepdim = a.boolArg(8);
    List<Integer> shape = new ArrayList<>();
    for (int i = 0; i < x.rank(); i++) {
      if (!reduced[i]) {
        shape.add(x.dim(i));
      } else if (keepdim) {
        shape.add(1);
      }
    }
    return x.withShape(shape);
  }

  // ---- requantize ----

  /**
   * {@code qforge.requantize}: the same elements in another quantization, for a standalone relu,
   * hardtanh or clamp (carried by the output bounds) and for a shape op whose output parameters
   * differ from its input's. For each element:
   *
   * <pre>
   *   real = (double) (x - input_zero_point) * s_in     // exact
   *   q    = clamp(rint(real / s_out) + output_zero_point, output_min, output_max)
   * </pre>
   *
   * Rounding is half to even ({@link Requantization}), not the truncation of PyTorch's reference
   * representation; with equal scale and zero point it is a clamp.
   */
  private static OpDef requantize() {
    return unaryParams("requantize")
        .doc("real = (x - in_zp) * s_in, q = clamp(rint(real / s_out) + out_zp, output_min, output_max), "
            + "half to even; a clamp when the qparams are equal")
        .shape(ShapeFunction.single(a -> {
          checkInput(a, 0, "self", 1, 2);
          checkOutput(a, 3, a.type(0).dtype());
          return a.type(0);
        }))
        .kernel(Kernel.single(ctx -> {
          int[] x = Requantization.centered(ctx.tensor(0), ctx.intArg(2));
          double s = Requantization.scale(ctx.floatArg(1));
          Requantization.Output out = output(ctx, 3);
          long[] q = new long[x.length];
          for (int i = 0; i < x.length; i++) {
            q[i] = out.fromCentered(x[i], s);
          }
          return bytesOf(ctx.type(0), q);
        }))
        .build();
  }
}
