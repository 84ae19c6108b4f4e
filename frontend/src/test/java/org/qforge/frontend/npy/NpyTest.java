package org.qforge.frontend.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.Reference;
import org.qforge.ir.DType;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

class NpyTest {
  @TempDir Path tmp;

  // ------------------------------------------------------------------ reading NumPy's files

  @Test
  void readsReferenceInputs() {
    Tensor t = Npy.read(Reference.dir("digits_rescnn").resolve("test_inputs.npy"));
    assertEquals(TensorType.of(DType.F32, 500, 1, 8, 8), t.type());
    assertArrayEquals(new float[] {0f, 0f, 0f, 0.25f}, Arrays.copyOf(t.floats(), 4));
    double sum = 0;
    for (float v : t.floats()) {
      sum += v;
    }
    assertEquals(9760.375, sum, 1e-6);
  }

  @Test
  void readsReferenceLabels() {
    Tensor t = Npy.read(Reference.dir("digits_rescnn").resolve("test_labels.npy"));
    assertEquals(TensorType.of(DType.I64, 500), t.type());
    assertArrayEquals(new long[] {1, 7, 6, 5, 2}, Arrays.copyOf(t.longs(), 5));
  }

  @Test
  void rewritesNumPysFileByteForByte() throws IOException {
    for (String f : List.of("test_inputs.npy", "test_labels.npy", "fp32_out.npy")) {
      Path original = Reference.dir("digits_rescnn").resolve(f);
      Path copy = tmp.resolve(f);
      Npy.write(Npy.read(original), copy);
      assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy), f);
    }
  }

  // ------------------------------------------------------------------ round trips

  @Test
  void roundTripsEveryDType() {
    for (DType d : DType.values()) {
      if (d == DType.BF16) {
        continue;
      }
      Tensor t = Tensor.zeros(TensorType.of(d, 2, 3));
      for (int i = 0; i < t.numel(); i++) {
        t.setDouble(i, d == DType.BOOL ? i % 2 : i - 2.5);
      }
      Path p = tmp.resolve(d + ".npy");
      Npy.write(t, p);
      assertTrue(t.contentEquals(Npy.read(p)), d.toString());
    }
  }

  @Test
  void roundTripsScalarsVectorsAndEmptyArrays() {
    for (Tensor t : List.of(Tensor.scalar(DType.F32, 3.5), Tensor.ofFloats(new float[] {1, 2, 3}, 3),
        Tensor.zeros(TensorType.of(DType.I32, 0, 4)))) {
      Path p = tmp.resolve("t.npy");
      Npy.write(t, p);
      assertTrue(t.contentEquals(Npy.read(p)), t.toString());
    }
  }

  @Test
  void headerLooksLikeNumPys() {
    byte[] b = Npy.toBytes(Tensor.ofFloats(new float[3], 3));
    String header = new String(b, 10, 128 - 10, StandardCharsets.ISO_8859_1);
    assertEquals(128 + 12, b.length);
    assertEquals(1, b[6]);
    assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }   "), header);
    assertTrue(header.endsWith(" \n"));
  }

  @Test
  void writesVersion2WhenTheHeaderIsLong() {
    int[] dims = new int[30_000];
    Arrays.fill(dims, 1);
    Tensor t = Tensor.zeros(TensorType.of(DType.F32, dims));
    byte[] b = Npy.toBytes(t);
    assertEquals(2, b[6]);
    assertEquals(0, (b.length - 4) % 64);
    assertTrue(t.contentEquals(Npy.read(new ByteArrayInputStream(b), "long.npy")));
  }

  @Test
  void readsVersions2And3() {
    String header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
    for (int major : new int[] {2, 3}) {
      byte[] file = npy(major, header, ints(7, -8));
      Tensor t = Npy.read(new ByteArrayInputStream(file), "v" + major + ".npy");
      assertArrayEquals(new int[] {7, -8}, t.ints());
    }
  }

  @Test
  void readsHalfFloatsAsF16() {
    byte[] data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 0x3c00).putShort((short) 0xc000).array();
    Tensor t = Npy.read(new ByteArrayInputStream(
        npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", data)), "h.npy");
    assertEquals(DType.F16, t.dtype());
    assertEquals(1.0, t.getDouble(0));
    assertEquals(-2.0, t.getDouble(1));
  }

  @Test
  void toleratesHeaderVariants() {
    // Double quotes, no trailing comma, other key order, Python 2 long suffixes.
    String header = "{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<i4\"}";
    Tensor t = Npy.read(new ByteArrayInputStream(npy(1, header, ints(1, 2))), "v.npy");
    assertEquals(TensorType.of(DType.I32, 2, 1), t.type());
  }

  @Test
  void streamReadsConsecutiveArrays() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(Tensor.ofFloats(new float[] {1, 2}, 2), out);
    Npy.write(Tensor.ofLongs(new long[] {3}, 1), out);
    InputStream in = new ByteArrayInputStream(out.toByteArray());
    assertArrayEquals(new float[] {1, 2}, Npy.read(in, "s").floats());
    assertArrayEquals(new long[] {3}, Npy.read(in, "s").longs());
  }

  // ------------------------------------------------------------------ errors

  @Test
  void truncatedData() throws IOException {
    Path p = tmp.resolve("x.npy");
    byte[] full = Npy.toBytes(Tensor.zeros(TensorType.of(DType.F32, 8, 64)));
    Files.write(p, Arrays.copyOf(full, 128 + 1000));
    assertEquals(p + ": expected 2048 bytes of <f4 data for shape (8, 64), found 1000", readError(p));
    QforgeException e = assertThrows(QforgeException.class,
        () -> Npy.read(new ByteArrayInputStream(Arrays.copyOf(full, 128 + 1000)), "x.npy"));
    assertEquals("x.npy: expected 2048 bytes of <f4 data for shape (8, 64), found 1000", e.getMessage());
  }

  @Test
  void trailingData() throws IOException {
    Path p = tmp.resolve("x.npy");
    byte[] full = Npy.toBytes(Tensor.zeros(TensorType.of(DType.F32, 4)));
    Files.write(p, Arrays.copyOf(full, full.length + 3));
    assertEquals(p + ": expected 16 bytes of <f4 data for shape (4,), found 19", readError(p));
  }

  @Test
  void hugeShapeOnTinyFileFailsWithoutAllocating() {
    byte[] file = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 5000), }", new byte[8]);
    QforgeException e = assertThrows(QforgeException.class,
        () -> Npy.read(new ByteArrayInputStream(file), "big.npy"));
    assertEquals("big.npy: expected 2000000000 bytes of <f4 data for shape (100000, 5000), found 8", e.getMessage());
  }

  @Test
  void bigEndian() {
    assertTrue(streamError("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4)
        .contains("big-endian data (>f4) is not supported"));
  }

  @Test
  void fortranOrder() {
    assertTrue(streamError("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16)
        .contains("Fortran-order (column-major) arrays are not supported"));
  }

  @Test
  void objectArrays() {
    assertTrue(streamError("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8)
        .contains("object arrays (|O) are not supported"));
  }

  @Test
  void unsupportedDType() {
    assertTrue(streamError("{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", 4)
        .contains("dtype <u4 is not supported"));
  }

  @Test
  void structuredDType() {
    assertTrue(streamError("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4)
        .contains("structured dtypes"));
  }

  @Test
  void malformedHeaders() {
    for (String h : List.of("{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}",
        "__import__('os').system('echo hi')",
        "[" .repeat(1000))) {
      assertTrue(streamError(h, 4).contains("malformed .npy header"), h);
    }
  }

  @Test
  void negativeDimension() {
    assertTrue(streamError("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4)
        .contains("invalid dimension -1"));
  }

  @Test
  void headerTooLong() {
    byte[] b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
        .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(Integer.MAX_VALUE).array();
    QforgeException e = assertThrows(QforgeException.class,
        () -> Npy.read(new ByteArrayInputStream(b), "h.npy"));
    assertEquals("h.npy: .npy header too long (2147483647 bytes; the limit is 1048576)", e.getMessage());
  }

  @Test
  void notNpyAndBadVersion() {
    QforgeException e = assertThrows(QforgeException.class,
        () -> Npy.read(new ByteArrayInputStream("PK\3\4 zip".getBytes(StandardCharsets.ISO_8859_1)), "a.npy"));
    assertEquals("a.npy: not a .npy file (it does not start with \\x93NUMPY)", e.getMessage());
    byte[] v4 = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new byte[4]);
    v4[6] = 4;
    e = assertThrows(QforgeException.class, () -> Npy.read(new ByteArrayInputStream(v4), "b.npy"));
    assertEquals("b.npy: unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)", e.getMessage());
  }

  @Test
  void missingFile() {
    Path p = tmp.resolve("none.npy");
    assertEquals(p + ": no such file", readError(p));
  }

  @Test
  void bf16CannotBeWritten() {
    Path p = tmp.resolve("b.npy");
    QforgeException e = assertThrows(QforgeException.class,
        () -> Npy.write(Tensor.zeros(TensorType.of(DType.BF16, 2)), p));
    assertEquals(p + ": bf16 tensors have no NumPy dtype; convert them to f32 first", e.getMessage());
  }

  // ------------------------------------------------------------------ helpers

  private static String readError(Path p) {
    return assertThrows(QforgeException.class, () -> Npy.read(p)).getMessage();
  }

  private static String streamError(String header, int dataBytes) {
    byte[] file = npy(1, header, new byte[dataBytes]);
    String m = assertThrows(QforgeException.class,
        () -> Npy.read(new ByteArrayInputStream(file), "t.npy")).getMessage();
    assertTrue(m.startsWith("t.npy: "), m);
    return m;
  }

  /** A .npy file with the given version and raw header text, unpadded. */
  private static byte[] npy(int major, String header, byte[] data) {
    byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    int lengthBytes = major == 1 ? 2 : 4;
    ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (lengthBytes == 2) {
      b.putShort((short) h.length);
    } else {
      b.putInt(h.length);
    }
    return b.put(h).put(data).array();
  }

  private static byte[] ints(int... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }
}
