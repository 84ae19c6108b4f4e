package org.qforge.bench.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.qforge.codegen.JarCompiler;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Tensor;

/**
 * {@code bench/coldstart MODEL_DIR [--runs N]}: what one sample costs a script, JVM start included.
 * Writes the first test sample to {@code x1.npy}, compiles the int8 jar (as {@code qforge-asm-int8}),
 * then times whole processes, interleaved, N times each (default 10): {@code java -version} (the JVM
 * alone), {@code java -jar model.jar x1.npy y.npy} without and with {@code --add-modules
 * jdk.incubator.vector}, and {@link OrtOnce} on {@code model.onnx} and {@code model_ort_int8.onnx}
 * (environment, session creation and one run; it also reports those two in-process times).
 */
public final class ColdStart {
  private static final Pattern ORT_TIMES = Pattern.compile("session_ms=([0-9.]+) run_ms=([0-9.]+)");

  private ColdStart() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    int runs = 10;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--runs") && i + 1 < args.length) {
        runs = Integer.parseInt(args[++i]);
      } else if (dir == null && !args[i].startsWith("-")) {
        // Absolute: the measured processes run in a scratch directory.
        dir = Path.of(args[i]).toAbsolutePath();
      } else {
        System.err.println("usage: bench/coldstart MODEL_DIR [--runs N]");
        System.exit(2);
      }
    }
    if (dir == null || !Files.isRegularFile(dir.resolve("model.pt2")) || !Files.isRegularFile(dir.resolve("calib.npy"))) {
      System.err.println("bench: error: MODEL_DIR needs model.pt2, calib.npy and test_inputs.npy");
      System.exit(1);
    }
    Path work = Files.createTempDirectory("qforge-coldstart");
    int[] shape = Engines.inputShape(dir);
    Tensor all = Npy.read(dir.resolve("test_inputs.npy"));
    float[] first = Arrays.copyOf(all.floats(), ModelBenchmark.product(shape));
    Path x1 = work.resolve("x1.npy");
    Npy.write(Tensor.ofFloats(first, shape), x1);
    Path jar = work.resolve("model.jar");
    Files.write(jar, JarCompiler.compile(Engines.int8(dir),
        new JarCompiler.Options("qforge.generated.Model", JarCompiler.Backend.ASM, "coldstart", "bench")).jar());
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    Path y = work.resolve("y.npy");

    Map<String, List<String>> commands = new LinkedHashMap<>();
    commands.put("JVM alone (java -version)", List.of(java, "-version"));
    commands.put("qforge int8 jar, java -jar", List.of(java, "-jar", jar.toString(), x1.toString(), y.toString()));
    commands.put("qforge int8 jar, --add-modules vector", List.of(java, "--add-modules", "jdk.incubator.vector",
        "-jar", jar.toString(), x1.toString(), y.toString()));
    for (String onnx : List.of("model.onnx", "model_ort_int8.onnx")) {
      if (Files.exists(dir.resolve(onnx))) {
        commands.put("onnxruntime " + onnx, List.of(java, "-cp", cp, OrtOnce.class.getName(),
            dir.resolve(onnx).toString(), x1.toString()));
      }
    }
    Map<String, List<Double>> wall = new LinkedHashMap<>();
    Map<String, List<double[]>> inside = new LinkedHashMap<>();
    for (int r = 0; r < runs; r++) {
      for (Map.Entry<String, List<String>> c : commands.entrySet()) {
        long t0 = System.nanoTime();
        String out = run(c.getValue(), work);
        wall.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
        Matcher m = ORT_TIMES.matcher(out);
        if (m.find()) {
          inside.computeIfAbsent(c.getKey(), k -> new ArrayList<>())
              .add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
        }
      }
    }
    System.out.printf(Locale.ROOT, "%n%s: one sample per process, %d runs each, %d cores, %s %s%n", dir.getFileName(),
        runs, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"));
    System.out.printf(Locale.ROOT, "%-40s %14s %12s %28s%n", "process", "median ms", "min ms", "in process (median)");
    for (Map.Entry<String, List<Double>> e : wall.entrySet()) {
      String detail = "";
      List<double[]> in = inside.get(e.getKey());
      if (in != null) {
        detail = String.format(Locale.ROOT, "session %.1f ms, run %.2f ms", median(in.stream().mapToDouble(v -> v[0])
            .toArray()), median(in.stream().mapToDouble(v -> v[1]).toArray()));
      }
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      System.out.printf(Locale.ROOT, "%-40s %14.1f %12.1f %28s%n", e.getKey(), median(v),
          Arrays.stream(v).min().orElse(Double.NaN), detail);
    }
  }

  private static String run(List<String> command, Path work) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
