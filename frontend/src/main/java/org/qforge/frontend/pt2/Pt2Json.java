package org.qforge.frontend.pt2;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import org.qforge.ir.QforgeException;

/**
 * One JSON entry of a {@code .pt2} archive, parsed, with typed accessors whose failures name the
 * archive, the entry and the place inside it ({@code model.pt2: models/model.json: node 'conv2d':
 * input 'stride': expected an integer}).
 *
 * <p>{@code torch.export} serializes its schema's unions as objects with exactly one key (
 * {@code {"as_tensor": {...}}}); {@link #unionKey} reads those.
 */
final class Pt2Json {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      // Python's json module writes NaN and Infinity as bare tokens.
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      // A repeated key would make the meaning depend on the reader; refuse it.
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final String source;
  private final String entry;
  private final JsonNode root;

  private Pt2Json(String source, String entry, JsonNode root) {
    this.source = source;
    this.entry = entry;
    this.root = root;
  }

  /**
   * Parses {@code bytes} as a JSON object.
   *
   * @param source the archive, for messages
   * @param entry the entry's name relative to the model root, for messages
   */
  static Pt2Json parse(String source, String entry, byte[] bytes) {
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String at = loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
      throw new QforgeException(source + ": " + entry + " is not valid JSON: " + shortReason(e) + at, e);
    } catch (IOException e) {
      throw new QforgeException(source + ": " + entry + " cannot be read: " + e.getMessage(), e);
    }
    if (node == null || node.isMissingNode()) {
      throw new QforgeException(source + ": " + entry + " is empty");
    }
    if (!node.isObject()) {
      throw new QforgeException(source + ": " + entry + " is not a JSON object");
    }
    return new Pt2Json(source, entry, node);
  }

  /** Jackson's message without its location suffix and source excerpt, on one line. */
  private static String shortReason(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  JsonNode root() {
    return root;
  }

  String entry() {
    return entry;
  }

  /** An error at {@code where} (may be empty) inside this entry. */
  QforgeException error(String where, String problem) {
    return new QforgeException(source + ": " + entry + ": " + (where.isEmpty() ? "" : where + ": ") + problem);
  }

  /** The required field {@code name} of object {@code obj}. */
  JsonNode field(JsonNode obj, String name, String where) {
    if (obj == null || !obj.isObject()) {
      throw error(where, "expected an object");
    }
    JsonNode v = obj.get(name);
    if (v == null) {
      throw error(where, "missing field '" + name + "'");
    }
    return v;
  }

  /** The required object field {@code name}. */
  JsonNode object(JsonNode obj, String name, String where) {
    JsonNode v = field(obj, name, where);
    if (!v.isObject()) {
      throw error(where, "field '" + name + "' must be an object");
    }
    return v;
  }

  /** The required array field {@code name}. */
  JsonNode array(JsonNode obj, String name, String where) {
    JsonNode v = field(obj, name, where);
    if (!v.isArray()) {
      throw error(where, "field '" + name + "' must be an array");
    }
    return v;
  }

  /** The required string field {@code name}. */
  String string(JsonNode obj, String name, String where) {
    return stringValue(field(obj, name, where), where + (where.isEmpty() ? "" : ": ") + "'" + name + "'");
  }

  /** The required boolean field {@code name}. */
  boolean bool(JsonNode obj, String name, String where) {
    JsonNode v = field(obj, name, where);
    if (!v.isBoolean()) {
      throw error(where, "field '" + name + "' must be true or false");
    }
    return v.booleanValue();
  }

  /** The required integer field {@code name}. */
  long integer(JsonNode obj, String name, String where) {
    return longValue(field(obj, name, where), where + (where.isEmpty() ? "" : ": ") + "'" + name + "'");
  }

  /** {@code v} as a string. */
  String stringValue(JsonNode v, String where) {
    if (!v.isTextual()) {
      throw error(where, "expected a string, got " + brief(v));
    }
    return v.textValue();
  }

  /** {@code v} as a 64-bit integer. */
  long longValue(JsonNode v, String where) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw error(where, "expected an integer, got " + brief(v));
    }
    return v.longValue();
  }

  /**
   * {@code v} as a double: a number, or the strings {@code Infinity}, {@code -Infinity} and
   * {@code NaN} that {@code torch.export} writes for non-finite floats.
   */
  double doubleValue(JsonNode v, String where) {
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      switch (v.textValue()) {
        case "Infinity", "inf" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity", "-inf" -> {
          return Double.NEGATIVE_INFINITY;
        }
        case "NaN", "nan" -> {
          return Double.NaN;
        }
        default -> {
          // fall through to the error below
        }
      }
    }
    throw error(where, "expected a number, got " + brief(v));
  }

  /** The single key of a serialized union object such as {@code {"as_int": 3}}. */
  String unionKey(JsonNode union, String where) {
    if (union == null || !union.isObject() || union.size() != 1) {
      throw error(where, "expected an object with exactly one key, got " + brief(union));
    }
    return union.properties().iterator().next().getKey();
  }

  /** A short rendering of {@code v} for messages. */
  static String brief(JsonNode v) {
    if (v == null) {
      return "nothing";
    }
    String s = v.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
