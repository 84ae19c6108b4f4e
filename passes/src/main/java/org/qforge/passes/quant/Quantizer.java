package org.qforge.passes.quant;

import java.util.Map;
import org.qforge.ir.Graph;
import org.qforge.passes.quant.observer.Observer;

/**
 * PT2E's {@code Quantizer}: says which edges and outputs of a graph to quantize, and how.
 */
public interface Quantizer {

  /** Rewrites the graph before annotation (e.g. scalars into constants); default: nothing. */
  default void transformForAnnotation(Graph graph) {}

  /** Annotates the graph's nodes. */
  void annotate(Graph graph, Annotations annotations);

  /** Checks the annotations; throws if they are unusable. */
  void validate(Graph graph, Annotations annotations);

  /** May adjust the observer map after observers are created and before they are inserted. */
  default void prepareObserverCallback(Graph graph, Map<EdgeOrNode, Observer> observers) {}
}
