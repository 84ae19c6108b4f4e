package org.qforge.passes.quant.xnnpack;

import java.util.Set;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Value;
import org.qforge.passes.quant.Annotations;
import org.qforge.passes.quant.EdgeOrNode;
import org.qforge.passes.quant.QuantizationAnnotation;
import org.qforge.passes.quant.SharedQuantizationSpec;

/**
 * The XNNPACK quantizer's {@code propagate_annotation}: ops that do not change the value range
 * (relu, hardtanh, max_pool2d, mean, permute, squeeze, view, slice, flatten, ...) share their
 * producer's observer on input and output, if the producer's output is quantized. Runs in graph
 * order, so chains propagate.
 */
final class AnnotationPropagation {
  private static final Set<String> SHARE_OBSERVER_OPS = Set.of(
      "aten.relu", "aten.hardtanh", "aten.max_pool2d", "aten.mean", "aten.mean.dim", "aten.permute",
      "aten.squeeze.dim", "aten.adaptive_avg_pool2d", "aten.view", "aten.slice.Tensor", "aten.flatten.using_ints");

  private AnnotationPropagation() {}

  static void propagate(Graph graph, Annotations ann) {
    for (Node n : graph.nodes()) {
      if (!SHARE_OBSERVER_OPS.contains(n.op().name()) || !(n.arg(0) instanceof Value prev)) {
        continue;
      }
      QuantizationAnnotation prevAnn = ann.ofProducer(prev);
      if (prevAnn == null || prevAnn.outputQspec() == null || ann.isAnnotated(n)) {
        continue;
      }
      SharedQuantizationSpec shared = new SharedQuantizationSpec(new EdgeOrNode.Output(prev));
      QuantizationAnnotation a = new QuantizationAnnotation().setOutputQspec(shared).setAnnotated(true);
      a.inputQspecMap().put(prev, shared);
      ann.put(n, a);
    }
  }
}
