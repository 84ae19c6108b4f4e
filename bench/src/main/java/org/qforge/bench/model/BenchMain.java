package org.qforge.bench.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Tensor;

/**
 * {@code bench/run MODEL_DIR --json OUT.json [--quick]}: every available engine on one model with
 * JMH (one thread, batch 1; one fork each with {@code --quick}, three otherwise, their samples pooled:
 * on JDK 17 a JVM now and then compiles the Vector API conv tile badly, bench/README.md), a table of
 * medians and ratios on stdout, and the contract's JSON. Before timing, each engine's output on the first test sample is compared with
 * PyTorch's fp32 output so that a fast wrong engine cannot win.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    Path json = null;
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = Path.of(args[++i]);
        case "--quick" -> quick = true;
        default -> {
          if (dir != null) {
            usage("unexpected argument " + args[i]);
          }
          dir = Path.of(args[i]);
        }
      }
    }
    if (dir == null || json == null) {
      usage("MODEL_DIR and --json are required");
    }
    if (!Files.isRegularFile(dir.resolve("model.pt2")) || !Files.isRegularFile(dir.resolve("test_inputs.npy"))) {
      System.err.println("bench: error: " + dir + " needs model.pt2 and test_inputs.npy");
      System.exit(1);
    }
    List<String> engines = new ArrayList<>();
    for (String e : Engines.NAMES) {
      if (Engines.available(e, dir)) {
        engines.add(e);
      }
    }
    // The jars compiled for the check are the ones the forks load (Engines.PREBUILT_JARS).
    Path jars = Files.createTempDirectory("qforge-bench-jars");
    Map<String, String> accuracy = checkOutputs(dir, engines, jars);
    Options opts = new OptionsBuilder()
        .include(ModelBenchmark.class.getName())
        .param("modelDir", dir.toAbsolutePath().toString())
        .param("engine", engines.toArray(String[]::new))
        .forks(quick ? 1 : 3)
        .threads(1)
        // Five seconds of warm-up even with --quick: with every kernel on the Vector API, C2 takes
        // ~3.5 s on two cores to compile resnet20's (a run every 0.5 s window: bench/README.md).
        .warmupIterations(5)
        .warmupTime(TimeValue.seconds(quick ? 1 : 2))
        .measurementIterations(quick ? 3 : 5)
        .measurementTime(TimeValue.seconds(quick ? 1 : 2))
        .jvmArgsAppend("-Xmx2g", "--add-modules=jdk.incubator.vector", "-D" + Engines.PREBUILT_JARS + "=" + jars)
        .build();
    Collection<RunResult> results;
    try {
      results = new Runner(opts).run();
    } finally {
      try (java.util.stream.Stream<Path> files = Files.list(jars)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(jars);
    }

    Map<String, double[]> byEngine = new LinkedHashMap<>();
    for (RunResult r : results) {
      Statistics s = r.getPrimaryResult().getStatistics();
      byEngine.put(r.getParams().getParam("engine"),
          new double[] {s.getPercentile(50), s.getPercentile(10), s.getPercentile(90)});
    }
    print(dir, byEngine, accuracy);
    write(json, dir, byEngine);
  }

  private static void usage(String why) {
    System.err.println("bench: error: " + why);
    System.err.println("usage: bench/run MODEL_DIR --json OUT.json [--quick]");
    System.exit(2);
  }

  /**
   * Max difference of each engine's first output from PyTorch's fp32 output; the jars compiled for it
   * stay in {@code work}.
   */
  private static Map<String, String> checkOutputs(Path dir, List<String> engines, Path work) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    Tensor x = Npy.read(dir.resolve("test_inputs.npy"));
    Path ref = dir.resolve("fp32_out.npy");
    Tensor want = Files.exists(ref) ? Npy.read(ref) : null;
    int[] in = Engines.inputShape(dir);
    int[] outShape = Engines.outputShape(dir);
    float[] input = new float[ModelBenchmark.product(in)];
    System.arraycopy(x.floats(), 0, input, 0, input.length);
    for (String e : engines) {
      try (Engine engine = Engines.open(e, dir, work)) {
        float[] y = new float[ModelBenchmark.product(outShape)];
        engine.run(input, y);
        double max = 0;
        for (int i = 0; want != null && i < y.length; i++) {
          max = Math.max(max, Math.abs(y[i] - want.getDouble(i)));
        }
        out.put(e, want == null ? "n/a" : String.format(Locale.ROOT, "%.2g", max));
      }
    }
    return out;
  }

  private static void print(Path dir, Map<String, double[]> r, Map<String, String> accuracy) {
    double ortFp32 = r.containsKey("onnxruntime-fp32") ? r.get("onnxruntime-fp32")[0] : Double.NaN;
    System.out.printf(Locale.ROOT, "%n%s: batch 1, 1 thread, %d cores, %s %s, %s (%s)%n", dir.getFileName(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), cpuModel(), String.join(" ", vectorFlags()));
    System.out.printf(Locale.ROOT, "%-26s %12s %12s %12s %14s %18s%n", "engine", "median us", "p10 us", "p90 us",
        "vs ORT fp32", "max |y - fp32|");
    for (Map.Entry<String, double[]> e : r.entrySet()) {
      double[] v = e.getValue();
      System.out.printf(Locale.ROOT, "%-26s %12.1f %12.1f %12.1f %13.2fx %18s%n", e.getKey(), v[0], v[1], v[2],
          ortFp32 / v[0], accuracy.getOrDefault(e.getKey(), ""));
    }
  }

  private static void write(Path json, Path dir, Map<String, double[]> r) throws Exception {
    ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = m.createObjectNode();
    root.put("model", dir.toAbsolutePath().normalize().getFileName().toString());
    ObjectNode machine = root.putObject("machine");
    machine.put("nproc", Runtime.getRuntime().availableProcessors());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    machine.put("cpu", cpuModel());
    machine.put("cpu_flags", String.join(" ", vectorFlags()));
    machine.put("fork_jvm_args", "-Xmx2g --add-modules=jdk.incubator.vector");
    ArrayNode results = root.putArray("results");
    r.forEach((engine, v) -> {
      ObjectNode o = results.addObject();
      o.put("engine", engine);
      o.put("batch", 1);
      o.put("threads", 1);
      o.put("median_us", v[0]);
      o.put("p10_us", v[1]);
      o.put("p90_us", v[2]);
    });
    Path tmp = Files.createTempFile(json.toAbsolutePath().getParent(), ".bench", ".tmp");
    Files.write(tmp, m.writeValueAsBytes(root));
    Files.move(tmp, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The CPU's SIMD flags that matter to the JIT's vector code (from /proc/cpuinfo). */
  private static List<String> vectorFlags() {
    List<String> wanted = List.of("sse4_1", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
        "avx_vnni");
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          List<String> have = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
          return wanted.stream().filter(have::contains).toList();
        }
      }
    } catch (Exception e) {
      return List.of();
    }
    return List.of();
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (Exception e) {
      return "unknown";
    }
    return "unknown";
  }
}
