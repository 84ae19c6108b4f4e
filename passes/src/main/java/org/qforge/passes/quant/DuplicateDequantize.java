package org.qforge.passes.quant;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.qforge.ir.Node;
import org.qforge.ir.Graph;
import org.qforge.ir.Value;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.Pass;

/**
 * PT2E's {@code DuplicateDQPass} (convert step 3): a dequantize with several users gets one private
 * copy per user that carries a valid quantization annotation, inserted right after it; other users
 * keep the original. The dynamic pattern ({@code choose_qparams → quantize → dequantize}) stays
 * shared.
 *
 * <p>Requires: the annotations the graph was prepared with. Guarantees: every annotated consumer of
 * a dequantized value owns its dequantize node, so later rewrites can fuse it into that consumer.
 */
public final class DuplicateDequantize implements Pass {
  private static final Set<String> DEQUANTIZE = Set.of("quantized_decomposed.dequantize_per_tensor",
      "quantized_decomposed.dequantize_per_tensor.tensor", "quantized_decomposed.dequantize_per_channel");
  private final Annotations annotations;

  public DuplicateDequantize(Annotations annotations) {
    this.annotations = annotations;
  }

  @Override
  public String name() {
    return "duplicate-dq";
  }

  @Override
  public void run(Graph graph) {
    for (Node dq : List.copyOf(graph.nodes())) {
      if (!DEQUANTIZE.contains(dq.op().name())) {
        continue;
      }
      Set<Node> users = new LinkedHashSet<>(dq.result().users());
      if (users.size() <= 1 || isDynamicPattern(dq)) {
        continue;
      }
      for (Node user : users) {
        QuantizationAnnotation a = annotations.get(user);
        if (a == null || !a.isValid()) {
          continue;
        }
        Node copy = graph.insertAfter(dq, dq.op(), dq.args(), List.of(dq.name()), List.of(dq.result().type()),
            dq.metadata());
        user.replaceInput(dq.result(), copy.result());
      }
    }
    new EliminateDeadCode().run(graph);
  }

  private static boolean isDynamicPattern(Node dq) {
    if (!(dq.arg(0) instanceof Value qv) || qv.producer() == null) {
      return false;
    }
    Node q = qv.producer();
    return q.op().name().startsWith("quantized_decomposed.quantize_per_tensor") && q.arg(1) instanceof Value s
        && s.producer() != null && s.producer().op().name().startsWith("quantized_decomposed.choose_qparams");
  }
}
