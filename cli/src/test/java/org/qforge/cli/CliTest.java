package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.npy.Npy;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.text.IrPrinter;
import org.qforge.ir.text.QirFiles;

/** The command line as the contract describes it: outputs, exit statuses, one-line errors. */
class CliTest {
  private static final Path REF = Path.of("../shared/reference");

  record Result(int status, String out, String err) {}

  static Result qforge(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void runMatchesPyTorchFp32OnDigitsMlp(@TempDir Path tmp) {
    Path y = tmp.resolve("y.npy");
    Result r = qforge("run", REF.resolve("digits_mlp/model.pt2").toString(),
        "--input", REF.resolve("digits_mlp/test_inputs.npy").toString(), "--output", y.toString());
    assertEquals(0, r.status(), r.err());
    float[] got = Npy.read(y).floats();
    float[] want = Npy.read(REF.resolve("digits_mlp/fp32_out.npy")).floats();
    assertEquals(want.length, got.length);
    double maxAbs = 0;
    double maxErr = 0;
    for (int i = 0; i < want.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
      maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
    }
    assertTrue(maxErr <= 1e-4 * maxAbs, "max error " + maxErr + " vs max |out| " + maxAbs);
  }

  @Test
  void inspectPrintsTheGraphWithNodeNamesOfModelJson() {
    Result r = qforge("inspect", REF.resolve("digits_rescnn/model.pt2").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().startsWith("graph @model(%x: f32[1,1,8,8]) {\n"), r.out());
    assertTrue(r.out().contains("%max_pool2d: f32[1,32,4,4] = aten.max_pool2d(%relu_1, kernel_size=[2, 2], stride=[2, 2])"),
        r.out());
    assertTrue(r.out().endsWith("  return %linear\n}\n"), r.out());
  }

  @Test
  void inspectOfQirPrintsItExactlyAsSaved(@TempDir Path tmp) throws Exception {
    Graph g = Pt2Importer.importFile(REF.resolve("digits_dwnet/model.pt2"));
    Path qir = tmp.resolve("dwnet.qir");
    QirFiles.write(g, qir);
    Result r = qforge("inspect", qir.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals(IrPrinter.print(g), r.out());
    assertEquals(Files.readString(qir), qforge("inspect", "--data", qir.toString()).out());
  }

  @Test
  void qirRunsLikeThePt2ItCameFrom(@TempDir Path tmp) {
    Graph g = Pt2Importer.importFile(REF.resolve("digits_rescnn/model.pt2"));
    Path qir = tmp.resolve("m.qir");
    QirFiles.write(g, qir);
    Path a = tmp.resolve("a.npy");
    Path b = tmp.resolve("b.npy");
    String in = REF.resolve("digits_rescnn/test_inputs.npy").toString();
    assertEquals(0, qforge("run", qir.toString(), "--input", in, "--output", a.toString()).status());
    assertEquals(0, qforge("run", REF.resolve("digits_rescnn/model.pt2").toString(), "--input", in,
        "--output", b.toString()).status());
    assertTrue(Npy.read(a).contentEquals(Npy.read(b)));
  }

  @Test
  void usageErrorsExitWithTwo() {
    Result missing = qforge("run", "model.pt2", "--output", "y.npy");
    assertEquals(2, missing.status());
    assertTrue(missing.err().startsWith("qforge: error: Missing required option: '--input=X.npy'"), missing.err());
    assertEquals(2, qforge("frobnicate").status());
    assertEquals(2, qforge().status());
  }

  @Test
  void everyCommandPrintsItsUsageWithHelp() {
    for (String command : new String[] {"inspect", "run", "quantize", "compile", "demo"}) {
      Result flag = qforge(command, "--help");
      assertEquals(0, flag.status(), command + ": " + flag.err());
      assertTrue(flag.out().startsWith("Usage: qforge " + command), flag.out());
      Result help = qforge("help", command);
      assertEquals(0, help.status(), command + ": " + help.err());
      assertEquals(flag.out(), help.out());
    }
  }

  @Test
  void badInputsExitWithOneAndOneLine(@TempDir Path tmp) {
    Path y = tmp.resolve("y.npy");
    Result r = qforge("run", tmp.resolve("nope.pt2").toString(), "--input", "x.npy", "--output", y.toString());
    assertEquals(1, r.status());
    assertEquals("qforge: error: " + tmp.resolve("nope.pt2") + ": no such file\n", r.err());
    assertFalse(Files.exists(y));
  }

  @Test
  void wrongSampleShapeIsReportedAndNothingIsWritten(@TempDir Path tmp) {
    Path x = tmp.resolve("x.npy");
    Npy.write(Tensor.ofFloats(new float[2 * 63], 2, 63), x);
    Path y = tmp.resolve("y.npy");
    Result r = qforge("run", REF.resolve("digits_mlp/model.pt2").toString(), "--input", x.toString(),
        "--output", y.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().startsWith("qforge: error: " + x + ": samples have shape [63] (array f32[2,63]), but input %x"),
        r.err());
    assertEquals(1, r.err().lines().count());
    assertFalse(Files.exists(y));
  }

  @Test
  void rowCountNotAMultipleOfTheBatchIsAnError(@TempDir Path tmp) {
    Path x = tmp.resolve("x.npy");
    Npy.write(Tensor.ofFloats(new float[3 * 64], 3, 1, 8, 8), x);
    Result r = qforge("run", REF.resolve("digits_rescnn/model_train_b8.pt2").toString(), "--input",
        x.toString(), "--output", tmp.resolve("y.npy").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("3 samples is not a multiple of the model's batch size 8"), r.err());
  }

  @Test
  void debugPrintsTheStackTrace(@TempDir Path tmp) {
    Result r = qforge("run", "--debug", tmp.resolve("nope.pt2").toString(), "--input", "x.npy", "--output", "y.npy");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("\tat org.qforge."), r.err());
  }
}
