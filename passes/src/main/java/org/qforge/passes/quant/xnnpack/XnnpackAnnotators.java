package org.qforge.passes.quant.xnnpack;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.passes.quant.Annotations;
import org.qforge.passes.quant.EdgeOrNode;
import org.qforge.passes.quant.QuantizationAnnotation;
import org.qforge.passes.quant.QuantizationSpec;
import org.qforge.passes.quant.QuantizationSpecBase;
import org.qforge.passes.quant.SharedQuantizationSpec;

/**
 * The XNNPACK quantizer's annotators ({@code OP_TO_ANNOTATOR} in
 * {@code torchao/testing/pt2e/_xnnpack_quantizer_utils.py}), one method per entry, each walking the
 * graph in order and annotating the partitions it recognises that no earlier annotator claimed.
 */
final class XnnpackAnnotators {
  private static final Set<String> CONV = Set.of("aten.conv1d", "aten.conv2d");
  private static final Set<String> CONV_TRANSPOSE = Set.of("aten.conv_transpose1d", "aten.conv_transpose2d.input");
  private static final Set<String> RELU = Set.of("aten.relu");
  /** torch.histc works up to this magnitude; larger scalar inputs are left unquantized. */
  private static final double HISTC_UPPER_BOUND = 3.4028235e15;

  private final Graph graph;
  private final Annotations ann;
  private final QuantizationConfig config;
  private final ModuleFilter filter;

  XnnpackAnnotators(Graph graph, Annotations ann, QuantizationConfig config, ModuleFilter filter) {
    this.graph = graph;
    this.ann = ann;
    this.config = config;
    this.filter = filter;
  }

  private static boolean is(Node n, Set<String> ops) {
    return ops.contains(n.op().name());
  }

  private static Node producerIf(Value v, Set<String> ops) {
    Node p = v.producer();
    return p != null && is(p, ops) ? p : null;
  }

  private static int users(Node n) {
    return n.result().users().size() + (int) n.graph().outputs().stream().filter(o -> o == n.result()).count();
  }

  private boolean anyAnnotated(List<Value> partition) {
    return partition.stream().anyMatch(ann::isAnnotated);
  }

  private boolean allPassFilter(List<Value> partition) {
    return partition.stream().allMatch(filter::test);
  }

  private void input(Node n, Value v, QuantizationSpecBase spec) {
    ann.getOrCreate(n).inputQspecMap().put(v, spec);
  }

  private void output(Node n, QuantizationSpecBase spec) {
    ann.getOrCreate(n).setOutputQspec(spec);
  }

  private void markAnnotated(List<Value> values) {
    values.forEach(ann::markAnnotated);
  }

  private QuantizationSpec inputAct() {
    return config.inputActivation();
  }

  private QuantizationSpec outputAct() {
    return config.outputActivation();
  }

  private static Value bias(Node n) {
    return n.arg(2) instanceof Value v ? v : null;
  }

  /** {@code _annotate_linear}. */
  void linear() {
    for (Node node : graph.nodes()) {
      if (!node.op().name().equals("aten.linear") || !filter.test(node)) {
        continue;
      }
      if (ann.isAnnotated(node)) {
        continue;
      }
      Value act = (Value) node.arg(0);
      Value weight = (Value) node.arg(1);
      input(node, act, inputAct());
      input(node, weight, config.weight());
      List<Value> mark = new ArrayList<>(List.of(node.result(), weight));
      Value bias = bias(node);
      if (bias != null) {
        input(node, bias, config.bias());
        mark.add(bias);
      }
      output(node, outputAct());
      markAnnotated(mark);
    }
  }

  /** {@code _annotate_linear_relu}. */
  void linearRelu() {
    opThenRelu(Set.of("aten.linear"));
  }

  /** A fresh annotation of a convolution's inputs: the activation, the weight and (if any) the bias. */
  private QuantizationAnnotation weightedInputs(Node op, Value weight, Value bias) {
    QuantizationAnnotation a = new QuantizationAnnotation().setAnnotated(true);
    a.inputQspecMap().put((Value) op.arg(0), inputAct());
    a.inputQspecMap().put(weight, config.weight());
    if (bias != null) {
      a.inputQspecMap().put(bias, config.bias());
    }
    return a;
  }

  /** {@code _annotate_conv_relu}. */
  void convRelu() {
    opThenRelu(CONV);
  }

  /** {@code _annotate_conv_transpose_relu}. */
  void convTransposeRelu() {
    opThenRelu(CONV_TRANSPOSE);
  }

  private void opThenRelu(Set<String> ops) {
    for (Node relu : graph.nodes()) {
      if (!is(relu, RELU) || !(relu.arg(0) instanceof Value in)) {
        continue;
      }
      Node op = producerIf(in, ops);
      if (op == null || users(op) > 1) {
        continue;
      }
      Value weight = (Value) op.arg(1);
      List<Value> partition = new ArrayList<>(List.of(relu.result(), op.result(), weight));
      Value bias = bias(op);
      if (bias != null) {
        partition.add(bias);
      }
      if (anyAnnotated(partition) || !allPassFilter(partition)) {
        continue;
      }
      ann.put(op, weightedInputs(op, weight, bias));
      ann.put(relu, new QuantizationAnnotation().setOutputQspec(outputAct()).setAnnotated(true));
      markAnnotated(partition);
    }
  }

  /**
   * {@code _annotate_conv_bn}, {@code _annotate_conv_bn_relu}, {@code _annotate_conv_transpose_bn} and
   * {@code _annotate_conv_transpose_bn_relu} (QAT configs only): conv1d/conv2d (or their transposed
   * forms) → batch norm (→ relu) as one partition, input, weight and bias specs on the conv and the
   * output spec on the last node, so no observer sits between them ({@code _fuse_conv_bn_qat} then
   * rewrites the conv and the batch norm, keeping these annotations). The weight spec is the
   * config's, as in PyTorch (per channel along axis 0 even for a transposed weight).
   */
  void convBn(boolean withRelu, boolean transposed) {
    for (Node bn : graph.nodes()) {
      if (!bn.op().name().equals("aten.batch_norm") || !(bn.arg(0) instanceof Value convOut)) {
        continue;
      }
      Node conv = producerIf(convOut, transposed ? CONV_TRANSPOSE : CONV);
      if (conv == null || users(conv) > 1) {
        continue;
      }
      Node last = bn;
      if (withRelu) {
        List<Node> bnUsers = bn.result().users();
        if (users(bn) != 1 || bnUsers.size() != 1 || !is(bnUsers.get(0), RELU)) {
          continue;
        }
        last = bnUsers.get(0);
      }
      Value weight = (Value) conv.arg(1);
      Value bias = bias(conv);
      List<Value> partition = new ArrayList<>(List.of(conv.result(), bn.result()));
      if (withRelu) {
        partition.add(last.result());
      }
      partition.add(weight);
      if (bias != null) {
        partition.add(bias);
      }
      if (anyAnnotated(partition) || !allPassFilter(partition)) {
        continue;
      }
      ann.put(conv, weightedInputs(conv, weight, bias));
      ann.put(last, new QuantizationAnnotation().setOutputQspec(outputAct()).setAnnotated(true));
      markAnnotated(partition);
    }
  }

  /** {@code _annotate_conv}: conv1d/conv2d with input, weight and bias specs and an output spec. */
  void conv() {
    for (Node conv : graph.nodes()) {
      if (!is(conv, CONV)) {
        continue;
      }
      Value weight = (Value) conv.arg(1);
      List<Value> partition = new ArrayList<>(List.of(conv.result(), weight));
      Value bias = bias(conv);
      if (bias != null) {
        partition.add(bias);
      }
      if (anyAnnotated(partition) || !allPassFilter(partition)) {
        continue;
      }
      ann.put(conv, weightedInputs(conv, weight, bias).setOutputQspec(outputAct()));
      markAnnotated(partition);
    }
  }

  /** {@code _annotate_adaptive_avg_pool2d}: output shares the input edge's observer. */
  void adaptiveAvgPool2d() {
    for (Node pool : graph.nodes()) {
      if (!pool.op().name().equals("aten.adaptive_avg_pool2d") || !filter.test(pool) || ann.isAnnotated(pool)) {
        continue;
      }
      Value in = (Value) pool.arg(0);
      QuantizationAnnotation prev = ann.ofProducer(in);
      QuantizationSpecBase inSpec = prev == null || !prev.annotated() || prev.outputQspec() == null
          ? inputAct() : new SharedQuantizationSpec(new EdgeOrNode.Output(in));
      QuantizationAnnotation a = new QuantizationAnnotation().setAnnotated(true)
          .setOutputQspec(new SharedQuantizationSpec(new EdgeOrNode.Edge(in, pool)));
      a.inputQspecMap().put(in, inSpec);
      ann.put(pool, a);
    }
  }

  /** {@code _annotate_add_relu} and {@code _annotate_mul_relu}. */
  void binaryRelu(String opName) {
    for (Node relu : graph.nodes()) {
      if (!is(relu, RELU) || !(relu.arg(0) instanceof Value in)) {
        continue;
      }
      Node op = producerIf(in, Set.of(opName));
      if (op == null || users(op) > 1) {
        continue;
      }
      List<Value> partition = new ArrayList<>(List.of(relu.result(), op.result()));
      if (anyAnnotated(partition) || !allPassFilter(partition)) {
        continue;
      }
      QuantizationAnnotation opAnn = new QuantizationAnnotation().setAnnotated(true);
      if (!annotateBinaryInputs(op, opAnn)) {
        continue;
      }
      ann.put(op, opAnn);
      ann.put(relu, new QuantizationAnnotation().setOutputQspec(outputAct()).setAnnotated(true));
    }
  }

  /** {@code _annotate_add} and {@code _annotate_mul}. */
  void binary(String opName) {
    for (Node op : graph.nodes()) {
      if (!op.op().name().equals(opName) || ann.isAnnotated(op) || !filter.test(op)) {
        continue;
      }
      QuantizationAnnotation a = new QuantizationAnnotation().setAnnotated(true);
      if (!annotateBinaryInputs(op, a)) {
        continue;
      }
      a.setOutputQspec(outputAct());
      ann.put(op, a);
    }
  }

  /** Input specs for the tensor operands; false if one is a huge scalar constant or not f32. */
  private boolean annotateBinaryInputs(Node op, QuantizationAnnotation a) {
    for (int i = 0; i < 2; i++) {
      if (op.arg(i) instanceof Value v) {
        if (isLargeScalar(v) || v.type().dtype() != DType.F32) {
          return false;
        }
        a.inputQspecMap().put(v, inputAct());
      }
    }
    return true;
  }

  private boolean isLargeScalar(Value v) {
    if (v.kind() != Value.Kind.CONSTANT) {
      return false;
    }
    Tensor t = graph.constant(v.name()).tensor();
    return t.numel() == 1 && Math.abs(t.getDouble(0)) > HISTC_UPPER_BOUND;
  }

  /** {@code _annotate_cat}: every input and the output share the first input's observer. */
  void cat() {
    for (Node cat : graph.nodes()) {
      if (!cat.op().name().equals("aten.cat") || !filter.test(cat) || ann.isAnnotated(cat)) {
        continue;
      }
      List<Value> inputs = ((ValueList) cat.arg(0)).values();
      QuantizationAnnotation a = new QuantizationAnnotation().setAnnotated(true);
      Value first = inputs.get(0);
      a.inputQspecMap().put(first, inputAct());
      SharedQuantizationSpec shared = new SharedQuantizationSpec(new EdgeOrNode.Edge(first, cat));
      for (Value in : inputs.subList(1, inputs.size())) {
        a.inputQspecMap().putIfAbsent(in, shared);
      }
      a.setOutputQspec(shared);
      ann.put(cat, a);
    }
  }
}
