package org.qforge.frontend.pt2;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * Turns one serialized {@code Argument} union of {@code model.json} ({@code {"as_tensor": {"name":
 * "x"}}}, {@code {"as_ints": [1, 1]}}, ...) into an IR {@link Argument}, resolving tensor names
 * against the values defined so far.
 */
final class Pt2ArgumentDecoder {
  /**
   * Kinds that only describe where or how a tensor is stored (device, layout, memory format).
   * Our tensors are always dense, row-major and on the CPU, so these never change a value.
   */
  static final Set<String> PLACEMENT_KINDS = Set.of("as_device", "as_layout", "as_memory_format");

  private final Pt2Json json;
  private final Graph graph;

  Pt2ArgumentDecoder(Pt2Json json, Graph graph) {
    this.json = json;
    this.graph = graph;
  }

  /** Decodes {@code union}; {@code where} names the node and input for messages. */
  Argument decode(JsonNode union, String where) {
    String kind = json.unionKey(union, where);
    JsonNode v = union.get(kind);
    return switch (kind) {
      case "as_none" -> Literal.NONE;
      case "as_tensor" -> tensor(v, where);
      case "as_tensors" -> new ValueList(tensorList(v, where));
      case "as_optional_tensor" -> optionalTensor(v, where);
      case "as_optional_tensors" -> optionalTensors(v, where);
      case "as_int" -> new Literal.Int(json.longValue(v, where));
      case "as_sym_int" -> new Literal.Int(symbolic(v, "as_int", where));
      case "as_ints" -> new Literal.IntList(longs(v, where, false));
      case "as_sym_ints" -> new Literal.IntList(longs(v, where, true));
      case "as_float" -> new Literal.Float(json.doubleValue(v, where));
      case "as_sym_float" -> new Literal.Float(symbolicFloat(v, where));
      case "as_floats" -> new Literal.FloatList(doubles(v, where));
      case "as_bool" -> bool(v, where);
      case "as_sym_bool" -> bool(symbolicNode(v, "as_bool", where), where);
      case "as_string" -> new Literal.Str(json.stringValue(v, where));
      case "as_scalar_type" -> scalarType(v, where);
      default -> throw json.error(where, "argument kind " + kind + " is not supported");
    };
  }

  /** The value named by a serialized {@code TensorArgument} ({@code {"name": "x"}}). */
  Value tensor(JsonNode tensorArg, String where) {
    String name = json.string(tensorArg, "name", where);
    Value value = graph.value(name);
    if (value == null) {
      throw json.error(where, "uses '" + name + "', which is not defined before it");
    }
    return value;
  }

  private List<Value> tensorList(JsonNode v, String where) {
    if (!v.isArray()) {
      throw json.error(where, "expected a list of tensors, got " + Pt2Json.brief(v));
    }
    List<Value> out = new ArrayList<>();
    for (JsonNode t : v) {
      out.add(tensor(t, where));
    }
    return out;
  }

  private Argument optionalTensor(JsonNode v, String where) {
    String kind = json.unionKey(v, where);
    return switch (kind) {
      case "as_tensor" -> tensor(v.get(kind), where);
      case "as_none" -> Literal.NONE;
      default -> throw json.error(where, "unexpected optional tensor " + Pt2Json.brief(v));
    };
  }

  private Argument optionalTensors(JsonNode v, String where) {
    if (!v.isArray()) {
      throw json.error(where, "expected a list, got " + Pt2Json.brief(v));
    }
    List<Value> out = new ArrayList<>();
    for (JsonNode item : v) {
      if (!(optionalTensor(item, where) instanceof Value value)) {
        // The IR's tensor lists cannot hold holes (as in index_put with None indices).
        throw json.error(where, "lists of optional tensors with None entries are not supported");
      }
      out.add(value);
    }
    return new ValueList(out);
  }

  private List<Long> longs(JsonNode v, String where, boolean symbolic) {
    if (!v.isArray()) {
      throw json.error(where, "expected a list of integers, got " + Pt2Json.brief(v));
    }
    List<Long> out = new ArrayList<>();
    for (JsonNode x : v) {
      out.add(symbolic ? symbolic(x, "as_int", where) : json.longValue(x, where));
    }
    return out;
  }

  private List<Double> doubles(JsonNode v, String where) {
    if (!v.isArray()) {
      throw json.error(where, "expected a list of numbers, got " + Pt2Json.brief(v));
    }
    List<Double> out = new ArrayList<>();
    for (JsonNode x : v) {
      out.add(json.doubleValue(x, where));
    }
    return out;
  }

  private Literal bool(JsonNode v, String where) {
    if (!v.isBoolean()) {
      throw json.error(where, "expected true or false, got " + Pt2Json.brief(v));
    }
    return new Literal.Bool(v.booleanValue());
  }

  private Literal scalarType(JsonNode v, String where) {
    long code = json.longValue(v, where);
    return new Literal.DTypeLit(DType.fromTorchCode((int) Math.max(-1, Math.min(code, Integer.MAX_VALUE)))
        .orElseThrow(() -> json.error(where, "dtype code " + code + " is not supported")));
  }

  /** A symbolic value that must be a concrete {@code staticKind} ({@code {"as_int": 3}}). */
  private JsonNode symbolicNode(JsonNode v, String staticKind, String where) {
    String kind = json.unionKey(v, where);
    if (!kind.equals(staticKind)) {
      throw json.error(where, "symbolic values (" + Pt2Json.brief(v) + ") are not supported;"
          + " export with static shapes");
    }
    return v.get(kind);
  }

  private long symbolic(JsonNode v, String staticKind, String where) {
    return json.longValue(symbolicNode(v, staticKind, where), where);
  }

  private double symbolicFloat(JsonNode v, String where) {
    return json.doubleValue(symbolicNode(v, "as_float", where), where);
  }
}
