package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qforge.ir.OpDef;

/**
 * All op definitions known to the IR, by name. The standard registry holds PyTorch's ATen ops we
 * support and the {@code quantized_decomposed} ops; names are PyTorch's {@code str(op)} without the
 * {@code torch.ops.} prefix and without the {@code .default} overload ({@code aten.conv2d},
 * {@code aten.add.Tensor}, {@code aten.flatten.using_ints}).
 */
public final class OpRegistry {
  private static final OpRegistry STANDARD = create(List.of(
      ActivationOps.definitions(),
      HigherOrderOps.definitions(),
      MathOps.definitions(),
      ArithmeticOps.definitions(),
      LinearAlgebraOps.definitions(),
      ConvolutionOps.definitions(),
      PoolingOps.definitions(),
      NormalizationOps.definitions(),
      ReductionOps.definitions(),
      ShapeOps.definitions(),
      IntegerOps.definitions(),
      QuantizedDecomposedOps.definitions(), ObservationOps.definitions()));

  private final Map<String, OpDef> ops;

  private OpRegistry(Map<String, OpDef> ops) {
    this.ops = Collections.unmodifiableMap(ops);
  }

  /** The registry of every op the IR supports. */
  public static OpRegistry standard() {
    return STANDARD;
  }

  /** A registry of the given definitions; names must be unique. */
  public static OpRegistry create(List<List<OpDef>> families) {
    Map<String, OpDef> m = new LinkedHashMap<>();
    for (List<OpDef> family : families) {
      for (OpDef d : family) {
        checkArgument(m.put(d.name(), d) == null, "op %s is defined twice", d.name());
      }
    }
    return new OpRegistry(m);
  }

  public Optional<OpDef> find(String name) {
    return Optional.ofNullable(ops.get(name));
  }

  /** The op called {@code name}; fails with a message listing none of the 100 others. */
  public OpDef get(String name) {
    OpDef d = ops.get(name);
    checkArgument(d != null, "unknown op %s", name);
    return d;
  }

  public Collection<OpDef> all() {
    return ops.values();
  }
}
