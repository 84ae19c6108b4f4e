package org.qforge.ir.text;

/**
 * A token of the text IR.
 *
 * @param kind what it is
 * @param text the token's text (for strings: the decoded contents)
 * @param line 1-based line
 * @param column 1-based column
 */
record Token(Kind kind, String text, int line, int column) {

  enum Kind {
    /** {@code %name}: text without the sigil. */
    VALUE,
    /** {@code @name}: text without the sigil. */
    GLOBAL,
    /** A bare word: keyword, dtype, op name (may contain dots), {@code inf}, {@code nan}. */
    IDENT,
    /** An integer or floating-point number, possibly negative. */
    NUMBER,
    STRING,
    PUNCT,
    EOF
  }

  boolean is(Kind k, String t) {
    return kind == k && text.equals(t);
  }

  String describe() {
    return switch (kind) {
      case VALUE -> "%" + text;
      case GLOBAL -> "@" + text;
      case STRING -> "a string";
      case EOF -> "end of input";
      default -> "'" + text + "'";
    };
  }
}
