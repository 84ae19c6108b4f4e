package org.qforge.frontend.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.qforge.ir.QforgeException;

/**
 * The header dictionary of a {@code .npy} file, e.g.
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (8, 64), }}.
 *
 * <p>NumPy writes the header as a Python literal and reads it with {@code ast.literal_eval}; we
 * parse the same small literal language (strings, ints, booleans, None, tuples, lists, dicts) with
 * a hand-written parser rather than evaluating anything.
 *
 * @param descr the type string, e.g. {@code <f4}
 * @param fortranOrder whether the data is in column-major order
 * @param shape the dimensions, outermost first; empty for a scalar
 */
public record NpyHeader(String descr, boolean fortranOrder, List<Long> shape) {

  public NpyHeader {
    shape = List.copyOf(shape);
  }

  /**
   * Parses the header text (without the magic, version and length prefix).
   *
   * @param source the file name for error messages
   * @throws QforgeException if the text is not a dictionary with exactly the three NumPy keys
   */
  public static NpyHeader parse(String text, String source) {
    Object parsed;
    try {
      LiteralParser p = new LiteralParser(text);
      parsed = p.value();
      p.skipSpace();
      if (!p.atEnd()) {
        throw p.fail("unexpected text after the dictionary");
      }
    } catch (IllegalArgumentException e) {
      throw new QforgeException(source + ": malformed .npy header: " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> dict)) {
      throw new QforgeException(source + ": malformed .npy header: expected a dictionary");
    }
    for (Object key : dict.keySet()) {
      if (!List.of("descr", "fortran_order", "shape").contains(key)) {
        throw new QforgeException(source + ": malformed .npy header: unexpected key " + key);
      }
    }
    Object descr = dict.get("descr");
    Object fortran = dict.get("fortran_order");
    Object shape = dict.get("shape");
    if (descr == null || fortran == null || shape == null) {
      throw new QforgeException(source
          + ": malformed .npy header: 'descr', 'fortran_order' and 'shape' are all required");
    }
    if (!(descr instanceof String d)) {
      throw new QforgeException(source + ": structured dtypes (" + descr + ") are not supported");
    }
    if (!(fortran instanceof Boolean f)) {
      throw new QforgeException(source + ": malformed .npy header: 'fortran_order' must be True or False");
    }
    if (!(shape instanceof List<?> dims) || !dims.stream().allMatch(x -> x instanceof Long)) {
      throw new QforgeException(source + ": malformed .npy header: 'shape' must be a tuple of integers");
    }
    List<Long> s = new ArrayList<>();
    for (Object x : dims) {
      s.add((Long) x);
    }
    return new NpyHeader(d, f, s);
  }

  /** The header as NumPy writes it, before padding. */
  public String format() {
    return "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
        + ", 'shape': " + shapeText() + ", }";
  }

  /** The shape written as NumPy prints it, e.g. {@code (8, 64)} or {@code (8,)}. */
  public String shapeText() {
    if (shape.size() == 1) {
      return "(" + shape.get(0) + ",)";
    }
    return shape.stream().map(String::valueOf).collect(Collectors.joining(", ", "(", ")"));
  }

  /** A recursive-descent parser for the Python literals that can appear in a header. */
  private static final class LiteralParser {
    private static final int MAX_DEPTH = 32;
    private final String s;
    private int pos;
    private int depth;

    LiteralParser(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    IllegalArgumentException fail(String what) {
      return new IllegalArgumentException(what + " at offset " + pos);
    }

    Object value() {
      skipSpace();
      if (atEnd()) {
        throw fail("unexpected end");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> nested(() -> dict());
        case '(' -> nested(() -> sequence('(', ')'));
        case '[' -> nested(() -> sequence('[', ']'));
        case '\'', '"' -> string();
        default -> {
          if (c == '-' || c == '+' || Character.isDigit(c)) {
            yield integer();
          }
          yield word();
        }
      };
    }

    private Object nested(java.util.function.Supplier<Object> body) {
      // A hostile header of nested brackets must not overflow the stack.
      if (++depth > MAX_DEPTH) {
        throw fail("nesting too deep");
      }
      Object v = body.get();
      depth--;
      return v;
    }

    private Map<Object, Object> dict() {
      pos++;
      Map<Object, Object> m = new LinkedHashMap<>();
      while (true) {
        skipSpace();
        if (peek('}')) {
          pos++;
          return m;
        }
        Object key = value();
        skipSpace();
        expect(':');
        Object v = value();
        if (m.containsKey(key)) {
          throw fail("duplicate key " + key);
        }
        m.put(key, v);
        skipSpace();
        if (peek(',')) {
          pos++;
        } else if (!peek('}')) {
          throw fail("expected ',' or '}'");
        }
      }
    }

    private List<Object> sequence(char open, char close) {
      pos++;
      List<Object> items = new ArrayList<>();
      while (true) {
        skipSpace();
        if (peek(close)) {
          pos++;
          return items;
        }
        items.add(value());
        skipSpace();
        if (peek(',')) {
          pos++;
        } else if (!peek(close)) {
          throw fail("expected ',' or '" + close + "'");
        }
      }
    }

    private String string() {
      char quote = s.charAt(pos++);
      StringBuilder sb = new StringBuilder();
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (c == quote) {
          return sb.toString();
        }
        if (c == '\\' && pos < s.length()) {
          char e = s.charAt(pos++);
          sb.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            default -> e;
          });
        } else {
          sb.append(c);
        }
      }
      throw fail("unterminated string");
    }

    private Long integer() {
      int start = pos;
      if (peek('-') || peek('+')) {
        pos++;
      }
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        pos++;
      }
      String digits = s.substring(start, pos);
      // Python 2 wrote long integers with an L suffix; old files still carry it.
      if (peek('L')) {
        pos++;
      }
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw fail("bad integer '" + digits + "'");
      }
    }

    private Object word() {
      int start = pos;
      while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) {
        pos++;
      }
      String w = s.substring(start, pos);
      return switch (w) {
        case "True" -> Boolean.TRUE;
        case "False" -> Boolean.FALSE;
        case "None" -> NONE;
        default -> {
          pos = start;
          throw fail("unexpected '" + (w.isEmpty() ? String.valueOf(s.charAt(pos)) : w) + "'");
        }
      };
    }

    private boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw fail("expected '" + c + "'");
      }
      pos++;
    }

    /** Python's None, distinct from a missing key. */
    private static final Object NONE = new Object() {
      @Override
      public String toString() {
        return "None";
      }
    };
  }
}
