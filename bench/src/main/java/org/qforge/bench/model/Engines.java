package org.qforge.bench.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.qforge.codegen.JarCompiler;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.interp.Interpreter;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.lower.LowerToIntegerOps;
import org.qforge.passes.quant.Calibration;
import org.qforge.passes.quant.FuseConvBatchNorm;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * The engines {@code bench/run} compares, built from a model directory laid out like
 * {@code ../shared/reference/<model>/}: the interpreter, compiled jars (fp32 and int8, both backends),
 * and ONNX Runtime Java on {@code model.onnx} and the peer's own {@code model_ort_int8.onnx}.
 */
public final class Engines {
  /** Engine names as the contract's JSON spells them. */
  public static final List<String> NAMES = List.of("qforge-interpreter-fp32", "qforge-asm-fp32", "qforge-asm-int8",
      "qforge-asm-int8-scalar", "qforge-javapoet-int8", "onnxruntime-fp32", "onnxruntime-int8");

  private Engines() {}

  /** Builds engine {@code name} for the model in {@code dir}; scratch files go to {@code work}. */
  public static Engine open(String name, Path dir, Path work) throws Exception {
    return switch (name) {
      case "qforge-interpreter-fp32" -> interpreter(Pt2Importer.importFile(dir.resolve("model.pt2")));
      case "qforge-asm-fp32" -> jar(() -> fp32(dir), JarCompiler.Backend.ASM, work, "fp32-asm.jar", true);
      case "qforge-asm-int8" -> jar(() -> int8(dir), JarCompiler.Backend.ASM, work, "int8-asm.jar", true);
      case "qforge-asm-int8-scalar" -> jar(() -> int8(dir), JarCompiler.Backend.ASM, work, "int8-asm-scalar.jar", false);
      case "qforge-javapoet-int8" -> jar(() -> int8(dir), JarCompiler.Backend.JAVAPOET, work, "int8-javapoet.jar", true);
      case "onnxruntime-fp32" -> onnx(dir.resolve("model.onnx"));
      case "onnxruntime-int8" -> onnx(dir.resolve("model_ort_int8.onnx"));
      default -> throw new IllegalArgumentException("unknown engine " + name + "; engines: " + NAMES);
    };
  }

  /** Whether the model directory has what engine {@code name} needs. */
  public static boolean available(String name, Path dir) {
    return switch (name) {
      case "onnxruntime-fp32" -> Files.exists(dir.resolve("model.onnx"));
      case "onnxruntime-int8" -> Files.exists(dir.resolve("model_ort_int8.onnx"));
      case "qforge-asm-int8", "qforge-asm-int8-scalar", "qforge-javapoet-int8" ->
          Files.exists(dir.resolve("calib.npy"));
      default -> true;
    };
  }

  /** The model's input shape (from the .pt2). */
  public static int[] inputShape(Path dir) {
    return Pt2Importer.importFile(dir.resolve("model.pt2")).inputs().get(0).type().dims();
  }

  /** The model's output shape (from the .pt2). */
  public static int[] outputShape(Path dir) {
    return Pt2Importer.importFile(dir.resolve("model.pt2")).outputs().get(0).type().dims();
  }

  private static Graph fp32(Path dir) {
    Graph g = Pt2Importer.importFile(dir.resolve("model.pt2"));
    new FuseConvBatchNorm().run(g);
    new EliminateDeadCode().run(g);
    return g;
  }

  /** PT2E static per-channel quantization on calib.npy, lowered to integer kernels. */
  static Graph int8(Path dir) {
    Graph g = Pt2Importer.importFile(dir.resolve("model.pt2"));
    ObservedGraph observed = Pt2eFlow.prepare(g,
        new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(true, false, false)), null);
    Calibration.run(observed, Npy.read(dir.resolve("calib.npy")), "calib.npy", done -> {});
    Pt2eFlow.convert(observed, true, null);
    new LowerToIntegerOps().run(g);
    return g;
  }

  private static Engine interpreter(Graph g) {
    Interpreter interpreter = new Interpreter(g);
    int[] dims = g.inputs().get(0).type().dims();
    return (in, out) -> {
      float[] y = interpreter.run(List.of(Tensor.ofFloats(in, dims))).get(0).floats();
      System.arraycopy(y, 0, out, 0, out.length);
    };
  }

  /**
   * Where {@code bench/run} leaves the jars it compiled for its output check ({@code
   * -Dqforge.bench.jars=DIR}, set for the JMH forks): a fork then loads the jar and nothing else, as a
   * deployed one runs, instead of importing, calibrating and compiling first. In the same JVM that work
   * (javac's, for the JavaPoet backend) kept C2 busy into the measurement: resnet20's JavaPoet jar
   * measured 585–590 µs in `--quick` runs against ~465 in a JVM that only runs it (bench/README.md).
   */
  static final String PREBUILT_JARS = "qforge.bench.jars";

  /**
   * A compiled jar in its own class loader: the one {@link #PREBUILT_JARS} holds under {@code name},
   * else {@code graph} compiled into {@code work}. With {@code vectorApi} false its integer kernels run
   * the scalar loops (what plain {@code java -jar} gives); true runs the Vector API kernels when the JVM
   * has {@code jdk.incubator.vector} (the benchmark forks add it). The jar's {@code VectorSupport} reads
   * {@code qforge.vectorApi} once, initialized here.
   */
  private static Engine jar(Supplier<Graph> graph, JarCompiler.Backend backend, Path work,
      String name, boolean vectorApi) throws Exception {
    String prebuilt = System.getProperty(PREBUILT_JARS);
    Path file = prebuilt != null && Files.isRegularFile(Path.of(prebuilt, name)) ? Path.of(prebuilt, name) : null;
    if (file == null) {
      file = work.resolve(name);
      JarCompiler.Result r = JarCompiler.compile(graph.get(),
          new JarCompiler.Options("bench.Model", backend, "benchmark", "bench"));
      Files.write(file, r.jar());
    }
    URLClassLoader loader = new URLClassLoader(new URL[] {file.toUri().toURL()}, null);
    org.qforge.codegen.jar.RuntimeClasses.chooseVectorApi(loader, "bench.Model", vectorApi);
    Class<?> c = loader.loadClass("bench.Model");
    Object instance = c.getConstructor().newInstance();
    Method run = c.getMethod("run", float[].class, float[].class);
    return new Engine() {
      @Override
      public void run(float[] input, float[] output) throws Exception {
        run.invoke(instance, input, output);
      }

      @Override
      public void close() throws Exception {
        loader.close();
      }
    };
  }

  /**
   * ONNX Runtime as {@code ../shared/docs/peers.md} says to measure it fairly: one intra- and one
   * inter-op thread, all optimizations, one session, the input tensor built once on a direct buffer
   * and refilled per call, every result closed.
   */
  private static Engine onnx(Path model) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(1);
    opts.setInterOpNumThreads(1);
    opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    OrtSession session = env.createSession(model.toString(), opts);
    String inputName = session.getInputNames().iterator().next();
    long[] shape = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(inputName).getInfo()).getShape();
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    FloatBuffer buffer = java.nio.ByteBuffer.allocateDirect((int) n * 4).order(java.nio.ByteOrder.nativeOrder())
        .asFloatBuffer();
    OnnxTensor input = OnnxTensor.createTensor(env, buffer, shape);
    return new Engine() {
      @Override
      public void run(float[] in, float[] out) throws Exception {
        buffer.clear();
        buffer.put(in);
        buffer.flip();
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
          ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
        }
      }

      @Override
      public void close() throws Exception {
        input.close();
        session.close();
        opts.close();
      }
    };
  }
}
