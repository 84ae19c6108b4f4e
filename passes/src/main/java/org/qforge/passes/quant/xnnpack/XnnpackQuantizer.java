package org.qforge.passes.quant.xnnpack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Annotations;
import org.qforge.passes.quant.Quantizer;

/**
 * PT2E's {@code XNNPACKQuantizer} ({@code torchao/testing/pt2e/_xnnpack_quantizer.py}): a global
 * config, optionally overridden per module name or module type (from {@code nn_module_stack}).
 *
 * <p>Static annotation applies, per config (module names first, then module types, then the global
 * config for everything else), the annotators in this order: linear_relu, linear, conv_relu, conv,
 * conv_transpose_relu, adaptive_avg_pool2d, add_relu, add, mul_relu, mul, cat; fused patterns come
 * first so they claim their nodes. Dynamic configs annotate linear only. Afterwards annotations
 * propagate through value-preserving ops.
 */
public final class XnnpackQuantizer implements Quantizer {
  private QuantizationConfig globalConfig;
  private final Map<String, QuantizationConfig> moduleTypeConfig = new LinkedHashMap<>();
  private final Map<String, QuantizationConfig> moduleNameConfig = new LinkedHashMap<>();

  public XnnpackQuantizer setGlobal(QuantizationConfig config) {
    this.globalConfig = config;
    return this;
  }

  /** Config for nodes inside modules of this type, e.g. {@code torch.nn.modules.linear.Linear}. */
  public XnnpackQuantizer setModuleType(String type, QuantizationConfig config) {
    moduleTypeConfig.put(type, Objects.requireNonNull(config, "config"));
    return this;
  }

  /** Config for nodes inside the module at this path, e.g. {@code layer1.0}. */
  public XnnpackQuantizer setModuleName(String name, QuantizationConfig config) {
    moduleNameConfig.put(name, Objects.requireNonNull(config, "config"));
    return this;
  }

  /**
   * {@code _convert_scalars_to_attrs}: a number passed to {@code aten.add.Tensor} or
   * {@code aten.mul.Tensor} becomes an f32 scalar constant {@code _tensor_constant_<i>}, so that it
   * can be observed and quantized like any tensor input.
   */
  @Override
  public void transformForAnnotation(Graph graph) {
    int next = 0;
    for (Node n : List.copyOf(graph.nodes())) {
      String op = n.op().name();
      if (!op.equals("aten.add.Tensor") && !op.equals("aten.mul.Tensor")) {
        continue;
      }
      for (int i = 0; i < 2; i++) {
        Argument a = n.arg(i);
        if (a instanceof Literal.Int || a instanceof Literal.Float) {
          double v = a instanceof Literal.Int li ? li.value() : ((Literal.Float) a).value();
          while (graph.value("_tensor_constant_" + next) != null) {
            next++;
          }
          n.setArg(i, graph.addConstant("_tensor_constant_" + next, Constant.Kind.CONST, "",
              Tensor.scalar(DType.F32, (float) v)));
        }
      }
    }
  }

  @Override
  public void annotate(Graph graph, Annotations annotations) {
    boolean dynamic = globalConfig != null && globalConfig.inputActivation() != null
        && globalConfig.inputActivation().isDynamic();
    for (Map.Entry<String, QuantizationConfig> e : moduleNameConfig.entrySet()) {
      annotateAll(graph, annotations, e.getValue(), ModuleFilter.moduleName(e.getKey()), dynamic);
    }
    for (Map.Entry<String, QuantizationConfig> e : moduleTypeConfig.entrySet()) {
      annotateAll(graph, annotations, e.getValue(), ModuleFilter.moduleType(e.getKey()), dynamic);
    }
    annotateAll(graph, annotations, globalConfig,
        ModuleFilter.notIn(new ArrayList<>(moduleTypeConfig.keySet()), new ArrayList<>(moduleNameConfig.keySet())),
        dynamic);
    AnnotationPropagation.propagate(graph, annotations);
  }

  private static void annotateAll(Graph graph, Annotations ann, QuantizationConfig config, ModuleFilter filter,
      boolean dynamic) {
    if (config == null) {
      return;
    }
    XnnpackAnnotators a = new XnnpackAnnotators(graph, ann, config, filter);
    if (dynamic) {
      a.linear();
      return;
    }
    if (config.isQat()) {
      // STATIC_QAT_ONLY_OPS first: conv_bn_relu, conv_bn, conv_transpose_bn_relu, conv_transpose_bn.
      a.convBn(true, false);
      a.convBn(false, false);
      a.convBn(true, true);
      a.convBn(false, true);
    }
    a.linearRelu();
    a.linear();
    a.convRelu();
    a.conv();
    a.convTransposeRelu();
    a.adaptiveAvgPool2d();
    a.binaryRelu("aten.add.Tensor");
    a.binary("aten.add.Tensor");
    a.binaryRelu("aten.mul.Tensor");
    a.binary("aten.mul.Tensor");
    a.cat();
  }

  @Override
  public void validate(Graph graph, Annotations annotations) {}
}
