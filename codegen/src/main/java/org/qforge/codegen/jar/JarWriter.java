package org.qforge.codegen.jar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes a compiled model jar reproducibly: entries in sorted order with one fixed timestamp, so the
 * same model compiles to the same bytes.
 */
public final class JarWriter {
  /** 2000-01-01T00:00:00Z: any fixed instant works; zip times before 1980 are not representable. */
  private static final long FIXED_TIME = 946_684_800_000L;

  private JarWriter() {}

  /**
   * The jar: manifest (Main-Class = the model class), class files, the weights resource and a
   * description resource.
   *
   * @param classes class files by internal name (model and runtime)
   */
  public static byte[] write(ModelLayout layout, Map<String, byte[]> classes, String qforgeVersion) {
    Map<String, byte[]> entries = new TreeMap<>();
    classes.forEach((name, bytes) -> entries.put(name + ".class", bytes));
    String dir = layout.packageName().isEmpty() ? "" : layout.packageName().replace('.', '/') + "/";
    entries.put(dir + layout.weightsResource(), layout.weightsBytes());
    entries.put(dir + layout.simpleName() + ".txt", (layout.description() + "\n").getBytes(StandardCharsets.UTF_8));

    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.put(Attributes.Name.MAIN_CLASS, layout.className());
    main.put(new Attributes.Name("Created-By"), "qforge " + qforgeVersion);
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
      try (JarOutputStream jar = new JarOutputStream(bytes)) {
        JarEntry m = new JarEntry("META-INF/MANIFEST.MF");
        m.setTime(FIXED_TIME);
        jar.putNextEntry(m);
        manifest.write(jar);
        jar.closeEntry();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          JarEntry je = new JarEntry(e.getKey());
          je.setTime(FIXED_TIME);
          jar.putNextEntry(je);
          jar.write(e.getValue());
          jar.closeEntry();
        }
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
