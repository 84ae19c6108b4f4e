package org.qforge.ir;

/**
 * A named constant tensor of a graph, as in {@code torch.export}'s graph signature.
 *
 * @param value the SSA value nodes refer to
 * @param kind parameter, buffer or plain constant
 * @param fqn the fully qualified name in the source model (e.g. {@code conv1.weight}); may be empty
 * @param tensor the data
 */
public record Constant(Value value, Kind kind, String fqn, Tensor tensor) {

  /** What a constant was in the source model. */
  public enum Kind {
    /** A trainable parameter ({@code nn.Parameter}). */
    PARAM,
    /** A buffer (running statistics, counters); the only kind training-mode ops may mutate. */
    BUFFER,
    /** A constant tensor lifted out of the model's code, or one a pass created. */
    CONST;

    /** The keyword in the text IR. */
    public String keyword() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public String name() {
    return value.name();
  }
}
