package org.qforge.frontend.pt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.Reference;
import org.qforge.ir.QforgeException;

/**
 * Corrupt and malicious archives, each built from a reference archive with one thing changed. Every
 * one must fail with a {@link QforgeException} naming the file and the entry or node at fault.
 * Imports use {@link StubOps} so that node decoding is tested apart from the real op kernels.
 */
class Pt2HostileArchiveTest {
  private static final Path BASE = Reference.archive("digits_mlp");
  private static final String MODEL_JSON = "model/models/model.json";
  private static final String WEIGHTS_CONFIG = "model/data/weights/model_weights_config.json";

  @TempDir Path tmp;

  private Path bad() {
    return tmp.resolve("bad.pt2");
  }

  /** Imports {@code file} expecting failure; checks the message starts with the file name. */
  private static String failure(Path file, Pt2Limits limits) {
    QforgeException e = assertThrows(QforgeException.class,
        () -> new Pt2Importer(limits, StubOps.registry()).importArchive(file));
    String m = e.getMessage();
    System.out.println("  " + m);
    assertTrue(m.startsWith(file + ": "), () -> "message should start with the file name: " + m);
    return m;
  }

  private static String failure(Path file) {
    return failure(file, Pt2Limits.DEFAULT);
  }

  private static void assertContains(String message, String part) {
    assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
  }

  // ------------------------------------------------------------------ container

  @Test
  void notAZip() throws IOException {
    Files.writeString(bad(), "this is not a zip file at all\n");
    assertContains(failure(bad()), "not a zip archive");
  }

  @Test
  void missingFile() {
    assertContains(failure(tmp.resolve("nope.pt2")), "no such file");
  }

  @Test
  void entryNameWithDotDot() {
    ArchiveEditor.copyOf(BASE).put("model/../../evil.txt", "x").writeTo(bad());
    String m = failure(bad());
    assertContains(m, "unsafe entry name 'model/../../evil.txt'");
    assertContains(m, "'..'");
  }

  @Test
  void absoluteEntryName() {
    ArchiveEditor.copyOf(BASE).put("/etc/evil", "x").writeTo(bad());
    assertContains(failure(bad()), "unsafe entry name '/etc/evil': it is an absolute path");
  }

  @Test
  void backslashEntryName() {
    ArchiveEditor.copyOf(BASE).put("model\\..\\evil", "x").writeTo(bad());
    assertContains(failure(bad()), "it contains a backslash");
  }

  @Test
  void duplicateEntryName() {
    ArchiveEditor.copyOf(BASE).put("model/dupA", "x").put("model/dupB", "y")
        .replaceRawBytes("model/dupB", "model/dupA").writeTo(bad());
    assertContains(failure(bad()), "entry 'model/dupA' appears twice");
  }

  @Test
  void noModelJson() {
    ArchiveEditor.copyOf(BASE).remove(MODEL_JSON).writeTo(bad());
    assertContains(failure(bad()), "no models/model.json");
  }

  @Test
  void twoModels() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    e.put("other/models/model.json", e.get(MODEL_JSON)).writeTo(bad());
    assertContains(failure(bad()), "several models/model.json entries");
  }

  @Test
  void entryInflatesBeyondDeclaredSize() {
    // A zip bomb in miniature: the directory claims 100 bytes, the data inflates to 8 KiB.
    ArchiveEditor.copyOf(BASE).declareSize(MODEL_JSON, 100).writeTo(bad());
    assertContains(failure(bad()),
        "entry 'model/models/model.json' holds more data than the 100 bytes its header declares");
  }

  @Test
  void storedEntryLongerThanDeclared() {
    ArchiveEditor.copyOf(BASE).stored(MODEL_JSON).declareSize(MODEL_JSON, 100).writeTo(bad());
    assertContains(failure(bad()), "entry 'model/models/model.json'");
  }

  @Test
  void entryShorterThanDeclared() {
    ArchiveEditor.copyOf(BASE).declareSize(MODEL_JSON, 1_000_000).writeTo(bad());
    assertContains(failure(bad()), "entry 'model/models/model.json' is truncated: its header declares"
        + " 1000000 bytes, found");
  }

  @Test
  void corruptStoredData() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    String w = "model/data/weights/weight_5";
    byte[] data = e.get(w).clone();
    e.stored(w).put(w, data).writeTo(bad());
    // Flip one byte of the stored data in the file, leaving the recorded CRC alone.
    byte[] zip = readAll(bad());
    int at = indexOf(zip, data) + 3;
    zip[at] ^= 0x40;
    writeAll(bad(), zip);
    assertContains(failure(bad()), "entry 'model/data/weights/weight_5' is corrupt (CRC mismatch)");
  }

  @Test
  void jsonLargerThanLimit() {
    ArchiveEditor.copyOf(BASE).writeTo(bad());
    Pt2Limits small = new Pt2Limits(1000, 1 << 20, 1 << 30, 1000);
    assertContains(failure(bad(), small), "entry 'model/models/model.json' declares");
    assertContains(failure(bad(), small), "more than the limit of 1000");
  }

  @Test
  void archiveTotalLimit() {
    ArchiveEditor.copyOf(BASE).writeTo(bad());
    Pt2Limits small = new Pt2Limits(1 << 20, 1 << 20, 40_000, 1000);
    assertContains(failure(bad(), small), "bytes read from one archive");
  }

  @Test
  void tooManyEntries() {
    ArchiveEditor.copyOf(BASE).writeTo(bad());
    Pt2Limits small = new Pt2Limits(1 << 20, 1 << 20, 1 << 30, 5);
    assertContains(failure(bad(), small), "more than the limit of 5");
  }

  @Test
  void bigEndianByteOrder() {
    ArchiveEditor.copyOf(BASE).put("model/byteorder", "big").writeTo(bad());
    assertContains(failure(bad()), "only little-endian archives are supported");
  }

  // ------------------------------------------------------------------ JSON

  @Test
  void malformedModelJson() {
    ArchiveEditor.copyOf(BASE)
        .put(MODEL_JSON, "{\n  \"graph_module\": {\"graph\": [1, 2,, 3]}\n}").writeTo(bad());
    String m = failure(bad());
    assertTrue(m.startsWith(bad() + ": models/model.json is not valid JSON: "), m);
    assertContains(m, "at line 2 column 35");
  }

  @Test
  void truncatedModelJson() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    byte[] json = e.get(MODEL_JSON);
    e.put(MODEL_JSON, java.util.Arrays.copyOf(json, json.length / 2)).writeTo(bad());
    String m = failure(bad());
    assertContains(m, "models/model.json is not valid JSON: Unexpected end-of-input");
  }

  @Test
  void duplicateJsonKey() {
    ArchiveEditor.copyOf(BASE).put(MODEL_JSON, "{\"graph_module\": 1, \"graph_module\": 2}").writeTo(bad());
    assertContains(failure(bad()), "Duplicate field 'graph_module'");
  }

  @Test
  void missingJsonField() {
    editModel(root -> ((ObjectNode) root.get("graph_module")).remove("signature"));
    assertContains(failure(bad()), "models/model.json: graph_module: missing field 'signature'");
  }

  @Test
  void unknownOp() {
    editModel(root -> node(root, 0).put("target", "torch.ops.aten.foo.default"));
    assertEquals(bad() + ": node 'flatten' uses unsupported op aten.foo (torch.ops.aten.foo.default)",
        failure(bad()));
  }

  @Test
  void nonOperatorTarget() {
    editModel(root -> node(root, 0).put("target", "_operator.getitem"));
    assertEquals(bad() + ": node 'flatten' uses unsupported op _operator.getitem", failure(bad()));
  }

  @Test
  void undefinedValue() {
    editModel(root -> ((ObjectNode) node(root, 0).get("inputs").get(0).get("arg").get("as_tensor"))
        .put("name", "nowhere"));
    assertContains(failure(bad()), "node 'flatten' input 'self': uses 'nowhere', which is not defined before it");
  }

  @Test
  void duplicateValueName() {
    editModel(root -> ((ObjectNode) node(root, 1).get("outputs").get(0).get("as_tensor")).put("name", "flatten"));
    assertContains(failure(bad()), "value 'flatten' is defined twice");
  }

  @Test
  void dynamicShape() {
    editModel(root -> {
      ObjectNode x = (ObjectNode) root.get("graph_module").get("graph").get("tensor_values").get("x");
      ((ArrayNode) x.get("sizes")).set(0, ArchiveEditor.json("{\"as_expr\": {\"expr_str\": \"s0\"}}"));
    });
    assertContains(failure(bad()), "dynamic (symbolic) sizes are not supported");
  }

  @Test
  void bufferMutationOutput() {
    editModel(root -> {
      ObjectNode sig = (ObjectNode) root.get("graph_module").get("signature");
      ((ArrayNode) sig.get("output_specs")).set(0, ArchiveEditor.json(
          "{\"buffer_mutation\": {\"arg\": {\"name\": \"linear_2\"}, \"buffer_name\": \"bn.running_mean\"}}"));
    });
    assertContains(failure(bad()), "writes buffer 'bn.running_mean' through an output (buffer_mutation)");
  }

  @Test
  void wrongArgumentName() {
    editModel(root -> ((ObjectNode) node(root, 0).get("inputs").get(1)).put("name", "begin_dim"));
    String m = failure(bad());
    assertContains(m, "node 'flatten' (aten.flatten.using_ints)");
    assertContains(m, "begin_dim");
  }

  // ------------------------------------------------------------------ weights

  @Test
  void missingWeightFile() {
    ArchiveEditor.copyOf(BASE).remove("model/data/weights/weight_3").writeTo(bad());
    assertEquals(bad() + ": data/weights/weight_3 (fc2.bias): the file is missing from the archive",
        failure(bad()));
  }

  @Test
  void weightShorterThanItsShape() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    String w = "model/data/weights/weight_0";
    e.put(w, java.util.Arrays.copyOf(e.get(w), 1000)).writeTo(bad());
    assertEquals(bad() + ": data/weights/weight_0 (fc1.weight): has 1000 bytes, but f32[128,64] needs 32768",
        failure(bad()));
  }

  @Test
  void weightLongerThanItsShape() {
    ArchiveEditor e = ArchiveEditor.copyOf(BASE);
    String w = "model/data/weights/weight_1";
    e.put(w, java.util.Arrays.copyOf(e.get(w), 513)).writeTo(bad());
    assertContains(failure(bad()), "data/weights/weight_1 (fc1.bias): has 513 bytes, but f32[128] needs 512");
  }

  @Test
  void missingWeightsConfig() {
    ArchiveEditor.copyOf(BASE).remove(WEIGHTS_CONFIG).writeTo(bad());
    assertContains(failure(bad()),
        "parameter 'p_fc1_weight' (fc1.weight) needs 'fc1.weight', but the archive has no data/weights/model_weights_config.json");
  }

  @Test
  void pickledWeight() {
    editWeight("fc1.weight", w -> w.put("use_pickle", true));
    assertContains(failure(bad()), "data/weights/weight_0 (fc1.weight): is stored pickled");
  }

  @Test
  void sparseLayout() {
    editWeight("fc1.weight", w -> ((ObjectNode) w.get("tensor_meta")).put("layout", 3));
    assertContains(failure(bad()), "data/weights/weight_0 (fc1.weight): layout 3 is not supported");
  }

  @Test
  void unknownWeightDtype() {
    editWeight("fc1.bias", w -> ((ObjectNode) w.get("tensor_meta")).put("dtype", 10));
    assertContains(failure(bad()), "data/weights/model_weights_config.json: 'fc1.bias': tensor_meta: dtype complex64 is not supported");
  }

  @Test
  void pathNameEscapingItsDirectory() {
    editWeight("fc1.bias", w -> w.put("path_name", "../../models/model.json"));
    assertContains(failure(bad()), "path_name '../../models/model.json' is not a plain file name");
  }

  @Test
  void storedShapeDisagreesWithGraph() {
    // Same byte count, other shape: the storage is fine, the graph's declaration is not met.
    editWeight("fc1.weight", w -> ((ObjectNode) w.get("tensor_meta")).set("sizes",
        ArchiveEditor.json("[{\"as_int\": 64}, {\"as_int\": 128}]")));
    assertEquals(bad() + ": parameter 'p_fc1_weight' (fc1.weight): the graph declares f32[128,64]"
        + " but the stored tensor is f32[64,128]", failure(bad()));
  }

  @Test
  void stridesBeyondStorage() {
    editWeight("fc1.bias", w -> ((ObjectNode) w.get("tensor_meta")).set("strides",
        ArchiveEditor.json("[{\"as_int\": 2}]")));
    assertContains(failure(bad()), "data/weights/weight_1 (fc1.bias): has 512 bytes, but f32[128] with strides [2]");
  }

  // ------------------------------------------------------------------ helpers

  private void editModel(Consumer<ObjectNode> edit) {
    ArchiveEditor.copyOf(BASE).editJson("/models/model.json", edit).writeTo(bad());
  }

  private void editWeight(String fqn, Consumer<ObjectNode> edit) {
    ArchiveEditor.copyOf(BASE).editJson("/model_weights_config.json",
        root -> edit.accept((ObjectNode) root.get("config").get(fqn))).writeTo(bad());
  }

  private static ObjectNode node(ObjectNode root, int i) {
    return (ObjectNode) root.get("graph_module").get("graph").get("nodes").get(i);
  }

  private static byte[] readAll(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void writeAll(Path p, byte[] b) {
    try {
      Files.write(p, b);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }
}
