package org.qforge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.io.AtomicFiles;
import org.qforge.ir.text.QirFiles;
import org.qforge.passes.quant.QuantizationReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qforge quantize}: PT2E post-training quantization with the XNNPACK symmetric config —
 * prepare, calibrate on {@code --calibration} one group of the batch size at a time, convert — then
 * save the program and, if asked, the chosen qparams and integer weights.
 */
@Command(name = "quantize", description = "Quantize a model exactly as PyTorch's PT2E flow does (XNNPACK symmetric config).")
final class QuantizeCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MODEL", description = "A .pt2 archive or a .qir program (fp32).")
  Path model;

  @picocli.CommandLine.Mixin
  QuantizeOptions quant;

  @Option(names = "--qparams", paramLabel = "QP.json", description = "Write the chosen quantization parameters here.")
  Path qparams;

  @Option(names = "--weights-dir", paramLabel = "DIR", description = "Write each integer weight as DIR/<consumer>.arg<i>.npy.")
  Path weightsDir;

  @Option(names = "--output", required = true, paramLabel = "OUT.qir", description = "The quantized program.")
  Path output;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Graph g = ModelLoader.load(model);
    quant.quantize(g, spec.commandLine());
    // The report reads the q/dq program, so it is taken before the reference rewrite removes q/dq.
    QuantizationReport report = QuantizationReport.of(g);
    if (quant.referenceRepresentation) {
      org.qforge.passes.PassPipeline.builder().add(new org.qforge.passes.quant.reference.ReferenceRepresentationRewrite())
          .printIrAfterAll(quant.irSink(spec.commandLine().getErr())).build().run(g);
    }
    if (qparams != null) {
      AtomicFiles.write(qparams, qparamsJson(report));
    }
    if (weightsDir != null) {
      writeWeights(report);
    }
    QirFiles.write(g, output);
    return 0;
  }

  private byte[] qparamsJson(QuantizationReport report) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    ObjectNode config = root.putObject("config");
    config.put("quantizer", "xnnpack_symmetric");
    config.put("is_per_channel", quant.perChannel);
    config.put("is_qat", quant.qat);
    config.put("is_dynamic", quant.dynamic);
    config.put("use_reference_representation", quant.referenceRepresentation);
    config.put("fold_quantize", !quant.noFoldQuantize);
    config.put("calibration", quant.qat
        ? quant.trainBatches.getFileName() + " prepared for QAT, one forward pass in train mode per batch (no optimizer"
            + " step), then converted"
        : quant.calibration == null ? "none needed"
        : quant.calibration.getFileName() + ", one group of the batch size at a time, in order");
    ObjectNode acts = root.putObject("activations");
    report.activations().forEach((k, a) -> {
      ObjectNode o = acts.putObject(k);
      o.put("scale", a.scale());
      o.put("zero_point", a.zeroPoint());
      o.put("quant_min", a.quantMin());
      o.put("quant_max", a.quantMax());
      o.put("dtype", torchDtype(a.dtype()));
    });
    ObjectNode ws = root.putObject("weights");
    report.weights().forEach((k, w) -> {
      ObjectNode o = ws.putObject(k);
      o.put("int_values_of", w.intValuesOf());
      ArrayNode feeds = o.putArray("feeds");
      w.feeds().forEach(feeds::add);
      o.put("dtype", torchDtype(w.dtype()));
      o.put("quant_min", w.quantMin());
      o.put("quant_max", w.quantMax());
      if (w.axis() == null) {
        o.put("scale", w.scales()[0]);
        o.put("zero_point", w.zeroPoints()[0]);
      } else {
        ArrayNode s = o.putArray("scales");
        for (double v : w.scales()) {
          s.add(v);
        }
        ArrayNode z = o.putArray("zero_points");
        for (long v : w.zeroPoints()) {
          z.add(v);
        }
        o.put("axis", w.axis());
      }
    });
    try {
      return mapper.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new QforgeException("cannot encode qparams: " + e.getMessage(), e);
    }
  }

  private static String torchDtype(org.qforge.ir.DType d) {
    return switch (d) {
      case I8 -> "int8";
      case U8 -> "uint8";
      case I16 -> "int16";
      case I32 -> "int32";
      default -> d.irName();
    };
  }

  private void writeWeights(QuantizationReport report) {
    try {
      Files.createDirectories(weightsDir);
    } catch (IOException e) {
      throw new QforgeException(weightsDir + ": cannot create directory: " + e.getMessage(), e);
    }
    for (Map.Entry<String, QuantizationReport.Weight> e : report.weights().entrySet()) {
      Tensor values = e.getValue().values();
      AtomicFiles.write(weightsDir.resolve(e.getKey() + ".npy"), out -> Npy.write(values, out));
    }
  }
}
