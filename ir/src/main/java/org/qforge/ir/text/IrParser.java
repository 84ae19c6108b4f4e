package org.qforge.ir.text;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.OpDef;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.ir.verify.VerificationException;
import org.qforge.ir.verify.Verifier;

/**
 * Reads text IR (the form {@link IrPrinter} writes) into a verified {@link Graph}. Errors are
 * {@link ParseException}s that start with {@code file:line:column}; a graph that parses but breaks
 * an invariant fails verification with a message naming the node.
 */
public final class IrParser {

  /** What to do with constants that have no {@code data} line. */
  public enum MissingData {
    /** Every constant must have data (loading a saved program). */
    REJECT,
    /** Constants without data are zero-filled (golden tests that only look at graph structure). */
    ZERO_FILL
  }

  private final List<Token> tokens;
  private final String file;
  private final OpRegistry registry;
  private int pos;

  private IrParser(String src, String file, OpRegistry registry) {
    this.tokens = Lexer.tokenize(src, file);
    this.file = file;
    this.registry = registry;
  }

  /** Parses a whole program; every constant needs data. */
  public static Graph parse(String src, String file) {
    return parse(src, file, MissingData.REJECT);
  }

  /** Parses a whole program with the given policy for constants lacking data. */
  public static Graph parse(String src, String file, MissingData missingData) {
    return new IrParser(src, file, OpRegistry.standard()).parseProgram(missingData);
  }

  private Graph parseProgram(MissingData missingData) {
    expectIdent("graph");
    Token name = next();
    if (name.kind() != Token.Kind.GLOBAL) {
      throw error(name, "expected the graph's name like @model, found " + name.describe());
    }
    Graph g = new Graph(name.text());
    expect("(");
    if (!peekIs(")")) {
      do {
        Token v = expectValue();
        expect(":");
        TensorType t = parseType();
        declare(g, v);
        g.addInput(v.text(), t);
      } while (accept(","));
    }
    expect(")");
    expect("{");
    while (true) {
      Token t = peek();
      if (t.kind() == Token.Kind.IDENT && t.text().equals("return")) {
        next();
        List<Value> outs = new ArrayList<>();
        do {
          outs.add(lookup(g, expectValue()));
        } while (accept(","));
        g.setOutputs(outs);
        expect("}");
        break;
      } else if (t.kind() == Token.Kind.IDENT
          && (t.text().equals("param") || t.text().equals("buffer") || t.text().equals("const"))) {
        parseConstant(g);
      } else if (t.kind() == Token.Kind.VALUE) {
        parseNode(g);
      } else {
        throw error(t, "expected a constant, a node or 'return', found " + t.describe());
      }
    }
    Set<String> withData = parseData(g);
    for (Constant c : g.constants().values()) {
      if (!withData.contains(c.name()) && missingData == MissingData.REJECT) {
        throw new ParseException(file + ": constant %" + c.name() + " has no data line");
      }
    }
    try {
      Verifier.verify(g);
    } catch (VerificationException e) {
      throw new ParseException(file + ": " + e.getMessage());
    }
    return g;
  }

  private void parseConstant(Graph g) {
    Token kw = next();
    Constant.Kind kind = switch (kw.text()) {
      case "param" -> Constant.Kind.PARAM;
      case "buffer" -> Constant.Kind.BUFFER;
      default -> Constant.Kind.CONST;
    };
    Token v = expectValue();
    expect(":");
    TensorType t = parseType();
    String fqn = "";
    if (peek().kind() == Token.Kind.STRING) {
      fqn = next().text();
    }
    declare(g, v);
    g.addConstant(v.text(), kind, fqn, Tensor.zeros(t));
  }

  private void parseNode(Graph g) {
    List<Token> names = new ArrayList<>();
    List<TensorType> types = new ArrayList<>();
    do {
      names.add(expectValue());
      expect(":");
      types.add(parseType());
    } while (accept(","));
    expect("=");
    Token opTok = next();
    if (opTok.kind() != Token.Kind.IDENT) {
      throw error(opTok, "expected an op name, found " + opTok.describe());
    }
    Optional<OpDef> op = registry.find(opTok.text());
    if (op.isEmpty()) {
      throw error(opTok, "unknown op " + opTok.text());
    }
    expect("(");
    List<Argument> positional = new ArrayList<>();
    Map<String, Argument> named = new LinkedHashMap<>();
    if (!peekIs(")")) {
      do {
        Token t = peek();
        if (t.kind() == Token.Kind.IDENT && tokens.get(pos + 1).is(Token.Kind.PUNCT, "=")) {
          next();
          next();
          if (named.put(t.text(), parseArgument(g)) != null) {
            throw error(t, "argument '" + t.text() + "' given twice");
          }
        } else {
          if (!named.isEmpty()) {
            throw error(t, "positional argument after keyword arguments");
          }
          positional.add(parseArgument(g));
        }
      } while (accept(","));
    }
    expect(")");
    Map<String, String> metadata = new LinkedHashMap<>();
    if (accept("{")) {
      if (!peekIs("}")) {
        do {
          Token k = next();
          if (k.kind() != Token.Kind.IDENT) {
            throw error(k, "expected a metadata key, found " + k.describe());
          }
          expect("=");
          Token s = next();
          if (s.kind() != Token.Kind.STRING) {
            throw error(s, "metadata values are strings, found " + s.describe());
          }
          metadata.put(k.text(), s.text());
        } while (accept(","));
      }
      expect("}");
    }
    List<Argument> args;
    try {
      args = op.get().bind(positional, named);
    } catch (IllegalArgumentException e) {
      throw error(names.get(0), "node %" + names.get(0).text() + ": " + e.getMessage());
    }
    for (Token n : names) {
      declare(g, n);
    }
    g.addNode(op.get(), args, names.stream().map(Token::text).toList(), types, metadata);
  }

  private Argument parseArgument(Graph g) {
    Token t = peek();
    if (t.kind() == Token.Kind.VALUE) {
      next();
      return lookup(g, t);
    }
    if (t.is(Token.Kind.PUNCT, "[")) {
      next();
      if (accept("]")) {
        return new Literal.IntList(List.of());
      }
      if (peek().kind() == Token.Kind.VALUE) {
        List<Value> vs = new ArrayList<>();
        do {
          vs.add(lookup(g, expectValue()));
        } while (accept(","));
        expect("]");
        return new ValueList(vs);
      }
      List<Literal> items = new ArrayList<>();
      do {
        items.add(parseNumberLiteral(next()));
      } while (accept(","));
      expect("]");
      if (items.stream().allMatch(l -> l instanceof Literal.Int)) {
        return new Literal.IntList(items.stream().map(l -> ((Literal.Int) l).value()).toList());
      }
      return new Literal.FloatList(items.stream()
          .map(l -> l instanceof Literal.Int i ? (double) i.value() : ((Literal.Float) l).value()).toList());
    }
    next();
    if (t.kind() == Token.Kind.STRING) {
      return new Literal.Str(t.text());
    }
    if (t.kind() == Token.Kind.IDENT) {
      switch (t.text()) {
        case "none":
          return Literal.NONE;
        case "true":
          return new Literal.Bool(true);
        case "false":
          return new Literal.Bool(false);
        default:
          Optional<DType> d = DType.fromIrName(t.text());
          if (d.isPresent()) {
            return new Literal.DTypeLit(d.get());
          }
      }
    }
    return parseNumberLiteral(t);
  }

  private Literal parseNumberLiteral(Token t) {
    if (t.kind() == Token.Kind.IDENT) {
      switch (t.text()) {
        case "inf":
          return new Literal.Float(Double.POSITIVE_INFINITY);
        case "-inf":
          return new Literal.Float(Double.NEGATIVE_INFINITY);
        case "nan":
          return new Literal.Float(Double.NaN);
        default:
          break;
      }
    }
    if (t.kind() != Token.Kind.NUMBER) {
      throw error(t, "expected a value, found " + t.describe());
    }
    String s = t.text();
    try {
      if (s.contains(".") || s.contains("e") || s.contains("E")) {
        return new Literal.Float(Double.parseDouble(s));
      }
      return new Literal.Int(Long.parseLong(s));
    } catch (NumberFormatException e) {
      throw error(t, "malformed number " + s);
    }
  }

  private Set<String> parseData(Graph g) {
    Set<String> seen = new HashSet<>();
    while (peek().kind() != Token.Kind.EOF) {
      expectIdent("data");
      Token v = expectValue();
      Constant c = g.constant(v.text());
      if (c == null) {
        throw error(v, "data for %" + v.text() + ", which is not a constant of the graph");
      }
      if (!seen.add(v.text())) {
        throw error(v, "data for %" + v.text() + " given twice");
      }
      expect("=");
      Token form = next();
      TensorType type = c.value().type();
      Tensor tensor;
      if (form.is(Token.Kind.IDENT, "base64")) {
        Token s = next();
        if (s.kind() != Token.Kind.STRING) {
          throw error(s, "expected a base64 string, found " + s.describe());
        }
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(s.text());
        } catch (IllegalArgumentException e) {
          throw error(s, "data for %" + v.text() + " is not valid base64");
        }
        if (bytes.length != type.byteSize()) {
          throw error(s, "data for %" + v.text() + " has " + bytes.length + " bytes, " + type
              + " needs " + type.byteSize());
        }
        tensor = Tensor.fromLittleEndian(type, ByteBuffer.wrap(bytes));
      } else if (form.is(Token.Kind.IDENT, "dense")) {
        expect("[");
        List<Literal> items = new ArrayList<>();
        if (!peekIs("]")) {
          do {
            items.add(parseNumberLiteral(next()));
          } while (accept(","));
        }
        expect("]");
        if (items.size() != type.numel()) {
          throw error(form, "data for %" + v.text() + " has " + items.size() + " values, " + type
              + " needs " + type.numel());
        }
        tensor = Tensor.zeros(type);
        for (int i = 0; i < items.size(); i++) {
          if (items.get(i) instanceof Literal.Int n) {
            tensor.setLong(i, n.value());
          } else {
            tensor.setDouble(i, ((Literal.Float) items.get(i)).value());
          }
        }
      } else {
        throw error(form, "expected 'dense [...]' or 'base64 \"...\"', found " + form.describe());
      }
      g.setConstantData(v.text(), tensor);
    }
    return seen;
  }

  private TensorType parseType() {
    Token d = next();
    Optional<DType> dtype = d.kind() == Token.Kind.IDENT ? DType.fromIrName(d.text()) : Optional.empty();
    if (dtype.isEmpty()) {
      throw error(d, "expected a tensor type like f32[1,3], found " + d.describe());
    }
    expect("[");
    List<Integer> shape = new ArrayList<>();
    if (!peekIs("]")) {
      do {
        Token n = next();
        if (n.kind() != Token.Kind.NUMBER || !n.text().matches("\\d+")) {
          throw error(n, "expected a dimension size, found " + n.describe());
        }
        try {
          shape.add(Integer.parseInt(n.text()));
        } catch (NumberFormatException e) {
          throw error(n, "dimension " + n.text() + " is too large");
        }
      } while (accept(","));
    }
    expect("]");
    return new TensorType(dtype.get(), shape);
  }

  private void declare(Graph g, Token v) {
    if (g.value(v.text()) != null) {
      throw error(v, "%" + v.text() + " is defined twice");
    }
  }

  private Value lookup(Graph g, Token v) {
    Value val = g.value(v.text());
    if (val == null) {
      throw error(v, "%" + v.text() + " is used before it is defined");
    }
    return val;
  }

  private Token expectValue() {
    Token t = next();
    if (t.kind() != Token.Kind.VALUE) {
      throw error(t, "expected a %value, found " + t.describe());
    }
    return t;
  }

  private void expectIdent(String word) {
    Token t = next();
    if (!t.is(Token.Kind.IDENT, word)) {
      throw error(t, "expected '" + word + "', found " + t.describe());
    }
  }

  private void expect(String punct) {
    Token t = next();
    if (!t.is(Token.Kind.PUNCT, punct)) {
      throw error(t, "expected '" + punct + "', found " + t.describe());
    }
  }

  private boolean accept(String punct) {
    if (peekIs(punct)) {
      pos++;
      return true;
    }
    return false;
  }

  private boolean peekIs(String punct) {
    return peek().is(Token.Kind.PUNCT, punct);
  }

  private Token peek() {
    return tokens.get(pos);
  }

  private Token next() {
    Token t = tokens.get(pos);
    if (t.kind() != Token.Kind.EOF) {
      pos++;
    }
    return t;
  }

  private ParseException error(Token t, String msg) {
    return new ParseException(file + ":" + t.line() + ":" + t.column() + ": " + msg);
  }
}
