package org.qforge.frontend.pt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Entry-name validation, op-name mapping and graph naming. */
class Pt2NamesTest {

  @Test
  void safeEntryNames() {
    assertNull(Pt2Archive.nameProblem("model/models/model.json"));
    assertNull(Pt2Archive.nameProblem("model/data/"));
    assertNull(Pt2Archive.nameProblem("model/.data/version"));
  }

  @Test
  void unsafeEntryNames() {
    assertEquals("it contains a '..' segment", Pt2Archive.nameProblem("a/../b"));
    assertEquals("it contains a '..' segment", Pt2Archive.nameProblem(".."));
    assertEquals("it is an absolute path", Pt2Archive.nameProblem("/a"));
    assertEquals("it contains a backslash", Pt2Archive.nameProblem("a\\b"));
    assertEquals("it starts with a drive letter", Pt2Archive.nameProblem("C:/x"));
    assertEquals("it contains an empty or '.' segment", Pt2Archive.nameProblem("a//b"));
    assertEquals("it contains an empty or '.' segment", Pt2Archive.nameProblem("./a"));
    assertEquals("it contains a control character", Pt2Archive.nameProblem("a\0b"));
    assertEquals("the name is empty", Pt2Archive.nameProblem(""));
  }

  @Test
  void opNames() {
    assertEquals("aten.conv2d", Pt2GraphReader.opName("torch.ops.aten.conv2d.default"));
    assertEquals("aten.add.Tensor", Pt2GraphReader.opName("torch.ops.aten.add.Tensor"));
    assertEquals("aten.flatten.using_ints", Pt2GraphReader.opName("torch.ops.aten.flatten.using_ints"));
    assertEquals("quantized_decomposed.quantize_per_tensor",
        Pt2GraphReader.opName("torch.ops.quantized_decomposed.quantize_per_tensor.default"));
    assertNull(Pt2GraphReader.opName("_operator.getitem"));
  }

  @Test
  void graphNameIsTheFileStem() {
    assertEquals("model", Pt2Importer.graphName(Path.of("../x/model.pt2")));
    assertEquals("model_train_b8", Pt2Importer.graphName(Path.of("model_train_b8.pt2")));
    assertEquals("net", Pt2Importer.graphName(Path.of("net")));
  }
}
