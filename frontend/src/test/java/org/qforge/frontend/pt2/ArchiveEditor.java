package org.qforge.frontend.pt2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Builds altered copies of a reference archive for the hostile-input tests: entries can be
 * replaced, removed, added or renamed, stored uncompressed, and the declared sizes in the central
 * directory can be falsified afterwards.
 */
final class ArchiveEditor {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>();
  private final Set<String> stored = new HashSet<>();
  private final Map<String, Long> declaredSizes = new LinkedHashMap<>();
  private final Map<String, String> rawReplacements = new LinkedHashMap<>();

  private ArchiveEditor() {}

  /** Starts from the entries of {@code archive}. */
  static ArchiveEditor copyOf(Path archive) {
    ArchiveEditor e = new ArchiveEditor();
    try (ZipFile zip = new ZipFile(archive.toFile())) {
      Enumeration<? extends ZipEntry> it = zip.entries();
      while (it.hasMoreElements()) {
        ZipEntry z = it.nextElement();
        e.entries.put(z.getName(), zip.getInputStream(z).readAllBytes());
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return e;
  }

  /** The name of the first entry ending with {@code suffix}. */
  String find(String suffix) {
    return entries.keySet().stream().filter(n -> n.endsWith(suffix)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no entry ending with " + suffix));
  }

  byte[] get(String name) {
    return entries.get(name);
  }

  ArchiveEditor put(String name, byte[] data) {
    entries.put(name, data);
    return this;
  }

  ArchiveEditor put(String name, String text) {
    return put(name, text.getBytes(StandardCharsets.UTF_8));
  }

  ArchiveEditor remove(String name) {
    if (entries.remove(name) == null) {
      throw new IllegalArgumentException("no entry " + name);
    }
    return this;
  }

  ArchiveEditor rename(String from, String to) {
    byte[] d = entries.remove(from);
    if (d == null) {
      throw new IllegalArgumentException("no entry " + from);
    }
    entries.put(to, d);
    return this;
  }

  /** Writes entry {@code name} uncompressed. */
  ArchiveEditor stored(String name) {
    stored.add(name);
    return this;
  }

  /** Edits the JSON entry ending with {@code suffix} in place. */
  ArchiveEditor editJson(String suffix, Consumer<ObjectNode> edit) {
    String name = find(suffix);
    try {
      ObjectNode root = (ObjectNode) MAPPER.readTree(entries.get(name));
      edit.accept(root);
      entries.put(name, MAPPER.writeValueAsBytes(root));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return this;
  }

  /** After writing, the central directory will claim {@code size} uncompressed bytes for {@code name}. */
  ArchiveEditor declareSize(String name, long size) {
    declaredSizes.put(name, size);
    return this;
  }

  /**
   * After writing, replaces every occurrence of the bytes of {@code from} in the zip file by those
   * of {@code to} (same length): a way to forge what ZipOutputStream refuses, such as two entries
   * with one name.
   */
  ArchiveEditor replaceRawBytes(String from, String to) {
    if (from.length() != to.length()) {
      throw new IllegalArgumentException("replacement must keep the length");
    }
    rawReplacements.put(from, to);
    return this;
  }

  /** Writes the archive to {@code file} and returns it. */
  Path writeTo(Path file) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry z = new ZipEntry(e.getKey());
        if (stored.contains(e.getKey())) {
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          z.setMethod(ZipEntry.STORED);
          z.setSize(e.getValue().length);
          z.setCompressedSize(e.getValue().length);
          z.setCrc(crc.getValue());
        }
        out.putNextEntry(z);
        out.write(e.getValue());
        out.closeEntry();
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    byte[] zip = bytes.toByteArray();
    declaredSizes.forEach((name, size) -> patchDeclaredSize(zip, name, size));
    rawReplacements.forEach((from, to) -> replaceAll(zip, from.getBytes(StandardCharsets.UTF_8),
        to.getBytes(StandardCharsets.UTF_8)));
    try {
      Files.write(file, zip);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return file;
  }

  /** Rewrites the uncompressed-size field of {@code name}'s central directory header. */
  private static void patchDeclaredSize(byte[] zip, String name, long size) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    for (int p = 0; p + 46 <= zip.length; p++) {
      if (b.getInt(p) != 0x02014b50) {
        continue;
      }
      int nameLength = b.getShort(p + 28) & 0xffff;
      if (nameLength == nameBytes.length
          && java.util.Arrays.equals(zip, p + 46, p + 46 + nameLength, nameBytes, 0, nameLength)) {
        b.putInt(p + 24, (int) size);
        return;
      }
    }
    throw new IllegalArgumentException("no central directory header for " + name);
  }

  private static void replaceAll(byte[] zip, byte[] from, byte[] to) {
    for (int p = 0; p + from.length <= zip.length; p++) {
      if (java.util.Arrays.equals(zip, p, p + from.length, from, 0, from.length)) {
        System.arraycopy(to, 0, zip, p, to.length);
      }
    }
  }

  /** Parses JSON text, for tests that build replacement entries. */
  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
