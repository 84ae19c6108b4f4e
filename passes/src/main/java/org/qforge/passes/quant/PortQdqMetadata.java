package org.qforge.passes.quant;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Value;
import org.qforge.passes.Pass;

/**
 * PT2E's {@code PortNodeMetaForQDQ} (convert step 4): quantize and dequantize nodes take the
 * {@code stack_trace} and {@code quantization_tag} of the op they belong to, so that
 * {@code [DQ → op → Q]} reads as one unit in debuggers and delegates: for each annotated input the
 * dequantize feeding the op, for an annotated output the quantize consuming it. (The first Q and
 * the last DQ of the graph get nothing, as in PyTorch.)
 */
public final class PortQdqMetadata implements Pass {
  static final List<String> PORTED_KEYS = List.of("stack_trace", "quantization_tag");
  private static final Set<String> QUANTIZE = Set.of("quantized_decomposed.quantize_per_tensor",
      "quantized_decomposed.quantize_per_tensor.tensor", "quantized_decomposed.quantize_per_channel");
  private final Annotations annotations;

  public PortQdqMetadata(Annotations annotations) {
    this.annotations = annotations;
  }

  @Override
  public String name() {
    return "port-qdq-metadata";
  }

  @Override
  public void run(Graph graph) {
    for (Node n : graph.nodes()) {
      QuantizationAnnotation a = annotations.get(n);
      if (a == null || !a.isValid()) {
        continue;
      }
      for (Value in : n.inputValues()) {
        Node dq = in.producer();
        if (dq != null && dq.op().name().startsWith("quantized_decomposed.dequantize")) {
          copy(n, dq);
        }
      }
      if (a.outputQspec() != null && n.results().size() == 1) {
        List<Node> users = n.result().users();
        if (users.size() == 1 && QUANTIZE.contains(users.get(0).op().name())) {
          copy(n, users.get(0));
        }
      }
    }
  }

  private static void copy(Node from, Node to) {
    Map<String, String> md = from.metadata();
    for (String k : PORTED_KEYS) {
      if (md.containsKey(k)) {
        to.metadata().put(k, md.get(k));
      }
    }
  }
}
