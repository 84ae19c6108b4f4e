package org.qforge.passes.quant;

import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.passes.Pass;

/**
 * PT2E's {@code move_exported_model_to_eval} ({@code _replace_dropout} and {@code _replace_batchnorm}
 * with {@code train_to_eval=True}): an exported training graph cannot be switched with
 * {@code .eval()}, so its training-mode ops are rewritten into their evaluation forms.
 * {@code aten.batch_norm} (what a training export holds) gets {@code training=false} and normalizes
 * with its running statistics without updating them; {@code aten.dropout} gets {@code train=false}
 * and becomes the identity. The decomposed variants ({@code aten._native_batch_norm_legit},
 * {@code aten.native_batch_norm}) are left alone: their saved-statistics results change shape with
 * the flag. The QAT flow runs it after training and before convert, as PT2E's users do.
 *
 * <p>Requires nothing. Guarantees: no {@code aten.batch_norm} or dropout in training mode; running
 * them no longer writes any batch-norm statistic ({@code num_batches_tracked} counters still count calls,
 * as in PyTorch, until convert's conv-bn fold removes them).
 */
public final class MoveToEval implements Pass {
  @Override
  public String name() {
    return "move-to-eval";
  }

  @Override
  public void run(Graph g) {
    for (Node n : g.nodes()) {
      switch (n.op().name()) {
        case "aten.batch_norm" -> n.setArg(n.op().paramIndex("training"), new Literal.Bool(false));
        case "aten.dropout" -> n.setArg(n.op().paramIndex("train"), new Literal.Bool(false));
        default -> { }
      }
    }
  }
}
