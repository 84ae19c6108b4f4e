package org.qforge.passes.quant;

import java.util.List;
import java.util.Map;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.passes.quant.observer.Observer;

/**
 * A prepared model: the graph with {@code qforge.observe} nodes (PT2E's observer modules), the
 * observers they refer to by index, the quantizer's annotations, and which edge or output each
 * observer stands for.
 *
 * @param graph the observed graph
 * @param annotations the annotations made before prepare (convert's passes read them)
 * @param observers observer instances by the index {@code qforge.observe} nodes carry
 * @param observerMap every annotated edge or output with its observer (null where its spec was None)
 */
public record ObservedGraph(Graph graph, Annotations annotations, List<Observer> observers,
    Map<EdgeOrNode, Observer> observerMap) {

  /** The observer a {@code qforge.observe} node refers to (its second argument is the index). */
  public Observer observerOf(Node observe) {
    return observers.get(Math.toIntExact(((Literal.Int) observe.arg(1)).value()));
  }
}
