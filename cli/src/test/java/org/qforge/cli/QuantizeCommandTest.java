package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.cli.CliTest.qforge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Tensor;

/** {@code qforge quantize} through the command line: outputs in the reference layouts and clear errors. */
class QuantizeCommandTest {
  private static final Path MLP = Path.of("../shared/reference/digits_mlp");

  @Test
  void writesProgramQparamsAndWeightsLikeTheReference(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("q.qir");
    Path qp = tmp.resolve("qp.json");
    Path wd = tmp.resolve("weights");
    CliTest.Result r = qforge("quantize", MLP.resolve("model.pt2").toString(), "--calibration",
        MLP.resolve("calib.npy").toString(), "--per-channel", "--qparams", qp.toString(), "--weights-dir", wd.toString(),
        "--output", out.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode mine = new ObjectMapper().readTree(qp.toFile());
    JsonNode theirs = new ObjectMapper().readTree(MLP.resolve("pt2e/per_channel/qparams.json").toFile());
    assertEquals(keys(theirs.get("activations")), keys(mine.get("activations")));
    assertEquals(keys(theirs.get("weights")), keys(mine.get("weights")));
    assertEquals(theirs.get("weights").get("linear.arg1").get("axis"), mine.get("weights").get("linear.arg1").get("axis"));
    for (String k : keys(theirs.get("weights"))) {
      Tensor want = Npy.read(MLP.resolve("pt2e/per_channel/weights").resolve(k + ".npy"));
      assertTrue(want.contentEquals(Npy.read(wd.resolve(k + ".npy"))), k);
    }
    Path y = tmp.resolve("y.npy");
    assertEquals(0, qforge("run", out.toString(), "--input", MLP.resolve("test_inputs.npy").toString(), "--output",
        y.toString()).status());
    assertTrue(qforge("inspect", out.toString()).out().contains("quantized_decomposed.dequantize_per_channel"));
  }

  private static TreeSet<String> keys(JsonNode n) {
    TreeSet<String> s = new TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  @Test
  void printIrAfterAllShowsEveryPass(@TempDir Path tmp) {
    CliTest.Result r = qforge("quantize", MLP.resolve("model.pt2").toString(), "--calibration",
        MLP.resolve("calib.npy").toString(), "--print-ir-after-all", "--output", tmp.resolve("q.qir").toString());
    assertEquals(0, r.status(), r.err());
    for (String pass : new String[] {"fuse-conv-bn", "annotate", "insert-observers", "replace-observers-with-qdq",
        "duplicate-dq", "port-qdq-metadata", "fold-quantize"}) {
      assertTrue(r.err().contains("// ----- IR after " + pass + " -----\ngraph @model("), pass);
    }
    assertTrue(r.err().contains("%activation_post_process_0: f32[1,64] = qforge.observe(%flatten, observer=0)"), r.err());
  }

  @Test
  void nanInCalibrationDataNamesTheSample(@TempDir Path tmp) {
    float[] data = new float[3 * 64];
    data[2 * 64 + 5] = Float.NaN;
    Path c = tmp.resolve("c.npy");
    Npy.write(Tensor.ofFloats(data, 3, 1, 8, 8), c);
    Path out = tmp.resolve("q.qir");
    CliTest.Result r = qforge("quantize", MLP.resolve("model.pt2").toString(), "--calibration", c.toString(),
        "--output", out.toString());
    assertEquals(1, r.status());
    assertEquals("qforge: error: " + c + ": sample 2 contains NaN (element 5); calibration data must be finite\n", r.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void emptyAndMisshapenCalibrationSets(@TempDir Path tmp) {
    Path empty = tmp.resolve("e.npy");
    Npy.write(Tensor.ofFloats(new float[0], 0, 1, 8, 8), empty);
    CliTest.Result r = qforge("quantize", MLP.resolve("model.pt2").toString(), "--calibration", empty.toString(),
        "--output", tmp.resolve("q.qir").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("the calibration set is empty"), r.err());
    Path wrong = tmp.resolve("w.npy");
    Npy.write(Tensor.ofFloats(new float[2 * 63], 2, 63), wrong);
    r = qforge("quantize", MLP.resolve("model.pt2").toString(), "--calibration", wrong.toString(), "--output",
        tmp.resolve("q.qir").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("calibration samples are f32[2,63] but input %x takes f32[1,1,8,8]"), r.err());
    assertFalse(Files.exists(tmp.resolve("q.qir")));
  }

  @Test
  void missingCalibrationIsAUsageError(@TempDir Path tmp) {
    assertEquals(2, qforge("quantize", MLP.resolve("model.pt2").toString(), "--output",
        tmp.resolve("q.qir").toString()).status());
  }

  @Test
  void qatTrainsOnBatchesAndRefusesWhatItCannotDo(@TempDir Path tmp) throws Exception {
    Tensor calib = Npy.read(MLP.resolve("calib.npy"));
    Path batches = tmp.resolve("b.npy");
    Npy.write(calib.sliceRows(0, 20).reshape(20, 1, 1, 8, 8), batches);
    Path out = tmp.resolve("q.qir");
    Path qp = tmp.resolve("qp.json");
    CliTest.Result r = qforge("quantize", MLP.resolve("model.pt2").toString(), "--qat", "--train-batches",
        batches.toString(), "--per-channel", "--qparams", qp.toString(), "--output", out.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode config = new ObjectMapper().readTree(qp.toFile()).get("config");
    assertTrue(config.get("is_qat").asBoolean());
    assertTrue(config.get("calibration").asText().startsWith("b.npy prepared for QAT"), config.toString());
    Path y = tmp.resolve("y.npy");
    assertEquals(0, qforge("run", out.toString(), "--input", MLP.resolve("test_inputs.npy").toString(), "--output",
        y.toString()).status());

    assertEquals(2, qforge("quantize", MLP.resolve("model.pt2").toString(), "--qat", "--output",
        tmp.resolve("a.qir").toString()).status());
    assertEquals(2, qforge("quantize", MLP.resolve("model.pt2").toString(), "--calibration",
        MLP.resolve("calib.npy").toString(), "--train-batches", batches.toString(), "--output",
        tmp.resolve("b.qir").toString()).status());
    // The reference QAT procedure (conv + batch norm, train-mode export): PyTorch's qparams keys.
    Path rescnn = Path.of("../shared/reference/digits_rescnn");
    Path qatQp = tmp.resolve("qat.json");
    CliTest.Result bn = qforge("quantize", rescnn.resolve("model_train_b8.pt2").toString(), "--qat", "--train-batches",
        rescnn.resolve("qat_batches.npy").toString(), "--qparams", qatQp.toString(), "--output",
        tmp.resolve("c.qir").toString());
    assertEquals(0, bn.status(), bn.err());
    JsonNode theirs = new ObjectMapper().readTree(rescnn.resolve("pt2e/qat_per_tensor/qparams.json").toFile());
    JsonNode ours = new ObjectMapper().readTree(qatQp.toFile());
    assertEquals(keys(theirs.get("activations")), keys(ours.get("activations")));
    assertEquals(keys(theirs.get("weights")), keys(ours.get("weights")));
    assertFalse(java.nio.file.Files.exists(tmp.resolve("missing.qir")));
  }
}
