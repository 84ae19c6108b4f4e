package org.qforge.ir;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A constant, non-tensor argument of a node: the literals of {@code torch.fx} ({@code int},
 * {@code float}, {@code bool}, {@code str}, {@code ScalarType}, lists of ints or floats, {@code None}).
 *
 * <p>{@link #toText()} is the literal's text-IR form, which the IR parser reads back to an equal
 * literal: floats print with {@link Double#toString(double)} (shortest exact form) or as
 * {@code inf}, {@code -inf}, {@code nan}.
 */
public sealed interface Literal extends Argument {

  /** The text-IR form. */
  String toText();

  /** An integer ({@code int} / {@code SymInt} in PyTorch schemas). */
  record Int(long value) implements Literal {
    @Override
    public String toText() {
      return Long.toString(value);
    }
  }

  /** A double-precision float ({@code float} in PyTorch schemas). */
  record Float(double value) implements Literal {
    @Override
    public String toText() {
      return formatDouble(value);
    }
  }

  /** A boolean. */
  record Bool(boolean value) implements Literal {
    @Override
    public String toText() {
      return Boolean.toString(value);
    }
  }

  /** A string, printed with Java-style escapes. */
  record Str(String value) implements Literal {
    @Override
    public String toText() {
      return quote(value);
    }
  }

  /** An element type ({@code ScalarType}). */
  record DTypeLit(DType value) implements Literal {
    @Override
    public String toText() {
      return value.irName();
    }
  }

  /** A list of integers ({@code int[]}). */
  record IntList(List<Long> values) implements Literal {
    public IntList {
      values = List.copyOf(values);
    }

    /** The list from Java ints. */
    public static IntList of(int... v) {
      return new IntList(java.util.Arrays.stream(v).mapToObj(x -> (long) x).toList());
    }

    /** The values as ints, failing on overflow. */
    public int[] toIntArray() {
      return values.stream().mapToInt(Math::toIntExact).toArray();
    }

    @Override
    public String toText() {
      return values.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }
  }

  /** A list of floats ({@code float[]}). */
  record FloatList(List<Double> values) implements Literal {
    public FloatList {
      values = List.copyOf(values);
    }

    @Override
    public String toText() {
      return values.stream().map(Literal::formatDouble).collect(Collectors.joining(", ", "[", "]"));
    }
  }

  /** {@code None}. */
  record None() implements Literal {
    @Override
    public String toText() {
      return "none";
    }
  }

  /** The one {@link None} instance callers should use. */
  None NONE = new None();

  /**
   * The literal for a plain Java value, for code that builds graphs: {@code null} is None;
   * {@code Integer}/{@code Long} an int; {@code Double}/{@code Float} a float; {@code Boolean},
   * {@code String} and {@link DType} as themselves; {@code int[]} and {@code double[]} lists.
   *
   * @throws IllegalArgumentException for anything else
   */
  static Literal fromJava(Object o) {
    if (o == null) {
      return NONE;
    }
    if (o instanceof Literal l) {
      return l;
    }
    if (o instanceof Integer || o instanceof Long) {
      return new Int(((Number) o).longValue());
    }
    if (o instanceof Double || o instanceof java.lang.Float) {
      return new Float(((Number) o).doubleValue());
    }
    if (o instanceof Boolean b) {
      return new Bool(b);
    }
    if (o instanceof String s) {
      return new Str(s);
    }
    if (o instanceof DType d) {
      return new DTypeLit(d);
    }
    if (o instanceof int[] ints) {
      return IntList.of(ints);
    }
    if (o instanceof double[] ds) {
      return new FloatList(java.util.Arrays.stream(ds).boxed().toList());
    }
    throw new IllegalArgumentException("no IR literal for " + o.getClass().getSimpleName() + " " + o);
  }

  /** Text form of a double that parses back to the same double. */
  static String formatDouble(double v) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return Double.toString(v);
  }

  /** A double-quoted string with backslash escapes for quote, backslash and control characters. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
