package org.qforge.ir.text;

import java.util.ArrayList;
import java.util.List;

/** Splits text IR into tokens; {@code #} starts a comment that runs to the end of the line. */
final class Lexer {
  private final String src;
  private final String file;
  private int pos;
  private int line = 1;
  private int col = 1;

  private Lexer(String src, String file) {
    this.src = src;
    this.file = file;
  }

  static List<Token> tokenize(String src, String file) {
    return new Lexer(src, file).run();
  }

  private List<Token> run() {
    List<Token> out = new ArrayList<>();
    while (true) {
      skipSpaceAndComments();
      if (pos >= src.length()) {
        out.add(new Token(Token.Kind.EOF, "", line, col));
        return out;
      }
      int startLine = line;
      int startCol = col;
      char c = src.charAt(pos);
      if (c == '%' || c == '@') {
        advance();
        String name = readWhile(Lexer::isNameChar);
        if (name.isEmpty()) {
          throw error(startLine, startCol, "expected a name after '" + c + "'");
        }
        out.add(new Token(c == '%' ? Token.Kind.VALUE : Token.Kind.GLOBAL, name, startLine, startCol));
      } else if (c == '"') {
        out.add(new Token(Token.Kind.STRING, readString(startLine, startCol), startLine, startCol));
      } else if (Character.isDigit(c) || (c == '-' && pos + 1 < src.length()
          && (Character.isDigit(src.charAt(pos + 1)) || src.startsWith("inf", pos + 1)))) {
        out.add(readNumber(startLine, startCol));
      } else if (Character.isLetter(c) || c == '_') {
        out.add(new Token(Token.Kind.IDENT, readWhile(Lexer::isNameChar), startLine, startCol));
      } else if (c == '-' && pos + 1 < src.length() && src.charAt(pos + 1) == '>') {
        advance();
        advance();
        out.add(new Token(Token.Kind.PUNCT, "->", startLine, startCol));
      } else if ("()[]{},:=".indexOf(c) >= 0) {
        advance();
        out.add(new Token(Token.Kind.PUNCT, String.valueOf(c), startLine, startCol));
      } else {
        throw error(startLine, startCol, "unexpected character '" + c + "'");
      }
    }
  }

  private static boolean isNameChar(int c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.';
  }

  private Token readNumber(int l, int c) {
    StringBuilder sb = new StringBuilder();
    if (src.charAt(pos) == '-') {
      sb.append('-');
      advance();
      if (src.startsWith("inf", pos)) {
        advance();
        advance();
        advance();
        return new Token(Token.Kind.IDENT, "-inf", l, c);
      }
    }
    while (pos < src.length()) {
      char ch = src.charAt(pos);
      boolean exponentSign = (ch == '-' || ch == '+') && sb.length() > 0
          && (sb.charAt(sb.length() - 1) == 'E' || sb.charAt(sb.length() - 1) == 'e');
      if (Character.isDigit(ch) || ch == '.' || ch == 'E' || ch == 'e' || exponentSign) {
        sb.append(ch);
        advance();
      } else {
        break;
      }
    }
    return new Token(Token.Kind.NUMBER, sb.toString(), l, c);
  }

  private String readString(int l, int c) {
    advance();
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= src.length()) {
        throw error(l, c, "unterminated string");
      }
      char ch = src.charAt(pos);
      advance();
      if (ch == '"') {
        return sb.toString();
      }
      if (ch == '\n') {
        throw error(l, c, "unterminated string (strings end on their line; write \\n for a newline)");
      }
      if (ch != '\\') {
        sb.append(ch);
        continue;
      }
      if (pos >= src.length()) {
        throw error(l, c, "unterminated string");
      }
      char e = src.charAt(pos);
      advance();
      switch (e) {
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case 'u' -> {
          if (pos + 4 > src.length()) {
            throw error(line, col, "bad \\u escape");
          }
          try {
            sb.append((char) Integer.parseInt(src.substring(pos, pos + 4), 16));
          } catch (NumberFormatException ex) {
            throw error(line, col, "bad \\u escape");
          }
          for (int k = 0; k < 4; k++) {
            advance();
          }
        }
        default -> throw error(line, col - 1, "unknown escape \\" + e);
      }
    }
  }

  private String readWhile(java.util.function.IntPredicate p) {
    int start = pos;
    while (pos < src.length() && p.test(src.charAt(pos))) {
      advance();
    }
    return src.substring(start, pos);
  }

  private void skipSpaceAndComments() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '#') {
        while (pos < src.length() && src.charAt(pos) != '\n') {
          advance();
        }
      } else if (Character.isWhitespace(c)) {
        advance();
      } else {
        return;
      }
    }
  }

  private void advance() {
    if (src.charAt(pos) == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
    pos++;
  }

  private ParseException error(int l, int c, String msg) {
    return new ParseException(file + ":" + l + ":" + c + ": " + msg);
  }
}
