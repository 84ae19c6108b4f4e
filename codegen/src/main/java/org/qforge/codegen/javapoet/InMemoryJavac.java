package org.qforge.codegen.javapoet;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.qforge.ir.QforgeException;

/** Compiles Java sources held in memory to class files held in memory, with {@code javax.tools}. */
public final class InMemoryJavac {
  private InMemoryJavac() {}

  /**
   * Compiles {@code sources} (by internal name, e.g. {@code com/example/Net}) for Java 17.
   *
   * @return class files by internal name
   * @throws QforgeException with javac's diagnostics if compilation fails or no compiler is available
   */
  public static Map<String, byte[]> compile(Map<String, String> sources) {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    if (compiler == null) {
      throw new QforgeException("the javapoet backend needs a JDK (javax.tools found no Java compiler); "
          + "run qforge with a JDK, or use --backend asm");
    }
    Map<String, byte[]> classes = new TreeMap<>();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileManager fm = new ForwardingJavaFileManager<>(compiler.getStandardFileManager(diagnostics, null, null)) {
      @Override
      public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
          FileObject sibling) {
        return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".class"), kind) {
          @Override
          public OutputStream openOutputStream() {
            return new ByteArrayOutputStream() {
              @Override
              public void close() {
                classes.put(className.replace('.', '/'), toByteArray());
              }
            };
          }
        };
      }
    };
    List<JavaFileObject> units = new ArrayList<>();
    sources.forEach((name, text) -> units.add(new SimpleJavaFileObject(URI.create("string:///" + name + ".java"),
        JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return text;
      }
    }));
    StringWriter log = new StringWriter();
    boolean ok = compiler.getTask(log, fm, diagnostics, List.of("--release", "17", "--add-modules", "jdk.incubator.vector", "-g:none", "-nowarn"), null, units)
        .call();
    if (!ok) {
      StringBuilder sb = new StringBuilder("generated Java sources did not compile (a qforge bug):");
      diagnostics.getDiagnostics().stream().limit(5).forEach(d -> sb.append(' ').append(d.getMessage(null)));
      throw new IllegalStateException(sb.toString());
    }
    return classes;
  }
}
