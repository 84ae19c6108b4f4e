package org.qforge.codegen.kernels;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr.BinOp;
import org.qforge.codegen.loop.KernelFunction;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * The kernel generator for each op compiled models support: fp32 ops, shape ops on tensors of any
 * supported dtype, and the integer programs {@code LowerToIntegerOps} produces (the
 * {@code quantized_decomposed} quantize and dequantize at their boundary, the {@code qforge.} integer
 * ops inside), each reproducing the interpreter bit for bit.
 */
public final class Kernels {
  private static final Map<String, KernelGenerator> BY_OP = Map.ofEntries(
      Map.entry("aten.linear", new LinearKernel()),
      Map.entry("aten.conv2d", new ConvKernel()),
      Map.entry("aten.conv1d", new ConvKernel()),
      Map.entry("aten.relu", ElementwiseKernels.relu()),
      Map.entry("aten.hardtanh", ElementwiseKernels.clamp()),
      Map.entry("aten.clamp", ElementwiseKernels.clamp()),
      Map.entry("aten.add.Tensor", ElementwiseKernels.binary(BinOp.ADD)),
      Map.entry("aten.sub.Tensor", ElementwiseKernels.binary(BinOp.SUB)),
      Map.entry("aten.mul.Tensor", ElementwiseKernels.binary(BinOp.MUL)),
      Map.entry("aten.div.Tensor", ElementwiseKernels.binary(BinOp.DIV)),
      Map.entry("aten.max_pool2d", PoolKernels.maxPool2d()),
      Map.entry("aten.adaptive_avg_pool2d", PoolKernels.adaptiveAvgPool2d()),
      Map.entry("aten.flatten.using_ints", new CopyKernel()),
      Map.entry("aten.view", new CopyKernel()),
      Map.entry("aten.reshape", new CopyKernel()),
      Map.entry("aten.squeeze.dim", new CopyKernel()),
      Map.entry("aten.squeeze.dims", new CopyKernel()),
      Map.entry("aten.squeeze", new CopyKernel()),
      Map.entry("aten.unsqueeze", new CopyKernel()),
      Map.entry("aten.clone", new CopyKernel()),
      Map.entry("aten.permute", StridedCopyKernel.permute()),
      Map.entry("aten.transpose.int", StridedCopyKernel.transpose()),
      Map.entry("aten.slice.Tensor", StridedCopyKernel.slice()),
      Map.entry("aten.select.int", StridedCopyKernel.select()),
      Map.entry("aten.expand", StridedCopyKernel.expand()),
      // The boundary of an integer program and the integer ops of LowerToIntegerOps.
      Map.entry("quantized_decomposed.quantize_per_tensor", QuantizeKernels.quantizePerTensor()),
      Map.entry("quantized_decomposed.dequantize_per_tensor", QuantizeKernels.dequantizePerTensor()),
      Map.entry("quantized_decomposed.quantize_per_channel", QuantizeKernels.quantizePerChannel()),
      Map.entry("quantized_decomposed.dequantize_per_channel", QuantizeKernels.dequantizePerChannel()),
      Map.entry("qforge.quantized_conv1d", new IntegerConvKernel()),
      Map.entry("qforge.quantized_conv2d", new IntegerConvKernel()),
      Map.entry("qforge.quantized_linear", new IntegerLinearKernel()),
      Map.entry("qforge.quantized_add", IntegerElementwiseKernels.quantizedAdd()),
      Map.entry("qforge.quantized_mul", IntegerElementwiseKernels.quantizedMul()),
      Map.entry("qforge.requantize", IntegerElementwiseKernels.requantize()),
      Map.entry("qforge.quantized_cat", new IntegerCatKernel()),
      Map.entry("qforge.quantized_max_pool2d", IntegerPoolKernels.maxPool2d()),
      Map.entry("qforge.quantized_adaptive_avg_pool2d", IntegerPoolKernels.adaptiveAvgPool2d()),
      Map.entry("qforge.quantized_mean", IntegerPoolKernels.mean()));

  private Kernels() {}

  /** The kernel parameters every generated kernel takes: all arenas, in {@link Arena} order. */
  public static List<ArrayParam> params() {
    return Arrays.stream(Arena.values()).map(Arena::param).toList();
  }

  /** Elements of workspace in {@code arena} {@code node}'s kernel needs; 0 for ops without a kernel too. */
  public static int workspace(Node node, Arena arena) {
    KernelGenerator g = BY_OP.get(node.op().name());
    return g == null ? 0 : g.workspace(node, arena);
  }

  /** {@code constant} in the order {@code node}'s kernel wants it stored, or null (see {@code ConstantLayouts}). */
  public static Tensor relayout(Node node, Value constant, Tensor tensor) {
    KernelGenerator g = BY_OP.get(node.op().name());
    return g == null ? null : g.relayout(node, constant, tensor);
  }

  /** The constant {@code node}'s kernel derives, or null (see {@code DerivedConstants}). */
  public static Tensor derivedConstant(Node node) {
    KernelGenerator g = BY_OP.get(node.op().name());
    return g == null ? null : g.derivedConstant(node);
  }

  /** The kernel for {@code node}, named {@code name}. */
  public static KernelFunction generate(Node node, ExecutionPlan plan, String name) {
    KernelGenerator g = BY_OP.get(node.op().name());
    if (g == null) {
      throw new QforgeException("node %" + node.name() + " uses " + node.op().name()
          + ", which compiled models do not support yet");
    }
    return new KernelFunction(name, params(), g.body(node, plan));
  }
}
