package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.qforge.ir.Tensor;
import org.qforge.passes.EliminateDeadCode;
import org.qforge.passes.quant.FuseConvBatchNorm;

/** fp32 jars of every reference model, from both backends, against PyTorch's fp32 outputs. */
class CompileFp32Test {
  private static final Path REF = Path.of("../shared/reference");

  static Stream<Arguments> cases() {
    return Stream.of("digits_mlp", "digits_rescnn", "digits_dwnet", "resnet20_cifar", "mlp_784_1024")
        .flatMap(m -> Stream.of(Arguments.of(m, JarCompiler.Backend.ASM), Arguments.of(m, JarCompiler.Backend.JAVAPOET)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void jarMatchesPyTorchFp32(String model, JarCompiler.Backend backend, @TempDir Path tmp) throws Exception {
    Graph g = Pt2Importer.importFile(REF.resolve(model).resolve("model.pt2"));
    new FuseConvBatchNorm().run(g);
    new EliminateDeadCode().run(g);
    JarCompiler.Result r = JarCompiler.compile(g, new JarCompiler.Options("com.example.Net", backend,
        model + ", fp32", "test"));
    Path jar = tmp.resolve("m.jar");
    Files.write(jar, r.jar());
    assertArrayEquals(r.jar(), JarCompiler.compile(g, new JarCompiler.Options("com.example.Net", backend,
        model + ", fp32", "test")).jar(), "compiling twice gives the same bytes");

    Tensor x = Npy.read(REF.resolve(model).resolve("test_inputs.npy"));
    Tensor want = Npy.read(REF.resolve(model).resolve("fp32_out.npy"));
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      Class<?> net = loader.loadClass("com.example.Net");
      Object instance = net.getConstructor().newInstance();
      assertArrayEquals(g.inputs().get(0).type().dims(), (int[]) net.getField("INPUT_SHAPE").get(null));
      assertArrayEquals(g.outputs().get(0).type().dims(), (int[]) net.getField("OUTPUT_SHAPE").get(null));
      assertTrue(java.lang.reflect.Modifier.isFinal(net.getModifiers()));
      Method run = net.getMethod("run", float[].class);
      int rows = x.type().dim(0);
      int per = x.numel() / rows;
      int outPer = want.numel() / rows;
      double maxAbs = 0;
      double maxErr = 0;
      float[] xs = x.floats();
      for (int r0 = 0; r0 < rows; r0++) {
        float[] in = java.util.Arrays.copyOfRange(xs, r0 * per, (r0 + 1) * per);
        float[] out = (float[]) run.invoke(instance, (Object) in);
        assertEquals(outPer, out.length);
        for (int j = 0; j < outPer; j++) {
          double w = want.getDouble(r0 * outPer + j);
          maxAbs = Math.max(maxAbs, Math.abs(w));
          maxErr = Math.max(maxErr, Math.abs(w - out[j]));
        }
      }
      System.out.printf(Locale.ROOT, "%s %s fp32 jar: %d bytes, %d kernels, scratch %d bytes, max error %.3g (%.3g of max)%n",
          model, backend, r.jar().length, r.steps(), r.peakScratchBytes(), maxErr, maxErr / maxAbs);
      assertTrue(maxErr <= 1e-4 * maxAbs, model + ": max error " + maxErr);
    }
  }
}
