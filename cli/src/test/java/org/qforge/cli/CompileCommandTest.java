package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.cli.CliTest.qforge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Tensor;

/** {@code qforge compile} through the command line, and the jar it writes run as users run it. */
class CompileCommandTest {
  private static final Path RESCNN = Path.of("../shared/reference/digits_rescnn");

  @Test
  void fp32JarRunsWithJavaJarFromAnEmptyDirectory(@TempDir Path tmp) throws Exception {
    Path jar = tmp.resolve("net.jar");
    CliTest.Result r = qforge("compile", "--fp32", RESCNN.resolve("model.pt2").toString(), "--class-name",
        "com.example.Net", "--output", jar.toString());
    assertEquals(0, r.status(), r.err());
    Path work = Files.createDirectory(tmp.resolve("empty"));
    Files.copy(RESCNN.resolve("test_inputs.npy"), work.resolve("x.npy"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-jar", jar.toString(), "x.npy", "y.npy").directory(work.toFile())
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.exitValue(), log);
    Tensor y = Npy.read(work.resolve("y.npy"));
    Tensor want = Npy.read(RESCNN.resolve("fp32_out.npy"));
    assertEquals(want.type(), y.type());
    double maxErr = 0;
    for (int i = 0; i < want.numel(); i++) {
      maxErr = Math.max(maxErr, Math.abs(want.getDouble(i) - y.getDouble(i)));
    }
    assertTrue(maxErr < 1e-4 * 11.8, "max error " + maxErr);

    // qforge run on the jar gives the same bytes.
    Path y2 = tmp.resolve("y2.npy");
    assertEquals(0, qforge("run", jar.toString(), "--input", RESCNN.resolve("test_inputs.npy").toString(), "--output",
        y2.toString()).status());
    assertArrayEquals(Files.readAllBytes(work.resolve("y.npy")), Files.readAllBytes(y2));
  }

  @Test
  void int8JarGivesTheSameBytesOnPlainJavaJarAndOnTheVectorApi(@TempDir Path tmp) throws Exception {
    Path jar = tmp.resolve("int8.jar");
    Path lowered = tmp.resolve("low.qir");
    CliTest.Result r = qforge("compile", RESCNN.resolve("model.pt2").toString(), "--calibration",
        RESCNN.resolve("calib.npy").toString(), "--per-channel", "--emit-qir", lowered.toString(), "--output",
        jar.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.err().contains("x the"), "the summary reports the weights against their int8 bytes: " + r.err());
    Path work = Files.createDirectory(tmp.resolve("empty"));
    Files.copy(RESCNN.resolve("test_inputs.npy"), work.resolve("x.npy"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<List<String>> launches = List.of(List.of(java, "-jar", jar.toString(), "x.npy", "scalar.npy"),
        List.of(java, "--add-modules", "jdk.incubator.vector", "-jar", jar.toString(), "x.npy", "vector.npy"),
        // 256-bit vectors, as on an AVX2 machine: 8-lane kernels, two vectors per packed chunk of 16 inputs.
        List.of(java, "-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector", "-jar", jar.toString(), "x.npy",
            "vector256.npy"));
    for (List<String> command : launches) {
      Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      String log = new String(p.getInputStream().readAllBytes());
      assertEquals(0, p.exitValue(), log);
    }
    Path interpreted = tmp.resolve("interpreted.npy");
    assertEquals(0, qforge("run", lowered.toString(), "--input", RESCNN.resolve("test_inputs.npy").toString(),
        "--output", interpreted.toString()).status());
    byte[] want = Files.readAllBytes(interpreted);
    assertArrayEquals(want, Files.readAllBytes(work.resolve("scalar.npy")), "plain java -jar (scalar loops)");
    assertArrayEquals(want, Files.readAllBytes(work.resolve("vector.npy")), "java --add-modules ... (Vector API)");
    assertArrayEquals(want, Files.readAllBytes(work.resolve("vector256.npy")), "-XX:MaxVectorSize=32 (256-bit vectors)");
  }

  @Test
  void sameInputGivesTheSameJarAndSourcesAreEmitted(@TempDir Path tmp) throws Exception {
    Path a = tmp.resolve("a.jar");
    Path b = tmp.resolve("b.jar");
    Path src = tmp.resolve("src");
    for (Path jar : List.of(a, b)) {
      assertEquals(0, qforge("compile", "--fp32", RESCNN.resolve("model.pt2").toString(), "--backend", "javapoet",
          "--emit-source", src.toString(), "--output", jar.toString()).status());
    }
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    String net = Files.readString(src.resolve("qforge/generated/Model.java"));
    assertTrue(net.contains("public final class Model implements CompiledModel"), net);
    assertTrue(net.contains("Model model.pt2, fp32, compiled by qforge"), net);
    assertTrue(Files.exists(src.resolve("qforge/generated/NpyMain.java")));
  }

  @Test
  void usageAndInputErrors(@TempDir Path tmp) {
    CliTest.Result r = qforge("compile", "--fp32", RESCNN.resolve("model.pt2").toString(), "--emit-source",
        tmp.toString(), "--output", tmp.resolve("x.jar").toString());
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--emit-source needs --backend javapoet"), r.err());
    r = qforge("compile", "--fp32", RESCNN.resolve("model.pt2").toString(), "--class-name", "1bad",
        "--output", tmp.resolve("x.jar").toString());
    assertEquals(1, r.status());
    assertEquals("qforge: error: --class-name 1bad is not a Java class name\n", r.err());
    assertFalse(Files.exists(tmp.resolve("x.jar")));
    r = qforge("inspect", tmp.resolve("x.jar").toString());
    assertEquals(1, r.status());
  }
}
