package org.qforge.ir;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A list of tensor values passed as one argument ({@code Tensor[]} in PyTorch schemas).
 *
 * @param values the values, in order
 */
public record ValueList(List<Value> values) implements Argument {
  public ValueList {
    values = List.copyOf(values);
  }

  @Override
  public String toString() {
    return values.stream().map(Value::toString).collect(Collectors.joining(", ", "[", "]"));
  }
}
