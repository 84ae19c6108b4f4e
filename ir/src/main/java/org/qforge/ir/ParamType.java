package org.qforge.ir;

/** The kind of argument an op parameter takes, after PyTorch's schema types. */
public enum ParamType {
  TENSOR("Tensor"),
  OPTIONAL_TENSOR("Tensor?"),
  TENSOR_LIST("Tensor[]"),
  /** A tensor, or an int/float that PyTorch wraps into a 0-dim tensor ({@code aten.add.Tensor(x, 1)}). */
  TENSOR_OR_SCALAR("Tensor|Scalar"),
  INT("int"),
  OPTIONAL_INT("int?"),
  INT_LIST("int[]"),
  OPTIONAL_INT_LIST("int[]?"),
  FLOAT("float"),
  OPTIONAL_FLOAT("float?"),
  FLOAT_LIST("float[]"),
  /** An int or a float, kept as given ({@code Scalar}). */
  SCALAR("Scalar"),
  OPTIONAL_SCALAR("Scalar?"),
  BOOL("bool"),
  DTYPE("ScalarType"),
  OPTIONAL_DTYPE("ScalarType?"),
  STRING("str");

  private final String schemaName;

  ParamType(String schemaName) {
    this.schemaName = schemaName;
  }

  /** The type as PyTorch writes it in a schema. */
  public String schemaName() {
    return schemaName;
  }

  /** True if {@code none} is accepted. */
  public boolean isOptional() {
    return this == OPTIONAL_TENSOR || this == OPTIONAL_INT || this == OPTIONAL_INT_LIST
        || this == OPTIONAL_FLOAT || this == OPTIONAL_DTYPE || this == OPTIONAL_SCALAR;
  }

  /**
   * Checks {@code a} against this type and converts what PyTorch converts implicitly (an int where a
   * float is expected, an empty or int list where a float list is expected). Returns the argument
   * to store, or null if it does not fit.
   */
  public Argument coerce(Argument a) {
    if (a instanceof Literal.None) {
      return isOptional() ? a : null;
    }
    return switch (this) {
      case TENSOR, OPTIONAL_TENSOR -> a instanceof Value ? a : null;
      case TENSOR_OR_SCALAR -> a instanceof Value || a instanceof Literal.Int || a instanceof Literal.Float ? a : null;
      case TENSOR_LIST -> a instanceof ValueList ? a
          : (a instanceof Literal.IntList il && il.values().isEmpty() ? new ValueList(java.util.List.of()) : null);
      case INT, OPTIONAL_INT -> a instanceof Literal.Int ? a : null;
      case INT_LIST, OPTIONAL_INT_LIST -> a instanceof Literal.IntList ? a
          : (a instanceof Literal.Int i ? new Literal.IntList(java.util.List.of(i.value())) : null);
      case FLOAT, OPTIONAL_FLOAT -> a instanceof Literal.Float ? a
          : (a instanceof Literal.Int i ? new Literal.Float(i.value()) : null);
      case FLOAT_LIST -> a instanceof Literal.FloatList ? a
          : (a instanceof Literal.IntList il
              ? new Literal.FloatList(il.values().stream().map(Long::doubleValue).toList()) : null);
      case SCALAR, OPTIONAL_SCALAR -> a instanceof Literal.Int || a instanceof Literal.Float ? a : null;
      case BOOL -> a instanceof Literal.Bool ? a : null;
      case DTYPE, OPTIONAL_DTYPE -> a instanceof Literal.DTypeLit ? a : null;
      case STRING -> a instanceof Literal.Str ? a : null;
    };
  }
}
