package org.qforge.codegen.jar;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.SimpleRemapper;

/**
 * The runtime support classes ({@code org.qforge.codegen.runtime}) as class files relocated into a
 * model's package, so that a compiled jar depends on nothing but the JDK.
 */
public final class RuntimeClasses {
  /** The runtime classes every jar carries. */
  public static final List<String> NAMES = List.of(
      "CompiledModel", "WeightsLoader", "NpyMain", "VectorSupport", "Int8VectorKernels", "FloatRequantization",
      "OpaqueZero");
  private static final String PACKAGE = "org/qforge/codegen/runtime/";

  private RuntimeClasses() {}

  /** Relocated class files by internal name. */
  public static Map<String, byte[]> relocated(ModelLayout layout) {
    Map<String, String> mapping = new LinkedHashMap<>();
    for (String n : NAMES) {
      mapping.put(PACKAGE + n, layout.runtimeInternalName(n));
    }
    SimpleRemapper remapper = new SimpleRemapper(Opcodes.ASM9, mapping);
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String n : NAMES) {
      ClassReader reader = new ClassReader(bytes(PACKAGE + n + ".class"));
      ClassWriter writer = new ClassWriter(0);
      reader.accept(new ClassRemapper(writer, remapper), 0);
      out.put(layout.runtimeInternalName(n), writer.toByteArray());
    }
    return out;
  }

  /** The runtime's Java sources relocated into the model's package (for the source backend). */
  public static Map<String, String> relocatedSources(ModelLayout layout) {
    Map<String, String> out = new LinkedHashMap<>();
    String pkg = layout.packageName();
    for (String n : NAMES) {
      String src = new String(bytes("qforge-runtime-src/" + n + ".java"), java.nio.charset.StandardCharsets.UTF_8);
      src = src.replace("package org.qforge.codegen.runtime;", pkg.isEmpty() ? "" : "package " + pkg + ";");
      out.put(layout.runtimeInternalName(n), src);
    }
    return out;
  }

  /**
   * Decides, for a compiled model loaded by {@code loader}, whether its integer kernels use the Vector
   * API ({@code vectorApi}, if the JVM has the module) or the scalar loops: its {@code VectorSupport}
   * reads {@code qforge.vectorApi} once, when initialized, which this does with the property set and
   * then restores the property. A jar without {@code VectorSupport} (compiled before it) is left alone.
   *
   * @param modelClass the model's binary class name; runtime classes sit in its package
   */
  public static void chooseVectorApi(ClassLoader loader, String modelClass, boolean vectorApi) {
    String pkg = modelClass.contains(".") ? modelClass.substring(0, modelClass.lastIndexOf('.') + 1) : "";
    String before = System.setProperty("qforge.vectorApi", Boolean.toString(vectorApi));
    try {
      Class.forName(pkg + "VectorSupport", true, loader);
    } catch (ClassNotFoundException e) {
      // Nothing to choose.
    } finally {
      if (before == null) {
        System.clearProperty("qforge.vectorApi");
      } else {
        System.setProperty("qforge.vectorApi", before);
      }
    }
  }

  private static byte[] bytes(String resource) {
    try (InputStream in = RuntimeClasses.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("runtime resource " + resource + " is missing from qforge's codegen jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
