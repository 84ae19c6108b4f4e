package org.qforge.passes.quant.reference;

import java.util.List;
import java.util.function.Function;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.OpDef;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;
import org.qforge.passes.pattern.GraphBuilder;
import org.qforge.passes.pattern.Pattern;
import org.qforge.passes.pattern.PatternCapture;
import org.qforge.passes.pattern.SubgraphRewriter;

/**
 * PT2E's {@code reference_representation_rewrite} (convert step 6, with
 * {@code use_reference_representation=True}): quantize/dequantize patterns are rewritten into
 * integer arithmetic with the replacements of torchao's {@code _REWRITE_INFO_LIST}, in list order,
 * each with {@code replace_pattern_with_filters} semantics.
 *
 * <p>Entries, as in torchao: dynamic quantized linear; static quantized linear; add_relu; add;
 * quantize_per_tensor; dequantize_per_tensor; quantize_per_channel; dequantize_per_channel — all for
 * int8 only (the dtype literal must match). Left out, because they cannot fire on exported graphs:
 * the conv2d and max_pool2d entries target {@code aten.convolution} and
 * {@code max_pool2d_with_indices}, which {@code torch.export} never emits (it emits
 * {@code aten.conv2d} / {@code aten.max_pool2d}); and the int4 groupwise entries, which match
 * torchao's affine ops that this flow never produces. As in PyTorch, per-channel weights keep their
 * linear in fp32 between reference q/dq.
 *
 * <p>Numerics, as PyTorch computes them: integer accumulation in {@code higher_order.out_dtype};
 * requantization by a float32 multiply followed by truncation toward zero ({@code out_dtype}'s
 * conversion) for linear and add_relu; round half to even for add and quantize; {@code x / scale}
 * (a true division, not the quantize op's multiply by the reciprocal) in the quantize replacement.
 *
 * <p>Like {@code remove_tensor_overload_for_qdq_ops}, patterns compare quantize/dequantize ops
 * without their {@code .tensor} overload, so the per-tensor entries also match the dynamic
 * ({@code choose_qparams}) quantize and dequantize.
 */
public final class ReferenceRepresentationRewrite implements Pass {
  private static final TensorType X_I8 = TensorType.of(DType.I8, 2, 5);
  private static final TensorType W_I8 = TensorType.of(DType.I8, 5, 5);
  private static final TensorType X_F32 = TensorType.of(DType.F32, 2, 5);
  private static final TensorType BIAS = TensorType.of(DType.F32, 5);
  private static final TensorType T_I8 = TensorType.of(DType.I8, 1, 3, 3, 3);
  private static final TensorType T_F32 = TensorType.of(DType.F32, 1, 3, 3, 3);
  private static final TensorType CH_F32 = TensorType.of(DType.F32, 3);
  private static final TensorType CH_I64 = TensorType.of(DType.I64, 3);
  /** torch.finfo(torch.float32).eps, the dynamic entry's example eps. */
  private static final double F32_EPS = 0x1p-23;

  private static final String Q = "quantized_decomposed.quantize_per_tensor";
  private static final String DQ = "quantized_decomposed.dequantize_per_tensor";

  /** One entry of {@code _REWRITE_INFO_LIST}: a pattern and its replacement over the same inputs. */
  private record RewriteInfo(String name, Pattern pattern, Pattern replacement) {}

  @Override
  public String name() {
    return "reference-representation-rewrite";
  }

  @Override
  public void run(Graph graph) {
    for (RewriteInfo info : rewrites()) {
      SubgraphRewriter.replacePatternWithFilters(graph, info.pattern(), info.replacement(), List.of(), false, null,
          ReferenceRepresentationRewrite::packet);
    }
    new EliminateDeadCode().run(graph);
  }

  /** The op's overload packet for quantize/dequantize ops ({@code .tensor} dropped); the name otherwise. */
  static String packet(OpDef op) {
    String n = op.name();
    return n.startsWith("quantized_decomposed.") && n.endsWith(".tensor") && !n.contains("choose_qparams")
        ? n.substring(0, n.length() - ".tensor".length()) : n;
  }

  static List<RewriteInfo> rewrites() {
    return List.of(dynamicLinear(), staticLinear(), addRelu(), add(), quantizePerTensor(), dequantizePerTensor(),
        quantizePerChannel(), dequantizePerChannel());
  }

  private static Pattern capture(String name, List<TensorType> tensors, List<Object> literals,
      Function<Value[], Function<GraphBuilder, Object>> body) {
    return PatternCapture.capture(name, tensors, literals, (b, in) -> body.apply(in).apply(b));
  }

  private static Value q(GraphBuilder b, Value x, Value s, Value z, Value lo, Value hi) {
    return b.call(Q, x, s, z, lo, hi, DType.I8);
  }

  private static Value dq(GraphBuilder b, Value x, Value s, Value z, Value lo, Value hi) {
    return b.call(DQ, x, s, z, lo, hi, DType.I8);
  }

  // ---- 1. dynamic quantized linear --------------------------------------------------------------

  private static RewriteInfo dynamicLinear() {
    List<TensorType> t = List.of(X_F32, W_I8, BIAS);
    List<Object> l = List.of(-128, 127, F32_EPS, 1.0, 0, -127, 127);
    Pattern pattern = capture("qdq_dynamic_quantized_linear", t, l, in -> b -> {
      Value x = in[0];
      List<Value> sz = b.callMulti("quantized_decomposed.choose_qparams.tensor",
          List.of(x, in[3], in[4], in[5], DType.I8), java.util.Map.of());
      Value xq = b.call("quantized_decomposed.quantize_per_tensor.tensor", x, sz.get(0), sz.get(1), in[3], in[4],
          DType.I8);
      Value xdq = b.call("quantized_decomposed.dequantize_per_tensor.tensor", xq, sz.get(0), sz.get(1), in[3],
          in[4], DType.I8);
      Value w = dq(b, in[1], in[6], in[7], in[8], in[9]);
      return b.call("aten.linear", xdq, w, in[2]);
    });
    Pattern replacement = capture("reference_dynamic_quantized_linear", t, l, in -> b -> {
      List<Value> sz = b.callMulti("quantized_decomposed.choose_qparams.tensor",
          List.of(in[0], in[3], in[4], in[5], DType.I8), java.util.Map.of());
      Value s = sz.get(0);
      Value z = sz.get(1);
      Value x = b.call("aten.div.Tensor", in[0], s);
      x = b.call("aten.round", x);
      x = b.call("aten.to.dtype", x, DType.I32);
      x = b.call("aten.add.Tensor", x, z);
      x = b.call("aten.clamp", x, in[3], in[4]);
      Value xI8 = b.call("aten.to.dtype", x, DType.I8);
      Value wI8 = b.call("aten.clamp", in[1], in[8], in[9]);
      Value xI16 = b.call("aten.to.dtype", xI8, DType.I16);
      Value wI16 = b.call("aten.to.dtype", wI8, DType.I16);
      Value acc = b.call("higher_order.out_dtype", "aten.linear", DType.I32, b.call("aten.sub.Tensor", xI16, z),
          b.call("aten.sub.Tensor", wI16, in[7]), Literal.NONE);
      Value biasScale = b.call("aten.mul.Tensor", s, in[6]);
      Value biasI32 = b.call("higher_order.out_dtype", "aten.div.Tensor", DType.I32, in[2], biasScale, Literal.NONE);
      acc = b.call("aten.add.Tensor", acc, biasI32);
      return b.call("aten.mul.Tensor", acc, b.call("aten.mul.Tensor", s, in[6]));
    });
    return new RewriteInfo("dynamic_quantized_linear", pattern, replacement);
  }

  // ---- 4. static quantized linear ---------------------------------------------------------------

  private static RewriteInfo staticLinear() {
    List<TensorType> t = List.of(X_I8, W_I8, BIAS);
    // x: scale, zp, qmin, qmax; weight: scale, zp, qmin, qmax; out: scale, zp, qmin, qmax.
    List<Object> l = List.of(1.0, 0, -128, 127, 1.0, 0, -127, 127, 1.0, 0, -128, 127);
    Pattern pattern = capture("qdq_quantized_linear", t, l, in -> b -> {
      Value x = dq(b, in[0], in[3], in[4], in[5], in[6]);
      Value w = dq(b, in[1], in[7], in[8], in[9], in[10]);
      Value out = b.call("aten.linear", x, w, in[2]);
      return q(b, out, in[11], in[12], in[13], in[14]);
    });
    Pattern replacement = capture("reference_quantized_linear", t, l, in -> b -> {
      Value x = b.call("aten.clamp", in[0], in[5], in[6]);
      Value w = b.call("aten.clamp", in[1], in[9], in[10]);
      Value x16 = b.call("aten.to.dtype", x, DType.I16);
      Value w16 = b.call("aten.to.dtype", w, DType.I16);
      Value acc = b.call("higher_order.out_dtype", "aten.linear", DType.I32, b.call("aten.sub.Tensor", x16, in[4]),
          b.call("aten.sub.Tensor", w16, in[8]), Literal.NONE);
      Value biasScale = b.call("aten.mul.Tensor", in[3], in[7]);
      Value biasI32 = b.call("higher_order.out_dtype", "aten.div.Tensor", DType.I32, in[2], biasScale, Literal.NONE);
      acc = b.call("aten.add.Tensor", acc, biasI32);
      Value m = b.call("aten.div.Tensor", b.call("aten.mul.Tensor", in[3], in[7]), in[11]);
      acc = b.call("aten.add.Tensor", b.call("higher_order.out_dtype", "aten.mul.Tensor", DType.I32, acc, m,
          Literal.NONE), in[12]);
      return b.call("aten.to.dtype", b.call("aten.clamp", acc, in[13], in[14]), DType.I8);
    });
    return new RewriteInfo("quantized_linear", pattern, replacement);
  }

  // ---- 6, 7. add_relu and add ----------------------------------------------------------------

  private static final List<Object> ADD_LITERALS = List.of(1.0, 0, 1.0, 0, 1.0, 0, -128, 127);

  /** Inputs: x_i8, y_i8; x_scale, x_zp, y_scale, y_zp, out_scale, out_zp, qmin, qmax. */
  private static RewriteInfo addRelu() {
    List<TensorType> t = List.of(T_I8, T_I8);
    Pattern pattern = capture("qdq_quantized_add_relu", t, ADD_LITERALS, in -> b -> {
      Value x = dq(b, in[0], in[2], in[3], in[8], in[9]);
      Value y = dq(b, in[1], in[4], in[5], in[8], in[9]);
      Value out = b.relu(b.call("aten.add.Tensor", x, y));
      return q(b, out, in[6], in[7], in[8], in[9]);
    });
    Pattern replacement = capture("reference_quantized_add_relu", t, ADD_LITERALS, in -> b -> {
      Value x = b.call("aten.to.dtype", in[0], DType.I32);
      Value y = b.call("aten.to.dtype", in[1], DType.I32);
      x = b.call("higher_order.out_dtype", "aten.mul.Tensor", DType.I32, b.call("aten.sub.Tensor", x, in[3]),
          b.call("aten.div.Tensor", in[2], in[6]), Literal.NONE);
      y = b.call("higher_order.out_dtype", "aten.mul.Tensor", DType.I32, b.call("aten.sub.Tensor", y, in[5]),
          b.call("aten.div.Tensor", in[4], in[6]), Literal.NONE);
      Value out = b.call("aten.add.Tensor", b.call("aten.add.Tensor", x, y), in[7]);
      return b.call("aten.to.dtype", b.call("aten.clamp", out, in[7], in[9]), DType.I8);
    });
    return new RewriteInfo("quantized_add_relu", pattern, replacement);
  }

  private static RewriteInfo add() {
    List<TensorType> t = List.of(T_I8, T_I8);
    Pattern pattern = capture("qdq_quantized_add", t, ADD_LITERALS, in -> b -> {
      Value x = dq(b, in[0], in[2], in[3], in[8], in[9]);
      Value y = dq(b, in[1], in[4], in[5], in[8], in[9]);
      return q(b, b.call("aten.add.Tensor", x, y), in[6], in[7], in[8], in[9]);
    });
    Pattern replacement = capture("reference_quantized_add", t, ADD_LITERALS, in -> b -> {
      Value x = b.call("aten.to.dtype", in[0], DType.I32);
      Value y = b.call("aten.to.dtype", in[1], DType.I32);
      x = b.call("aten.to.dtype", b.call("aten.round", b.call("aten.mul.Tensor",
          b.call("aten.div.Tensor", in[2], in[6]), b.call("aten.sub.Tensor", x, in[3]))), DType.I32);
      y = b.call("aten.to.dtype", b.call("aten.round", b.call("aten.mul.Tensor",
          b.call("aten.div.Tensor", in[4], in[6]), b.call("aten.sub.Tensor", y, in[5]))), DType.I32);
      Value out = b.call("aten.add.Tensor", b.call("aten.add.Tensor", x, y), in[7]);
      // The qmin/qmax inputs are ignored here and the bounds hard-coded, as in torchao.
      return b.call("aten.to.dtype", b.call("aten.clamp", out, -128, 127), DType.I8);
    });
    return new RewriteInfo("quantized_add", pattern, replacement);
  }

  // ---- 9-12. quantize / dequantize ----------------------------------------------------------------

  private static final List<Object> QDQ_LITERALS = List.of(1.0, 0, -128, 127);

  private static RewriteInfo quantizePerTensor() {
    Pattern pattern = capture("quantize_per_tensor_int8", List.of(T_F32), QDQ_LITERALS,
        in -> b -> q(b, in[0], in[1], in[2], in[3], in[4]));
    Pattern replacement = capture("reference_quantize_per_tensor_int8", List.of(T_F32), QDQ_LITERALS, in -> b -> {
      Value x = b.call("aten.div.Tensor", in[0], in[1]);
      x = b.call("aten.round", x);
      x = b.call("aten.to.dtype", x, DType.I32);
      x = b.call("aten.add.Tensor", x, in[2]);
      x = b.call("aten.clamp", x, in[3], in[4]);
      return b.call("aten.to.dtype", x, DType.I8);
    });
    return new RewriteInfo("quantize_per_tensor_int8", pattern, replacement);
  }

  private static RewriteInfo dequantizePerTensor() {
    Pattern pattern = capture("dequantize_per_tensor_int8", List.of(T_I8), QDQ_LITERALS,
        in -> b -> dq(b, in[0], in[1], in[2], in[3], in[4]));
    Pattern replacement = capture("reference_dequantize_per_tensor_int8", List.of(T_I8), QDQ_LITERALS, in -> b -> {
      Value x = b.call("aten.clamp", in[0], in[3], in[4]);
      x = b.call("aten.to.dtype", x, DType.F32);
      x = b.call("aten.sub.Tensor", x, in[2]);
      x = b.call("aten.mul.Tensor", x, in[1]);
      return b.call("aten.to.dtype", x, DType.F32);
    });
    return new RewriteInfo("dequantize_per_tensor_int8", pattern, replacement);
  }

  /** Inputs: x, scales, zero_points; axis, qmin, qmax. */
  private static RewriteInfo quantizePerChannel() {
    List<TensorType> t = List.of(T_F32, CH_F32, CH_I64);
    List<Object> l = List.of(1, -128, 127);
    Pattern pattern = capture("quantize_per_channel_int8", t, l, in -> b -> b.call(
        "quantized_decomposed.quantize_per_channel", in[0], in[1], in[2], in[3], in[4], in[5], DType.I8));
    Pattern replacement = capture("reference_quantize_per_channel_int8", t, l, in -> b -> {
      Value x = b.call("aten.transpose.int", in[0], in[3], -1);
      Value o = b.call("aten.add.Tensor", b.call("aten.to.dtype", b.call("aten.round",
          b.call("aten.div.Tensor", x, in[1])), DType.I32), in[2]);
      o = b.call("aten.clamp", o, in[4], in[5]);
      o = b.call("aten.transpose.int", o, in[3], -1);
      return b.call("aten.to.dtype", o, DType.I8);
    });
    return new RewriteInfo("quantize_per_channel_int8", pattern, replacement);
  }

  private static RewriteInfo dequantizePerChannel() {
    List<TensorType> t = List.of(T_I8, CH_F32, CH_I64);
    List<Object> l = List.of(1, -128, 127);
    Pattern pattern = capture("dequantize_per_channel_int8", t, l, in -> b -> b.call(
        "quantized_decomposed.dequantize_per_channel", in[0], in[1], in[2], in[3], in[4], in[5], DType.I8));
    Pattern replacement = capture("reference_dequantize_per_channel_int8", t, l, in -> b -> {
      Value x = b.call("aten.clamp", in[0], in[4], in[5]);
      x = b.call("aten.transpose.int", x, in[3], -1);
      x = b.call("aten.to.dtype", x, DType.I32);
      Value o = b.call("aten.mul.Tensor", b.call("aten.to.dtype", b.call("aten.sub.Tensor", x, in[2]), DType.F32),
          in[1]);
      return b.call("aten.transpose.int", o, in[3], -1);
    });
    return new RewriteInfo("dequantize_per_channel_int8", pattern, replacement);
  }
}
