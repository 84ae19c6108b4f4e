package org.qforge.frontend.pt2;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.OpDef;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ops.OpRegistry;

/**
 * Builds a {@link Graph} from {@code models/model.json}: the graph signature's inputs become user
 * inputs and named constants, each node becomes an IR node of the registry's op with arguments
 * bound by their schema names, and the user outputs become the graph's outputs.
 *
 * <p>Result types are taken as declared in {@code tensor_values}, not inferred: the verifier checks
 * afterwards that inference agrees, which catches both importer and exporter mistakes. Value and
 * node names are kept exactly, because quantization parameters are keyed by them.
 */
final class Pt2GraphReader {
  static final String MODEL_JSON = "models/model.json";

  /** The node metadata we keep; others ({@code source_fn_stack}, ...) are noise downstream. */
  private static final List<String> METADATA_KEYS = List.of("stack_trace", "nn_module_stack", "torch_fn");

  /**
   * Ops that only assert facts about shapes or values. With static shapes they hold by
   * construction (the exporter traced them), have no results, and can be dropped.
   */
  private static final Set<String> ASSERTION_OPS = Set.of(
      "aten._assert_tensor_metadata", "aten._assert_async", "aten._assert_async.msg",
      "aten._assert_scalar", "aten.sym_constrain_range", "aten.sym_constrain_range_for_size");

  private final Pt2Json json;
  private final String source;
  private final Pt2TensorStore store;
  private final OpRegistry registry;
  private final Graph graph;
  private final Pt2ArgumentDecoder decoder;
  private JsonNode tensorValues;

  private Pt2GraphReader(String source, Pt2Json json, Pt2TensorStore store, OpRegistry registry, String graphName) {
    this.source = source;
    this.json = json;
    this.store = store;
    this.registry = registry;
    this.graph = new Graph(graphName);
    this.decoder = new Pt2ArgumentDecoder(json, graph);
  }

  /**
   * Reads the graph.
   *
   * @param source the archive as the user named it, for messages
   * @param graphName the name to give the graph
   */
  static Graph read(String source, Pt2Json json, Pt2TensorStore store, OpRegistry registry, String graphName) {
    return new Pt2GraphReader(source, json, store, registry, graphName).read();
  }

  private Graph read() {
    JsonNode module = json.object(json.root(), "graph_module", "");
    JsonNode g = json.object(module, "graph", "graph_module");
    JsonNode signature = json.object(module, "signature", "graph_module");
    tensorValues = json.object(g, "tensor_values", "graph_module.graph");
    readInputs(json.array(g, "inputs", "graph_module.graph"),
        json.array(signature, "input_specs", "graph_module.signature"));
    JsonNode nodes = json.array(g, "nodes", "graph_module.graph");
    for (int i = 0; i < nodes.size(); i++) {
      readNode(nodes.get(i), i);
    }
    readOutputs(json.array(g, "outputs", "graph_module.graph"),
        json.array(signature, "output_specs", "graph_module.signature"));
    return graph;
  }

  // ---------------------------------------------------------------- inputs

  private void readInputs(JsonNode inputs, JsonNode specs) {
    if (inputs.size() != specs.size()) {
      throw json.error("graph_module", "the graph has " + inputs.size() + " inputs but the signature"
          + " describes " + specs.size());
    }
    for (int i = 0; i < specs.size(); i++) {
      String where = "input_specs[" + i + "]";
      JsonNode spec = specs.get(i);
      String kind = json.unionKey(spec, where);
      JsonNode body = spec.get(kind);
      switch (kind) {
        case "user_input" -> {
          JsonNode arg = json.field(body, "arg", where);
          String argKind = json.unionKey(arg, where);
          if (!argKind.equals("as_tensor")) {
            throw json.error(where, "the model takes a non-tensor input (" + Pt2Json.brief(arg)
                + "); only tensor inputs are supported");
          }
          String name = json.string(arg.get(argKind), "name", where);
          checkInputName(inputs.get(i), name, where);
          claim(name, where);
          graph.addInput(name, declaredType(name, where));
        }
        case "parameter" -> addConstant(inputs.get(i), body, "parameter_name", Constant.Kind.PARAM, where);
        case "buffer" -> addConstant(inputs.get(i), body, "buffer_name", Constant.Kind.BUFFER, where);
        case "tensor_constant" -> addConstant(inputs.get(i), body, "tensor_constant_name",
            Constant.Kind.CONST, where);
        default -> throw json.error(where, "input kind '" + kind + "' is not supported yet");
      }
    }
  }

  private void addConstant(JsonNode input, JsonNode body, String fqnField, Constant.Kind kind, String where) {
    String name = json.string(json.object(body, "arg", where), "name", where);
    String fqn = json.string(body, fqnField, where);
    checkInputName(input, name, where);
    claim(name, where);
    String what = switch (kind) {
      case PARAM -> "parameter";
      case BUFFER -> "buffer";
      case CONST -> "constant";
    } + " '" + name + "' (" + fqn + ")";
    Tensor tensor = kind == Constant.Kind.CONST ? store.constant(fqn, what) : store.weight(fqn, what);
    TensorType declared = declaredType(name, where);
    if (!declared.equals(tensor.type())) {
      throw new QforgeException(source + ": " + what + ": the graph declares " + declared
          + " but the stored tensor is " + tensor.type());
    }
    graph.addConstant(name, kind, fqn, tensor);
  }

  /** The graph's input list and the signature must name the same value at each position. */
  private void checkInputName(JsonNode input, String name, String where) {
    String key = json.unionKey(input, "graph_module.graph.inputs");
    JsonNode v = input.get(key);
    String inputName = key.equals("as_tensor") ? json.string(v, "name", where) : null;
    if (!name.equals(inputName)) {
      throw json.error(where, "describes '" + name + "' but the graph's input at this position is "
          + Pt2Json.brief(input));
    }
  }

  // ---------------------------------------------------------------- nodes

  private void readNode(JsonNode node, int index) {
    String nodeName = json.string(node, "name", "graph_module.graph.nodes[" + index + "]");
    String where = "node '" + nodeName + "'";
    String target = json.string(node, "target", where);
    String opName = opName(target);
    List<JsonNode> outputs = outputTensors(node, where);
    if (outputs.isEmpty() && opName != null && ASSERTION_OPS.contains(opName)) {
      return;
    }
    Optional<OpDef> found = opName == null ? Optional.empty() : registry.find(opName);
    if (found.isEmpty()) {
      throw new QforgeException(source + ": " + where + " uses unsupported op "
          + (opName == null ? target : opName + " (" + target + ")"));
    }
    OpDef op = found.get();
    List<Argument> args = bindInputs(op, json.array(node, "inputs", where), where);
    if (outputs.isEmpty()) {
      throw json.error(where, "has no tensor results, which the IR cannot represent");
    }
    List<String> names = new ArrayList<>();
    List<TensorType> types = new ArrayList<>();
    for (JsonNode out : outputs) {
      String name = json.string(out, "name", where + ": outputs");
      claim(name, where);
      if (names.contains(name)) {
        throw json.error(where, "result '" + name + "' is listed twice");
      }
      names.add(name);
      types.add(declaredType(name, where));
    }
    Map<String, String> metadata = metadata(node, where);
    if (!names.get(0).equals(nodeName)) {
      // The IR names a node after its first result; keep the exporter's node name too.
      metadata.put("pt2_node_name", nodeName);
    }
    graph.addNode(op, args, names, types, metadata);
  }

  /**
   * Our op name for a target: {@code torch.ops.aten.add.Tensor} is {@code aten.add.Tensor} and
   * {@code torch.ops.aten.relu.default} is {@code aten.relu}; null if it is not a {@code torch.ops}
   * operator (a Python function, a higher-order op's callable).
   */
  static String opName(String target) {
    String prefix = "torch.ops.";
    if (!target.startsWith(prefix) || target.length() == prefix.length()) {
      return null;
    }
    String name = target.substring(prefix.length());
    return name.endsWith(".default") ? name.substring(0, name.length() - ".default".length()) : name;
  }

  /** The {@code TensorArgument}s a node produces, flattening tensor lists. */
  private List<JsonNode> outputTensors(JsonNode node, String where) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode o : json.array(node, "outputs", where)) {
      String kind = json.unionKey(o, where + ": outputs");
      JsonNode v = o.get(kind);
      switch (kind) {
        case "as_tensor" -> out.add(v);
        case "as_tensors" -> {
          if (!v.isArray()) {
            throw json.error(where, "outputs: expected a list of tensors, got " + Pt2Json.brief(v));
          }
          v.forEach(out::add);
        }
        case "as_none" -> {
          // A result slot the op leaves empty: nothing to name.
        }
        default -> throw json.error(where, "result kind " + kind + " is not supported");
      }
    }
    return out;
  }

  private List<Argument> bindInputs(OpDef op, JsonNode inputs, String where) {
    List<Argument> positional = new ArrayList<>();
    Map<String, Argument> named = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode input = inputs.get(i);
      if (!input.isObject()) {
        throw json.error(where, "inputs[" + i + "] must be an object");
      }
      JsonNode nameNode = input.get("name");
      String paramName = nameNode == null || nameNode.isNull()
          ? "" : json.stringValue(nameNode, where + ": inputs[" + i + "]");
      String at = where + " input '" + (paramName.isEmpty() ? "#" + i : paramName) + "'";
      JsonNode arg = json.field(input, "arg", at);
      String kind = json.unionKey(arg, at);
      if (Pt2ArgumentDecoder.PLACEMENT_KINDS.contains(kind) && !paramName.isEmpty()) {
        if (op.hasParam(paramName)) {
          throw json.error(at, "arguments of kind " + kind + " cannot be represented");
        }
        continue;
      }
      Argument a = decoder.decode(arg, at);
      if (paramName.isEmpty()) {
        if (!named.isEmpty()) {
          throw json.error(at, "an unnamed argument follows named ones");
        }
        positional.add(a);
      } else if (a instanceof Literal.None && !op.hasParam(paramName)) {
        // The IR's schema leaves out optional parameters it does not model; passing None to
        // them means PyTorch's default behaviour, which is what the IR op implements.
        continue;
      } else if (named.put(paramName, a) != null) {
        throw json.error(at, "the argument is given twice");
      }
    }
    try {
      return op.bind(positional, named);
    } catch (IllegalArgumentException e) {
      throw new QforgeException(source + ": " + where + " (" + op.name() + "): " + e.getMessage(), e);
    }
  }

  private Map<String, String> metadata(JsonNode node, String where) {
    Map<String, String> m = new LinkedHashMap<>();
    JsonNode md = node.get("metadata");
    if (md == null || md.isNull()) {
      return m;
    }
    if (!md.isObject()) {
      throw json.error(where, "metadata must be an object");
    }
    for (String key : METADATA_KEYS) {
      JsonNode v = md.get(key);
      if (v != null && !v.isNull()) {
        m.put(key, v.isTextual() ? v.textValue() : v.toString());
      }
    }
    return m;
  }

  // ---------------------------------------------------------------- outputs

  private void readOutputs(JsonNode outputs, JsonNode specs) {
    if (outputs.size() != specs.size()) {
      throw json.error("graph_module", "the graph has " + outputs.size() + " outputs but the signature"
          + " describes " + specs.size());
    }
    List<Value> values = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      String where = "output_specs[" + i + "]";
      JsonNode spec = specs.get(i);
      String kind = json.unionKey(spec, where);
      JsonNode body = spec.get(kind);
      switch (kind) {
        case "user_output" -> {
          JsonNode arg = json.field(body, "arg", where);
          String argKind = json.unionKey(arg, where);
          if (!argKind.equals("as_tensor")) {
            throw json.error(where, "the model returns a non-tensor output (" + Pt2Json.brief(arg)
                + "); only tensor outputs are supported");
          }
          Value v = decoder.tensor(arg.get(argKind), where);
          JsonNode listed = outputs.get(i);
          if (!"as_tensor".equals(json.unionKey(listed, where))
              || !v.name().equals(json.string(listed.get("as_tensor"), "name", where))) {
            throw json.error(where, "names '" + v.name() + "' but the graph's output at this position is "
                + Pt2Json.brief(listed));
          }
          values.add(v);
        }
        case "buffer_mutation" -> {
          String buffer = body.has("buffer_name") ? body.get("buffer_name").asText() : "?";
          throw new QforgeException(source + ": the graph writes buffer '" + buffer + "' through an"
              + " output (buffer_mutation); functionalized graphs with mutated buffers are not supported"
              + " yet: export without run_decompositions() so buffers are updated in place");
        }
        default -> throw new QforgeException(source + ": output kind '" + kind + "' ("
            + where + ") is not supported yet; only user outputs are");
      }
    }
    graph.setOutputs(values);
  }

  // ---------------------------------------------------------------- helpers

  /** The type {@code tensor_values} declares for value {@code name}. */
  private TensorType declaredType(String name, String where) {
    JsonNode meta = tensorValues.get(name);
    if (meta == null) {
      throw json.error(where, "value '" + name + "' has no entry in tensor_values");
    }
    TensorMeta m = TensorMeta.fromJson(json, meta, "tensor_values['" + name + "']");
    if (m.layout() != TensorMeta.STRIDED) {
      throw json.error("tensor_values['" + name + "']", "layout " + m.layout()
          + " is not supported (only strided dense tensors, layout 7, are)");
    }
    return m.type();
  }

  /** Fails if {@code name} is already a value of the graph (the IR would silently rename it). */
  private void claim(String name, String where) {
    if (name.isEmpty()) {
      throw json.error(where, "a value has an empty name");
    }
    if (graph.value(name) != null) {
      throw json.error(where, "value '" + name + "' is defined twice");
    }
  }
}
