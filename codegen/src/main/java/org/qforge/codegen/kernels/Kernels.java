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

/** The kernel generator for each op compiled models support. */
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
      Map.entry("aten.clone", new CopyKernel()));

  private Kernels() {}

  /** The kernel parameters every generated kernel takes: all arenas, in {@link Arena} order. */
  public static List<ArrayParam> params() {
    return Arrays.stream(Arena.values()).map(Arena::param).toList();
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
