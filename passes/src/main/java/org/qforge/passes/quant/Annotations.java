package org.qforge.passes.quant;

import java.util.IdentityHashMap;
import java.util.Map;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The quantization annotations of a graph's nodes: PT2E keeps them in
 * {@code node.meta["quantization_annotation"]}; we keep them beside the graph, by node.
 */
public final class Annotations {
  private final Map<Node, QuantizationAnnotation> byNode = new IdentityHashMap<>();
  /** Graph inputs and constants marked annotated (FX marks their placeholder/get_attr nodes). */
  private final java.util.Set<Value> annotatedLeaves = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

  /** The node's annotation, or null. */
  public QuantizationAnnotation get(Node n) {
    return byNode.get(n);
  }

  /** The annotation of the node producing {@code v}, or null (also for inputs and constants). */
  public QuantizationAnnotation ofProducer(Value v) {
    return v.producer() == null ? null : byNode.get(v.producer());
  }

  /** Replaces the node's annotation. */
  public void put(Node n, QuantizationAnnotation a) {
    byNode.put(n, a);
  }

  /** The node's annotation, created empty if absent. */
  public QuantizationAnnotation getOrCreate(Node n) {
    return byNode.computeIfAbsent(n, k -> new QuantizationAnnotation());
  }

  /** PT2E's {@code _is_annotated} for one node. */
  public boolean isAnnotated(Node n) {
    QuantizationAnnotation a = byNode.get(n);
    return a != null && a.annotated();
  }

  /**
   * PT2E's {@code _is_annotated} for the node producing {@code v}, or for {@code v} itself when it is
   * a graph input or constant (FX annotates their placeholder and get_attr nodes).
   */
  public boolean isAnnotated(Value v) {
    return v.producer() != null ? isAnnotated(v.producer()) : annotatedLeaves.contains(v);
  }

  /** PT2E's {@code _mark_nodes_as_annotated} for one value's producer (or the value itself). */
  public void markAnnotated(Value v) {
    if (v.producer() != null) {
      getOrCreate(v.producer()).setAnnotated(true);
    } else {
      annotatedLeaves.add(v);
    }
  }

  /** Moves an annotation from one node to another (passes that replace annotated nodes). */
  public void move(Node from, Node to) {
    QuantizationAnnotation a = byNode.remove(from);
    if (a != null) {
      byNode.put(to, a);
    }
  }

  public Map<Node, QuantizationAnnotation> asMap() {
    return byNode;
  }
}
