package org.qforge.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;

/**
 * Every reference archive imports, and the graph matches {@code model.json} as read independently
 * here: node and value names, metadata, parameters and buffers (count, elements, bytes and the
 * exact data), inputs and outputs.
 */
class Pt2ImportTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Expected figures per archive: parameter count, parameter elements, parameter bytes, buffer
   * count, buffer bytes (computed with Python from the archives' JSON), and the input type.
   */
  record Expected(int params, long paramElements, long paramBytes, int buffers, long bufferBytes, String input) {}

  static Stream<Arguments> archives() {
    return Stream.of(
        Arguments.of(Reference.archive("digits_mlp"), "model", new Expected(6, 17226, 68904, 0, 0, "f32[1,1,8,8]")),
        Arguments.of(Reference.archive("digits_rescnn"), "model", new Expected(14, 14538, 58152, 9, 664, "f32[1,1,8,8]")),
        Arguments.of(Reference.archive("digits_dwnet"), "model", new Expected(18, 10522, 42088, 12, 672, "f32[1,1,8,8]")),
        Arguments.of(Reference.archive("resnet20_cifar"), "model",
            new Expected(65, 272474, 1089896, 63, 6440, "f32[1,3,32,32]")),
        Arguments.of(Reference.archive("mlp_784_1024"), "model",
            new Expected(6, 1863690, 7454760, 0, 0, "f32[1,784]")),
        Arguments.of(Reference.trainArchive(), "model_train_b8",
            new Expected(14, 14538, 58152, 9, 664, "f32[8,1,8,8]")));
  }

  @ParameterizedTest
  @MethodSource("archives")
  void importsLikeModelJson(Path archive, String graphName, Expected expected) throws IOException {
    Graph g = Pt2Importer.importFile(archive);
    assertEquals(graphName, g.name());

    try (ZipFile zip = new ZipFile(archive.toFile())) {
      String root = zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith("/models/model.json"))
          .findFirst().orElseThrow().replace("models/model.json", "");
      JsonNode model = MAPPER.readTree(zip.getInputStream(zip.getEntry(root + "models/model.json")));
      JsonNode graph = model.get("graph_module").get("graph");

      // Node names, result names and metadata, in order.
      List<String> jsonNames = new ArrayList<>();
      graph.get("nodes").forEach(n -> jsonNames.add(n.get("name").asText()));
      assertEquals(jsonNames, g.nodes().stream().map(Node::name).toList());
      for (int i = 0; i < g.nodes().size(); i++) {
        Node n = g.nodes().get(i);
        JsonNode jn = graph.get("nodes").get(i);
        assertEquals(jn.get("outputs").get(0).get("as_tensor").get("name").asText(), n.result().name());
        String target = jn.get("target").asText();
        assertEquals(target.replace("torch.ops.", "").replace(".default", ""), n.op().name());
        for (String key : List.of("stack_trace", "nn_module_stack", "torch_fn")) {
          assertEquals(jn.get("metadata").get(key).asText(), n.metadata().get(key), n.name() + " " + key);
        }
      }

      // Parameters and buffers: names, FQNs, sizes and the exact bytes of their files.
      JsonNode config = MAPPER.readTree(zip.getInputStream(
          zip.getEntry(root + "data/weights/model_weights_config.json"))).get("config");
      int params = 0;
      int buffers = 0;
      long paramElements = 0;
      long paramBytes = 0;
      long bufferBytes = 0;
      for (JsonNode spec : model.get("graph_module").get("signature").get("input_specs")) {
        Map.Entry<String, JsonNode> e = spec.properties().iterator().next();
        if (e.getKey().equals("user_input")) {
          continue;
        }
        String name = e.getValue().get("arg").get("name").asText();
        String fqn = e.getValue().get(e.getKey().equals("parameter") ? "parameter_name" : "buffer_name").asText();
        Constant c = g.constant(name);
        assertNotNull(c, name);
        assertEquals(fqn, c.fqn());
        assertEquals(e.getKey().equals("parameter") ? Constant.Kind.PARAM : Constant.Kind.BUFFER, c.kind());
        byte[] raw = zip.getInputStream(zip.getEntry(root + "data/weights/"
            + config.get(fqn).get("path_name").asText())).readAllBytes();
        assertTrue(Tensor.fromLittleEndian(c.tensor().type(), ByteBuffer.wrap(raw)).contentEquals(c.tensor()), name);
        if (c.kind() == Constant.Kind.PARAM) {
          params++;
          paramElements += c.tensor().numel();
          paramBytes += c.tensor().type().byteSize();
        } else {
          buffers++;
          bufferBytes += c.tensor().type().byteSize();
        }
      }
      assertEquals(expected.params(), params);
      assertEquals(expected.paramElements(), paramElements);
      assertEquals(expected.paramBytes(), paramBytes);
      assertEquals(expected.buffers(), buffers);
      assertEquals(expected.bufferBytes(), bufferBytes);
      assertEquals(params + buffers, g.constants().size());

      // One user input "x", one output named as in output_specs.
      assertEquals(List.of("x"), g.inputs().stream().map(Value::name).toList());
      assertEquals(expected.input(), g.inputs().get(0).type().toString());
      String out = model.get("graph_module").get("signature").get("output_specs").get(0)
          .get("user_output").get("arg").get("as_tensor").get("name").asText();
      assertEquals(List.of(out), g.outputs().stream().map(Value::name).toList());
      assertEquals(TensorType.of(org.qforge.ir.DType.F32, g.inputs().get(0).type().dim(0), 10),
          g.outputs().get(0).type());
      System.out.printf("%s: %d nodes, %d parameters (%d elements, %d bytes), %d buffers (%d bytes)%n",
          archive, g.nodes().size(), params, paramElements, paramBytes, buffers, bufferBytes);
    }
  }
}
