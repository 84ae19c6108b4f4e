package org.qforge.passes.quant;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.qforge.ir.Node;

/**
 * The observer-sharing groups of {@code _get_edge_or_node_to_group_id}: a union-find over annotated
 * edges and outputs (path compression; the parent pointer of a child root is set to the parent's
 * root, except when that would point a shared spec's owner back at its target, in which case the
 * edge is reversed, ao PR #3011). Group ids are numbered from 0 in the order of first appearance.
 */
final class SharingGroups {
  private final LinkedHashMap<EdgeOrNode, QuantizationSpecBase> qspecs;
  private final Annotations annotations;
  private final LinkedHashMap<EdgeOrNode, EdgeOrNode> sharedWith = new LinkedHashMap<>();

  SharingGroups(LinkedHashMap<EdgeOrNode, QuantizationSpecBase> qspecs, Annotations annotations) {
    this.qspecs = qspecs;
    this.annotations = annotations;
    for (EdgeOrNode k : qspecs.keySet()) {
      sharedWith.put(k, k);
    }
  }

  Map<EdgeOrNode, Integer> groupIds() {
    for (Map.Entry<EdgeOrNode, QuantizationSpecBase> e : qspecs.entrySet()) {
      EdgeOrNode key = e.getKey();
      QuantizationSpecBase spec = e.getValue();
      if (key instanceof EdgeOrNode.Output) {
        updateSharedWith(key, spec);
        continue;
      }
      EdgeOrNode.Edge edge = (EdgeOrNode.Edge) key;
      QuantizationSpecBase rootSpec = unwrap(spec);
      if (annotations.get(edge.consumer()).allowImplicitSharing()) {
        // Other users of the producer first, then the producer's output: the other order can cycle.
        for (Node user : List.copyOf(new java.util.LinkedHashSet<>(edge.value().users()))) {
          if (user != edge.consumer()) {
            unionInputEdgeWith(edge, rootSpec, new EdgeOrNode.Edge(edge.value(), user));
          }
        }
        unionInputEdgeWith(edge, rootSpec, new EdgeOrNode.Output(edge.value()));
      }
      updateSharedWith(edge, spec);
    }
    Map<EdgeOrNode, Integer> ids = new LinkedHashMap<>();
    Map<EdgeOrNode, Integer> rootIds = new LinkedHashMap<>();
    for (EdgeOrNode k : List.copyOf(sharedWith.keySet())) {
      EdgeOrNode root = find(k);
      Integer id = rootIds.get(root);
      if (id == null) {
        id = rootIds.size();
        rootIds.put(root, id);
      }
      ids.put(k, id);
    }
    return ids;
  }

  private EdgeOrNode find(EdgeOrNode x) {
    EdgeOrNode parent = sharedWith.get(x);
    if (parent == null) {
      // A shared spec may point at something no annotation mentions; it is then its own group.
      sharedWith.put(x, x);
      return x;
    }
    if (parent.equals(x)) {
      return x;
    }
    EdgeOrNode root = find(parent);
    sharedWith.put(x, root);
    return root;
  }

  private void union(EdgeOrNode parent, EdgeOrNode child) {
    EdgeOrNode rp = find(parent);
    EdgeOrNode rc = find(child);
    if (rp.equals(rc)) {
      return;
    }
    if (qspecs.get(rp) instanceof SharedQuantizationSpec s && s.edgeOrNode().equals(rc)) {
      sharedWith.put(rp, rc);
    } else {
      sharedWith.put(rc, rp);
    }
  }

  private void updateSharedWith(EdgeOrNode child, QuantizationSpecBase spec) {
    if (spec instanceof SharedQuantizationSpec s) {
      union(s.edgeOrNode(), child);
    }
  }

  /** {@code _unwrap_shared_qspec}: follows shared specs through group roots to a concrete spec. */
  private QuantizationSpecBase unwrap(QuantizationSpecBase spec) {
    int guard = 0;
    while (spec instanceof SharedQuantizationSpec s) {
      spec = qspecs.get(find(s.edgeOrNode()));
      if (++guard > qspecs.size() + 1) {
        throw new IllegalStateException("shared quantization specs form a cycle at " + s.edgeOrNode());
      }
    }
    return spec;
  }

  private void unionInputEdgeWith(EdgeOrNode.Edge edge, QuantizationSpecBase edgeRoot, EdgeOrNode other) {
    if (!qspecs.containsKey(other)) {
      return;
    }
    QuantizationSpecBase otherRoot = unwrap(qspecs.get(other));
    if (otherRoot != null && sameAttributes(otherRoot, edgeRoot)) {
      union(other, edge);
    }
  }

  /**
   * {@code _has_same_attr} over dtype, is_dynamic, quant_min, quant_max, qscheme, ch_axis, scale and
   * zero_point: equal when both have the attribute and values agree, or neither has it.
   */
  private static boolean sameAttributes(QuantizationSpecBase a, QuantizationSpecBase b) {
    if (b == null) {
      return false;
    }
    return Objects.equals(attrs(a), attrs(b));
  }

  private static List<Object> attrs(QuantizationSpecBase s) {
    Object absent = "<absent>";
    if (s instanceof QuantizationSpec q) {
      return java.util.Arrays.asList(q.dtype(), q.isDynamic(), q.quantMin(), q.quantMax(), q.qscheme(), q.chAxis(),
          absent, absent);
    }
    if (s instanceof FixedQParamsQuantizationSpec f) {
      return java.util.Arrays.asList(f.dtype(), f.isDynamic(), f.quantMin(), f.quantMax(), f.qscheme(), absent,
          f.scale(), f.zeroPoint());
    }
    if (s instanceof DerivedQuantizationSpec d) {
      return java.util.Arrays.asList(d.dtype(), d.isDynamic(), d.quantMin(), d.quantMax(), d.qscheme(), d.chAxis(),
          absent, absent);
    }
    return List.of(s);
  }
}
