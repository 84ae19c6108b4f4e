package org.qforge.cli;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.qforge.ir.QforgeException;

/**
 * A compiled model jar, loaded in its own class loader so that {@code qforge run model.jar} runs
 * exactly the code {@code java -jar} would.
 */
final class JarModel implements AutoCloseable {
  private final URLClassLoader loader;
  private final Object instance;
  private final Method run;
  private final int[] inputShape;
  private final int[] outputShape;

  private JarModel(URLClassLoader loader, Object instance, Method run, int[] inputShape, int[] outputShape) {
    this.loader = loader;
    this.instance = instance;
    this.run = run;
    this.inputShape = inputShape;
    this.outputShape = outputShape;
  }

  static JarModel open(Path jar) {
    return open(jar, true);
  }

  /**
   * Opens {@code jar}; with {@code vectorApi} false its integer kernels run the scalar loops even
   * where the JVM has {@code jdk.incubator.vector} (its {@code VectorSupport} reads
   * {@code qforge.vectorApi} once, initialized here).
   */
  static JarModel open(Path jar, boolean vectorApi) {
    String mainClass;
    try (JarFile f = new JarFile(jar.toFile())) {
      mainClass = f.getManifest() == null ? null : f.getManifest().getMainAttributes().getValue("Main-Class");
    } catch (IOException e) {
      throw new QforgeException(jar + ": not a readable jar: " + e.getMessage(), e);
    }
    if (mainClass == null) {
      throw new QforgeException(jar + ": no Main-Class in the manifest; is it a jar qforge compiled?");
    }
    URLClassLoader loader = null;
    try {
      loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
      org.qforge.codegen.jar.RuntimeClasses.chooseVectorApi(loader, mainClass, vectorApi);
      Class<?> c = loader.loadClass(mainClass);
      Object instance = c.getConstructor().newInstance();
      Method run = c.getMethod("run", float[].class, float[].class);
      int[] in = (int[]) c.getMethod("inputShape").invoke(instance);
      int[] out = (int[]) c.getMethod("outputShape").invoke(instance);
      return new JarModel(loader, instance, run, in, out);
    } catch (ReflectiveOperationException | IOException | LinkageError e) {
      if (loader != null) {
        try {
          loader.close();
        } catch (IOException ignored) {
          // Reporting the load failure matters more.
        }
      }
      throw new QforgeException(jar + ": not a model jar qforge compiled (" + e + ")", e);
    }
  }

  int[] inputShape() {
    return inputShape.clone();
  }

  int[] outputShape() {
    return outputShape.clone();
  }

  void run(float[] in, float[] out) {
    try {
      run.invoke(instance, in, out);
    } catch (InvocationTargetException e) {
      throw new QforgeException("the compiled model failed: " + e.getCause(), e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      loader.close();
    } catch (IOException e) {
      throw new QforgeException("cannot close the model jar: " + e.getMessage(), e);
    }
  }
}
