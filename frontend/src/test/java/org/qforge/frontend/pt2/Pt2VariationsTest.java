package org.qforge.frontend.pt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.Reference;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;

/**
 * Legitimate variations of the format that the reference archives do not exercise: lifted tensor
 * constants, assertion nodes, placement and None arguments for parameters the IR does not model,
 * non-string metadata. These use the real op registry.
 */
class Pt2VariationsTest {
  private static final Path BASE = Reference.archive("digits_mlp");

  @TempDir Path tmp;

  private static ObjectNode graph(ObjectNode root) {
    return (ObjectNode) root.get("graph_module").get("graph");
  }

  private static ObjectNode node(ObjectNode root, String name) {
    for (var n : graph(root).get("nodes")) {
      if (n.get("name").asText().equals(name)) {
        return (ObjectNode) n;
      }
    }
    throw new IllegalArgumentException(name);
  }

  @Test
  void tensorConstantFromTheConstantsDirectory() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    byte[] bias = e.get("model/data/weights/weight_5");
    Path file = e
        .put("model/data/constants/tensor_0", bias)
        .put("model/data/constants/model_constants_config.json", "{\"config\": {\"c_bias\": {\"path_name\":"
            + " \"tensor_0\", \"is_param\": false, \"use_pickle\": false, \"tensor_meta\": {\"dtype\": 7,"
            + " \"sizes\": [{\"as_int\": 10}], \"strides\": [{\"as_int\": 1}], \"storage_offset\": {\"as_int\": 0},"
            + " \"layout\": 7}}}}")
        .editJson("/models/model.json", root -> {
          ArrayNode specs = (ArrayNode) root.get("graph_module").get("signature").get("input_specs");
          specs.set(5, ArchiveEditor.json(
              "{\"tensor_constant\": {\"arg\": {\"name\": \"p_fc3_bias\"}, \"tensor_constant_name\": \"c_bias\"}}"));
        })
        .writeTo(tmp.resolve("const.pt2"));
    Graph g = Pt2Importer.importFile(file);
    Constant c = g.constant("p_fc3_bias");
    assertEquals(Constant.Kind.CONST, c.kind());
    assertEquals("c_bias", c.fqn());
    assertEquals(10, c.tensor().numel());
  }

  @Test
  void assertionNodesAreDropped() {
    Path file = ArchiveEditor.copyOf(BASE).editJson("/models/model.json", root -> {
      ArrayNode nodes = (ArrayNode) graph(root).get("nodes");
      nodes.insert(1, ArchiveEditor.json("{\"target\": \"torch.ops.aten._assert_tensor_metadata.default\","
          + " \"inputs\": [{\"name\": \"a\", \"arg\": {\"as_tensor\": {\"name\": \"flatten\"}}, \"kind\": 1},"
          + " {\"name\": \"dtype\", \"arg\": {\"as_scalar_type\": 7}, \"kind\": 2}],"
          + " \"outputs\": [], \"metadata\": {}, \"name\": \"_assert_tensor_metadata_default\"}"));
    }).writeTo(tmp.resolve("assert.pt2"));
    Graph g = Pt2Importer.importFile(file);
    assertEquals(List.of("flatten", "linear", "relu", "linear_1", "relu_1", "linear_2"),
        g.nodes().stream().map(Node::name).toList());
  }

  @Test
  void placementAndNoneArgumentsForUnmodelledParametersAreDropped() {
    Path file = ArchiveEditor.copyOf(BASE).editJson("/models/model.json", root -> {
      ArrayNode inputs = (ArrayNode) node(root, "relu").get("inputs");
      inputs.add(ArchiveEditor.json("{\"name\": \"memory_format\", \"arg\": {\"as_memory_format\": 1}, \"kind\": 2}"));
      inputs.add(ArchiveEditor.json("{\"name\": \"out_dtype\", \"arg\": {\"as_none\": true}, \"kind\": 2}"));
    }).writeTo(tmp.resolve("extra.pt2"));
    Graph g = Pt2Importer.importFile(file);
    assertEquals(1, g.node("relu").args().size());
  }

  @Test
  void nonNoneValueForAnUnknownParameterIsAnError() {
    Path file = ArchiveEditor.copyOf(BASE).editJson("/models/model.json", root -> {
      ArrayNode inputs = (ArrayNode) node(root, "relu").get("inputs");
      inputs.add(ArchiveEditor.json("{\"name\": \"inplace\", \"arg\": {\"as_bool\": true}, \"kind\": 2}"));
    }).writeTo(tmp.resolve("extra.pt2"));
    QforgeException e = assertThrows(QforgeException.class, () -> Pt2Importer.importFile(file));
    assertEquals(file + ": node 'relu' (aten.relu): aten.relu has no parameter 'inplace' (parameters: self)",
        e.getMessage());
  }

  @Test
  void nonStringMetadataIsKeptAsJsonText() {
    Path file = ArchiveEditor.copyOf(BASE).editJson("/models/model.json", root ->
        ((ObjectNode) node(root, "relu").get("metadata")).set("nn_module_stack",
            ArchiveEditor.json("{\"L__self__\": [\"\", \"Net\"]}")))
        .writeTo(tmp.resolve("meta.pt2"));
    Graph g = Pt2Importer.importFile(file);
    assertEquals("{\"L__self__\":[\"\",\"Net\"]}", g.node("relu").metadata().get("nn_module_stack"));
  }

  @Test
  void verifierFailuresNameTheFile() {
    // Declare a wrong result type: the importer trusts tensor_values, the verifier catches it.
    Path file = ArchiveEditor.copyOf(BASE).editJson("/models/model.json", root ->
        ((ObjectNode) graph(root).get("tensor_values").get("relu")).set("sizes",
            ArchiveEditor.json("[{\"as_int\": 1}, {\"as_int\": 127}]")))
        .writeTo(tmp.resolve("types.pt2"));
    QforgeException e = assertThrows(QforgeException.class, () -> Pt2Importer.importFile(file));
    assertTrue(e.getMessage().startsWith(file + ": node %relu (aten.relu)"), e.getMessage());
    assertTrue(e instanceof org.qforge.ir.verify.VerificationException);
  }

  @Test
  void trailingGarbageAfterJson() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    String json = new String(e.get("model/models/model.json"), java.nio.charset.StandardCharsets.UTF_8);
    Path file = e.put("model/models/model.json", json + "\n}").writeTo(tmp.resolve("trail.pt2"));
    QforgeException ex = assertThrows(QforgeException.class, () -> Pt2Importer.importFile(file));
    assertTrue(ex.getMessage().startsWith(file + ": models/model.json is not valid JSON"), ex.getMessage());
  }
}
