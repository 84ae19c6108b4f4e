package org.qforge.frontend.pt2;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.qforge.ir.QforgeException;

/**
 * Read-only, bounded access to the zip container of a {@code .pt2} file.
 *
 * <p>Nothing is extracted to disk, but entry names are still validated when the archive is opened
 * (no {@code ..} segments, absolute paths, backslashes or duplicates), because a file with such
 * names was not written by {@code torch.export.save} and other tools may extract it unsafely.
 * Entries are read with the size the central directory declares as a hard bound, and the real
 * size and CRC are checked while reading: the declared size alone proves nothing.
 */
public final class Pt2Archive implements Closeable {
  private final String source;
  private final ZipFile zip;
  private final Pt2Limits limits;
  private final Map<String, ZipEntry> entries;
  private long bytesRead;

  private Pt2Archive(String source, ZipFile zip, Pt2Limits limits, Map<String, ZipEntry> entries) {
    this.source = source;
    this.zip = zip;
    this.limits = limits;
    this.entries = entries;
  }

  /**
   * Opens {@code file} and validates its directory.
   *
   * @throws QforgeException if the file is missing, not a zip, or lists unsafe or too many entries
   */
  public static Pt2Archive open(Path file, Pt2Limits limits) {
    String source = file.toString();
    if (!Files.exists(file)) {
      throw new QforgeException(source + ": no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new QforgeException(source + ": not a regular file");
    }
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new QforgeException(source + ": not a zip archive (a .pt2 file written by"
          + " torch.export.save is one): " + e.getMessage(), e);
    } catch (IOException e) {
      throw new QforgeException(source + ": cannot read: " + e.getMessage(), e);
    }
    try {
      return new Pt2Archive(source, zip, limits, validatedEntries(source, zip, limits));
    } catch (RuntimeException e) {
      closeQuietly(zip, e);
      throw e;
    }
  }

  private static Map<String, ZipEntry> validatedEntries(String source, ZipFile zip, Pt2Limits limits) {
    if (zip.size() > limits.maxEntries()) {
      throw new QforgeException(source + ": the archive lists " + zip.size()
          + " entries, more than the limit of " + limits.maxEntries());
    }
    Map<String, ZipEntry> m = new LinkedHashMap<>();
    Enumeration<? extends ZipEntry> e = zip.entries();
    while (e.hasMoreElements()) {
      ZipEntry entry = e.nextElement();
      String name = entry.getName();
      String problem = nameProblem(name);
      if (problem != null) {
        throw new QforgeException(source + ": unsafe entry name '" + printable(name) + "': " + problem);
      }
      if (m.put(name, entry) != null) {
        // Two readers could pick different copies; refuse rather than guess.
        throw new QforgeException(source + ": entry '" + name + "' appears twice");
      }
    }
    return m;
  }

  /** Why {@code name} could escape an extraction directory, or null if it is safe. */
  static String nameProblem(String name) {
    if (name.isEmpty()) {
      return "the name is empty";
    }
    if (name.indexOf('\\') >= 0) {
      return "it contains a backslash";
    }
    if (name.startsWith("/")) {
      return "it is an absolute path";
    }
    if (name.length() >= 2 && name.charAt(1) == ':') {
      return "it starts with a drive letter";
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) < 0x20 || name.charAt(i) == 0x7f) {
        return "it contains a control character";
      }
    }
    String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    for (String segment : body.split("/", -1)) {
      if (segment.equals("..")) {
        return "it contains a '..' segment";
      }
      if (segment.isEmpty() || segment.equals(".")) {
        return "it contains an empty or '.' segment";
      }
    }
    return null;
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.toString();
  }

  /** The archive's path as the user gave it, for messages. */
  public String source() {
    return source;
  }

  /** All entry names, in directory order. */
  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(entries.keySet()));
  }

  public boolean contains(String name) {
    ZipEntry e = entries.get(name);
    return e != null && !e.isDirectory();
  }

  /**
   * Reads entry {@code name} completely.
   *
   * @param maxBytes the largest size acceptable for this kind of entry (further capped by the
   *     limits' per-entry bound)
   * @throws QforgeException if the entry is missing, larger than {@code maxBytes} or than its
   *     header declares, shorter than declared, corrupt, or would exceed the archive's total budget
   */
  public byte[] read(String name, long maxBytes) {
    ZipEntry entry = entries.get(name);
    if (entry == null || entry.isDirectory()) {
      throw new QforgeException(source + ": missing entry '" + name + "'");
    }
    long cap = Math.min(maxBytes, limits.maxEntryBytes());
    long declared = entry.getSize();
    if (declared > cap) {
      throw new QforgeException(source + ": entry '" + name + "' declares " + declared
          + " bytes, more than the limit of " + cap);
    }
    long budget = limits.maxTotalBytes() - bytesRead;
    if (declared > budget) {
      throw new QforgeException(source + ": reading entry '" + name + "' (" + declared
          + " bytes) exceeds the limit of " + limits.maxTotalBytes() + " bytes read from one archive");
    }
    long bound = declared >= 0 ? declared : Math.min(cap, budget);
    byte[] data;
    CRC32 crc = new CRC32();
    try (InputStream in = new CheckedInputStream(zip.getInputStream(entry), crc)) {
      // One byte past the bound tells "exactly the declared size" from "more than declared".
      data = in.readNBytes((int) Math.min(bound + 1, Integer.MAX_VALUE - 8));
    } catch (IOException e) {
      throw new QforgeException(source + ": entry '" + name + "' is corrupt: " + e.getMessage(), e);
    }
    if (data.length > bound) {
      throw new QforgeException(source + ": entry '" + name + "' holds more data than "
          + (declared >= 0 ? "the " + declared + " bytes its header declares" : "the limit of " + cap + " bytes"));
    }
    if (declared >= 0 && data.length < declared) {
      throw new QforgeException(source + ": entry '" + name + "' is truncated: its header declares "
          + declared + " bytes, found " + data.length);
    }
    if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
      throw new QforgeException(source + ": entry '" + name + "' is corrupt (CRC mismatch)");
    }
    bytesRead += data.length;
    return data;
  }

  @Override
  public void close() {
    try {
      zip.close();
    } catch (IOException e) {
      // Only reads happened; a failure to release the file handle loses no data.
    }
  }

  private static void closeQuietly(ZipFile zip, RuntimeException pending) {
    try {
      zip.close();
    } catch (IOException suppressed) {
      pending.addSuppressed(suppressed);
    }
  }
}
