package org.qforge.passes.quant;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;

/**
 * PT2E's {@code ComposableQuantizer}: runs quantizers in order; a later quantizer may not change or
 * remove an annotation an earlier one made.
 */
public final class ComposableQuantizer implements Quantizer {
  private final List<Quantizer> quantizers;

  public ComposableQuantizer(List<Quantizer> quantizers) {
    this.quantizers = List.copyOf(quantizers);
  }

  @Override
  public void transformForAnnotation(Graph graph) {
    for (Quantizer q : quantizers) {
      q.transformForAnnotation(graph);
    }
  }

  @Override
  public void annotate(Graph graph, Annotations annotations) {
    Map<Node, QuantizationAnnotation> seen = new IdentityHashMap<>();
    for (Quantizer q : quantizers) {
      q.annotate(graph, annotations);
      for (Node n : graph.nodes()) {
        QuantizationAnnotation before = seen.get(n);
        QuantizationAnnotation now = annotations.get(n);
        if (before != null && before != now) {
          throw new IllegalStateException("quantizer " + q.getClass().getSimpleName()
              + " changed the annotation of %" + n.name() + " made by an earlier quantizer");
        }
        if (now != null) {
          seen.put(n, now);
        }
      }
    }
  }

  @Override
  public void validate(Graph graph, Annotations annotations) {
    for (Quantizer q : quantizers) {
      q.validate(graph, annotations);
    }
  }
}
