package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qforge.codegen.JarCompiler;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.verify.Verifier;
import org.qforge.passes.lower.LowerToIntegerOps;
import org.qforge.passes.quant.Calibration;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;

/**
 * Integer jars: every reference model, quantized and lowered as {@link IntegerLoweringTest} does
 * (and two with weight quantization left unfolded, computed at run time), compiled with both backends; on {@code test_inputs.npy} (resnet20: its 16 inputs) every output
 * element of the jar is bit-identical to the reference interpreter running the lowered program.
 * Also reports the agreement with PyTorch's reference-representation outputs
 * ({@code pt2e/<variant>_reference/out.npy}): the fraction of elements within two output
 * quantization steps and top-1 agreement, asserted for digits_rescnn per_channel.
 */
class CompileInt8Test {
  private static final Path REF = Path.of("../shared/reference");

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("digits_mlp", "per_tensor"), Arguments.of("digits_mlp", "per_channel"),
        Arguments.of("digits_rescnn", "per_tensor"), Arguments.of("digits_rescnn", "per_channel"),
        Arguments.of("digits_dwnet", "per_tensor"), Arguments.of("digits_dwnet", "per_channel"),
        Arguments.of("mlp_784_1024", "per_channel"), Arguments.of("resnet20_cifar", "per_channel"),
        // --no-fold-quantize: the weights stay f32 constants, quantized (per tensor or per channel) at run time.
        Arguments.of("digits_dwnet", "per_tensor no-fold"), Arguments.of("digits_rescnn", "per_channel no-fold"));
  }

  /**
   * An instance holds exactly the scratch the planner computed (its array fields), the class exactly
   * the weights (its static array fields); for resnet20 the loaded weights, scales and zero points
   * take at most 1.25× the int8 weights' bytes (issue 7).
   */
  private static void assertMemoryAsPlanned(Class<?> net, Object instance, JarCompiler.Result r, String name)
      throws Exception {
    long scratch = 0;
    long weights = 0;
    for (java.lang.reflect.Field f : net.getDeclaredFields()) {
      if (!f.getType().isArray() || !f.getType().getComponentType().isPrimitive() || f.getName().endsWith("SHAPE")) {
        continue;
      }
      f.setAccessible(true);
      boolean isStatic = java.lang.reflect.Modifier.isStatic(f.getModifiers());
      Object array = f.get(isStatic ? null : instance);
      long bytes = (long) java.lang.reflect.Array.getLength(array) * elementBytes(f.getType().getComponentType());
      if (isStatic) {
        weights += bytes;
      } else {
        scratch += bytes;
      }
    }
    assertEquals(r.peakScratchBytes(), scratch, name + ": scratch arrays of an instance");
    assertEquals(r.weightBytes() + r.lookupTableBytes(), weights, name + ": weight and table arrays of the class");
    if (name.startsWith("resnet20")) {
      // Nine same-shaped int8 quantized adds: the Vector API kernel, no 64 KiB tables (step 22).
      assertEquals(0, r.lookupTableBytes(), name + ": lookup tables");
    }
    if (r.int8WeightBytes() == 0) {
      return; // weights quantized at run time (--no-fold-quantize): they are f32 constants
    }
    double packing = (double) r.weightBytes() / r.int8WeightBytes();
    System.out.printf(Locale.ROOT, "%s: weights in memory %d bytes, %.3fx the %d bytes of int8%n", name, r.weightBytes(),
        packing, r.int8WeightBytes());
    if (name.startsWith("resnet20")) {
      assertTrue(packing <= 1.25, name + ": weights take " + packing + "x their int8 bytes");
    }
  }

  private static int elementBytes(Class<?> c) {
    return c == byte.class ? 1 : c == short.class ? 2 : c == int.class || c == float.class ? 4 : 8;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("variants")
  void jarIsBitIdenticalToTheInterpreter(String model, String configuration, @TempDir Path tmp) throws Exception {
    Path dir = REF.resolve(model);
    String variant = configuration.replace(" no-fold", "");
    boolean fold = !configuration.endsWith("no-fold");
    Graph g = Pt2Importer.importFile(dir.resolve("model.pt2"));
    XnnpackQuantizer quantizer = new XnnpackQuantizer()
        .setGlobal(SymmetricQuantizationConfig.get(variant.equals("per_channel"), false, false));
    ObservedGraph observed = Pt2eFlow.prepare(g, quantizer, null);
    Calibration.run(observed, Npy.read(dir.resolve("calib.npy")), "calib.npy", done -> {});
    Pt2eFlow.convert(observed, fold, null);
    new LowerToIntegerOps().lower(g);
    Verifier.verify(g);
    String name = model + " " + configuration;

    Tensor x = Npy.read(dir.resolve("test_inputs.npy"));
    int batch = g.inputs().get(0).type().dim(0);
    int rows = Math.min(x.type().dim(0), model.startsWith("resnet20") ? 16 : Integer.MAX_VALUE);
    x = x.sliceRows(0, rows);
    Tensor want = new BatchRunner(g).run(x, "test_inputs.npy", d -> {});
    int outPer = want.numel() / rows;
    Node outDq = g.outputs().get(0).producer();
    double step = (float) ((Literal.Float) outDq.arg(1)).value();

    for (JarCompiler.Backend backend : JarCompiler.Backend.values()) {
      JarCompiler.Options options = new JarCompiler.Options("com.example.Net", backend, name + ", int8", "test");
      long start = System.nanoTime();
      JarCompiler.Result r = JarCompiler.compile(g, options);
      long compileNanos = System.nanoTime() - start;
      assertArrayEquals(r.jar(), JarCompiler.compile(g, options).jar(), name + ": compiling twice gives the same bytes");
      Path jar = tmp.resolve(backend + ".jar");
      Files.write(jar, r.jar());
      float[] got = new float[want.numel()];
      long runNanos;
      try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
        Class<?> net = loader.loadClass("com.example.Net");
        Object instance = net.getConstructor().newInstance();
        assertMemoryAsPlanned(net, instance, r, name + " " + backend);
        Method run = net.getMethod("run", float[].class);
        float[] xs = x.floats();
        int per = xs.length / rows * batch;
        start = System.nanoTime();
        for (int r0 = 0; r0 < rows; r0 += batch) {
          float[] in = Arrays.copyOfRange(xs, r0 / batch * per, (r0 / batch + 1) * per);
          float[] out = (float[]) run.invoke(instance, (Object) in);
          assertEquals(outPer * batch, out.length);
          System.arraycopy(out, 0, got, r0 * outPer, out.length);
        }
        runNanos = System.nanoTime() - start;
      }
      int differing = 0;
      int first = -1;
      for (int i = 0; i < got.length; i++) {
        if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want.floats()[i])) {
          differing++;
          first = first < 0 ? i : first;
        }
      }
      System.out.printf(Locale.ROOT, "%s %s int8 jar: %d bytes, %d kernels, scratch %d bytes, compiled in %.0f ms,"
              + " ran %d samples in %.0f ms, %d of %d elements differ from the interpreter%n",
          name, backend, r.jar().length, r.steps(), r.peakScratchBytes(), compileNanos / 1e6, rows, runNanos / 1e6,
          differing, got.length);
      int f = first;
      assertEquals(0, differing, () -> name + " " + backend + ": element " + f + " is " + got[f]
          + ", the interpreter gives " + want.floats()[f]);
    }

    // Against PyTorch's reference representation (which truncates where the integer ops round).
    Path torchOut = dir.resolve("pt2e").resolve(variant + "_reference").resolve("out.npy");
    Tensor torch = Npy.read(torchOut);
    int within = 0;
    int top1 = 0;
    for (int r0 = 0; r0 < rows; r0++) {
      int ours = 0;
      int theirs = 0;
      for (int j = 0; j < outPer; j++) {
        int i = r0 * outPer + j;
        double a = want.getDouble(i);
        double b = torch.getDouble(i);
        within += Math.round(Math.abs(a - b) / step) <= 2 ? 1 : 0;
        ours = a > want.getDouble(r0 * outPer + ours) ? j : ours;
        theirs = b > torch.getDouble(r0 * outPer + theirs) ? j : theirs;
      }
      top1 += ours == theirs ? 1 : 0;
    }
    double withinFraction = (double) within / (rows * outPer);
    double top1Fraction = (double) top1 / rows;
    System.out.printf(Locale.ROOT, "%s against PyTorch's reference representation: %.2f%% of elements within two"
        + " steps (step %.6g), top-1 agreement %.2f%% (%d samples)%n", name, 100 * withinFraction, step,
        100 * top1Fraction, rows);
    if (model.equals("digits_rescnn") && configuration.equals("per_channel")) {
      assertTrue(withinFraction >= 0.98, name + ": " + withinFraction + " within two steps");
      assertTrue(top1Fraction >= 0.99, name + ": top-1 agreement " + top1Fraction);
    }
  }
}
