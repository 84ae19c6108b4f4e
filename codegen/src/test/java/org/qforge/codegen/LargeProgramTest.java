package org.qforge.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;
import org.qforge.passes.pattern.GraphBuilder;

/** A program with more kernels than fit one generated method still compiles and runs correctly. */
class LargeProgramTest {

  @ParameterizedTest
  @EnumSource(JarCompiler.Backend.class)
  void sixHundredStepsSplitAcrossMethods(JarCompiler.Backend backend, @TempDir Path tmp) throws Exception {
    Graph g = new Graph("chain");
    GraphBuilder b = new GraphBuilder(g);
    Value v = b.input("x", TensorType.of(DType.F32, 1, 4));
    for (int i = 0; i < 600; i++) {
      v = i % 2 == 0 ? b.call("aten.hardtanh", v, -3.0, 3.0) : b.add(v, 0.25);
    }
    b.output(v);
    JarCompiler.Result r = JarCompiler.compile(g, new JarCompiler.Options("big.Chain", backend, "chain", "test"));
    Path jar = tmp.resolve("c.jar");
    Files.write(jar, r.jar());
    float[] in = {-5f, 0.1f, 2.9f, 7f};
    float[] want = new Interpreter(g).run(List.of(Tensor.ofFloats(in.clone(), 1, 4))).get(0).floats();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      Class<?> c = loader.loadClass("big.Chain");
      Object m = c.getConstructor().newInstance();
      float[] got = (float[]) c.getMethod("run", float[].class).invoke(m, (Object) in);
      assertArrayEquals(want, got);
    }
  }
}
