package org.qforge.passes.quant.observer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Readers for the shared reference data, kept minimal and free of the frontend module: little-endian
 * float32 {@code .npy} files, JSON (objects, arrays, numbers, strings, booleans, null) and the weights
 * of a {@code .pt2} archive.
 */
final class TestData {
  /** {@code ../shared/reference}; tests run with the repository root as working directory. */
  static final Path REFERENCE = Path.of("..", "shared", "reference");

  private TestData() {}

  /** A float32 array and its shape. */
  record FloatArray(float[] data, int[] shape) {}

  /** Reads a C-order {@code '<f4'} {@code .npy} file (format 1.0 or 2.0). */
  static FloatArray readNpyF32(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all[0] != (byte) 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
      throw new IOException(file + " is not a .npy file");
    }
    int major = all[6];
    int headerLen;
    int offset;
    if (major == 1) {
      headerLen = b.getShort(8) & 0xffff;
      offset = 10;
    } else {
      headerLen = b.getInt(8);
      offset = 12;
    }
    String header = new String(all, offset, headerLen, StandardCharsets.US_ASCII);
    if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
      throw new IOException(file + ": expected C-order '<f4', got " + header);
    }
    String shapeText = header.substring(header.indexOf("'shape': (") + 10);
    shapeText = shapeText.substring(0, shapeText.indexOf(')'));
    List<Integer> dims = new ArrayList<>();
    for (String part : shapeText.split(",")) {
      if (!part.isBlank()) {
        dims.add(Integer.parseInt(part.trim()));
      }
    }
    int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] data = new float[n];
    ByteBuffer body = ByteBuffer.wrap(all, offset + headerLen, n * 4).slice().order(ByteOrder.LITTLE_ENDIAN);
    body.asFloatBuffer().get(data);
    return new FloatArray(data, shape);
  }

  /** Parses a JSON file into maps, lists, doubles, strings, booleans and nulls. */
  static Object readJson(Path file) throws IOException {
    return new Json(Files.readString(file)).parse();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Object json) {
    return (Map<String, Object>) json;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object json) {
    return (List<Object>) json;
  }

  /** A JSON array of numbers as floats (the recorded values are float32 printed as doubles). */
  static float[] floats(Object json) {
    List<Object> l = list(json);
    float[] out = new float[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (double) (Double) l.get(i);
    }
    return out;
  }

  /**
   * The float32 tensor {@code fqn} (e.g. {@code fc.weight}) of a {@code .pt2} archive, read with
   * java.util.zip from {@code <root>/data/weights/<path_name>} as described by
   * {@code model_weights_config.json}. Contiguous tensors at offset 0 only.
   */
  static FloatArray readPt2Weight(Path archive, String fqn) throws IOException {
    try (ZipFile zip = new ZipFile(archive.toFile())) {
      ZipEntry configEntry = find(zip, "data/weights/model_weights_config.json");
      String root = configEntry.getName().substring(0, configEntry.getName().indexOf("data/weights/"));
      Map<String, Object> config = object(object(new Json(read(zip, configEntry)).parse()).get("config"));
      Map<String, Object> entry = object(config.get(fqn));
      if (entry == null) {
        throw new IOException(fqn + " not in " + archive);
      }
      Map<String, Object> meta = object(entry.get("tensor_meta"));
      if (((Double) meta.get("dtype")).intValue() != 7) {
        throw new IOException(fqn + " is not float32");
      }
      List<Object> sizes = list(meta.get("sizes"));
      int[] shape = new int[sizes.size()];
      int n = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = ((Double) object(sizes.get(i)).get("as_int")).intValue();
        n *= shape[i];
      }
      ZipEntry data = zip.getEntry(root + "data/weights/" + entry.get("path_name"));
      byte[] bytes;
      try (InputStream in = zip.getInputStream(data)) {
        bytes = in.readAllBytes();
      }
      if (bytes.length != n * 4) {
        throw new IOException(fqn + ": " + bytes.length + " bytes for " + n + " floats");
      }
      float[] values = new float[n];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      return new FloatArray(values, shape);
    }
  }

  private static ZipEntry find(ZipFile zip, String suffix) throws IOException {
    Enumeration<? extends ZipEntry> entries = zip.entries();
    while (entries.hasMoreElements()) {
      ZipEntry e = entries.nextElement();
      if (e.getName().endsWith(suffix)) {
        return e;
      }
    }
    throw new IOException("no " + suffix + " in " + zip.getName());
  }

  private static String read(ZipFile zip, ZipEntry e) throws IOException {
    try (InputStream in = zip.getInputStream(e)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A small recursive-descent JSON parser (numbers as doubles; NaN/Infinity as Python writes them). */
  private static final class Json {
    private final String s;
    private int pos;

    Json(String s) {
      this.s = s;
    }

    Object parse() {
      Object v = value();
      skip();
      if (pos != s.length()) {
        throw new IllegalArgumentException("trailing data at " + pos);
      }
      return v;
    }

    private Object value() {
      skip();
      char c = s.charAt(pos);
      switch (c) {
        case '{': {
          pos++;
          Map<String, Object> m = new LinkedHashMap<>();
          skip();
          if (s.charAt(pos) == '}') {
            pos++;
            return m;
          }
          while (true) {
            skip();
            String key = string();
            skip();
            expect(':');
            m.put(key, value());
            skip();
            if (s.charAt(pos) == ',') {
              pos++;
            } else {
              expect('}');
              return m;
            }
          }
        }
        case '[': {
          pos++;
          List<Object> l = new ArrayList<>();
          skip();
          if (s.charAt(pos) == ']') {
            pos++;
            return l;
          }
          while (true) {
            l.add(value());
            skip();
            if (s.charAt(pos) == ',') {
              pos++;
            } else {
              expect(']');
              return l;
            }
          }
        }
        case '"':
          return string();
        default:
          if (s.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
          }
          if (s.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
          }
          if (s.startsWith("null", pos)) {
            pos += 4;
            return null;
          }
          return number();
      }
    }

    private Double number() {
      int start = pos;
      while (pos < s.length() && "+-0123456789.eEInfinityNa".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      return Double.valueOf(s.substring(start, pos));
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\') {
          char e = s.charAt(pos++);
          switch (e) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'u' -> {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
              pos += 4;
            }
            default -> sb.append(e);
          }
        } else {
          sb.append(c);
        }
      }
    }

    private void expect(char c) {
      if (s.charAt(pos) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at " + pos);
      }
      pos++;
    }

    private void skip() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }
  }
}
