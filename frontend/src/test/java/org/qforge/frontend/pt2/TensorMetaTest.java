package org.qforge.frontend.pt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.Reference;
import org.qforge.ir.DType;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;

/** Strides, storage offsets and shared storages, unit by unit and through a rewritten archive. */
class TensorMetaTest {
  @TempDir Path tmp;

  private static TensorMeta meta(DType d, List<Integer> sizes, List<Long> strides, long offset) {
    return new TensorMeta(d, sizes, strides, offset, TensorMeta.STRIDED);
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  @Test
  void contiguous() {
    Tensor t = meta(DType.F32, List.of(2, 2), List.of(2L, 1L), 0).materialize(floats(1, 2, 3, 4), true, "w");
    assertArrayEquals(new float[] {1, 2, 3, 4}, t.floats());
  }

  @Test
  void transposedStorageIsMadeRowMajor() {
    // Storage holds a 2x3 matrix; the tensor is its 3x2 transpose.
    Tensor t = meta(DType.F32, List.of(3, 2), List.of(1L, 3L), 0)
        .materialize(floats(0, 1, 2, 3, 4, 5), true, "w");
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.floats());
  }

  @Test
  void storageOffsetInASharedStorage() {
    byte[] storage = floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    Tensor t = meta(DType.F32, List.of(2, 2), List.of(3L, 1L), 5).materialize(storage, false, "w");
    assertArrayEquals(new float[] {5, 6, 8, 9}, t.floats());
  }

  @Test
  void broadcastStride() {
    Tensor t = meta(DType.F32, List.of(2, 3), List.of(1L, 0L), 0).materialize(floats(7, 8), false, "w");
    assertArrayEquals(new float[] {7, 7, 7, 8, 8, 8}, t.floats());
  }

  @Test
  void integerDTypes() {
    byte[] storage = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).putLong(2).putLong(3).array();
    Tensor t = meta(DType.I64, List.of(2), List.of(2L), 0).materialize(storage, true, "w");
    assertArrayEquals(new long[] {-1, 3}, t.longs());
  }

  @Test
  void emptyTensor() {
    Tensor t = meta(DType.F32, List.of(0, 3), List.of(3L, 1L), 0).materialize(new byte[0], true, "w");
    assertEquals(0, t.numel());
  }

  @Test
  void sizeOneDimensionsIgnoreTheirStride() {
    assertTrue(meta(DType.F32, List.of(4, 1), List.of(1L, 99L), 0).isContiguous());
  }

  @Test
  void paddedExclusiveStorageIsRejectedButSharedIsNot() {
    TensorMeta m = meta(DType.F32, List.of(2), List.of(1L), 0);
    QforgeException e = assertThrows(QforgeException.class, () -> m.materialize(floats(1, 2, 3), true, "w"));
    assertEquals("w: has 12 bytes, but f32[2] needs 8", e.getMessage());
    assertArrayEquals(new float[] {1, 2}, m.materialize(floats(1, 2, 3), false, "w").floats());
  }

  @Test
  void badStrides() {
    QforgeException e = assertThrows(QforgeException.class, () -> meta(DType.F32, List.of(2), List.of(-1L), 1)
        .materialize(floats(1, 2), false, "w"));
    assertEquals("w: negative stride -1", e.getMessage());
    e = assertThrows(QforgeException.class, () -> meta(DType.F32, List.of(3), List.of(Long.MAX_VALUE / 2), 0)
        .materialize(floats(1, 2), false, "w"));
    assertTrue(e.getMessage().contains("reach beyond any storage"), e.getMessage());
  }

  @Test
  void stridedAndSharedWeightsInAnArchive() {
    // Store fc1.weight (128x64) transposed, and make fc1.bias view the second half of fc3.weight's
    // file with an offset; the importer must reproduce the original tensors.
    Path base = Reference.archive("digits_mlp");
    Tensor weight = weight(base, "fc1.weight");
    Tensor fc3 = weight(base, "fc3.weight");

    float[] w = weight.floats();
    float[] transposed = new float[w.length];
    for (int r = 0; r < 128; r++) {
      for (int c = 0; c < 64; c++) {
        transposed[c * 128 + r] = w[r * 64 + c];
      }
    }
    Path edited = ArchiveEditor.copyOf(base)
        .put("model/data/weights/weight_0", floats(transposed))
        .editJson("/model_weights_config.json", root -> {
          ObjectNode cfg = (ObjectNode) root.get("config");
          ((ObjectNode) cfg.get("fc1.weight").get("tensor_meta"))
              .set("strides", ArchiveEditor.json("[{\"as_int\": 1}, {\"as_int\": 128}]"));
          ObjectNode bias = (ObjectNode) cfg.get("fc3.bias");
          bias.put("path_name", "weight_4");
          ((ObjectNode) bias.get("tensor_meta")).set("storage_offset", ArchiveEditor.json("{\"as_int\": 320}"));
        })
        .writeTo(tmp.resolve("strided.pt2"));

    assertTrue(weight.contentEquals(weight(edited, "fc1.weight")));
    float[] expectedBias = java.util.Arrays.copyOfRange(fc3.floats(), 320, 330);
    assertArrayEquals(expectedBias, weight(edited, "fc3.bias").floats());
  }

  private static Tensor weight(Path archive, String fqn) {
    try (Pt2Archive a = Pt2Archive.open(archive, Pt2Limits.DEFAULT)) {
      return Pt2TensorStore.open(a, "model/", Pt2Limits.DEFAULT).weight(fqn, fqn);
    }
  }
}
