package org.qforge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.io.AtomicFiles;
import org.qforge.ir.text.QirFiles;
import org.qforge.passes.quant.Calibration;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.QuantizationReport;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;
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

  @Option(names = "--calibration", paramLabel = "C.npy",
      description = "Calibration samples along axis 0, fed in groups of the model's batch size, in order "
          + "(required unless --dynamic).")
  Path calibration;

  @Option(names = "--dynamic", description = "Dynamic quantization of linear layers: activation qparams are "
      + "chosen at run time (choose_qparams), weights int8; no calibration needed.")
  boolean dynamic;

  @Option(names = "--per-channel", description = "Quantize weights per output channel (default: per tensor).")
  boolean perChannel;

  @Option(names = "--reference-representation", description = "Rewrite quantize/dequantize patterns into "
      + "PT2E's reference integer representation (use_reference_representation=True).")
  boolean referenceRepresentation;

  @Option(names = "--no-fold-quantize", description = "Keep weight quantization as quantize ops instead of int8 constants.")
  boolean noFoldQuantize;

  @Option(names = "--qparams", paramLabel = "QP.json", description = "Write the chosen quantization parameters here.")
  Path qparams;

  @Option(names = "--weights-dir", paramLabel = "DIR", description = "Write each integer weight as DIR/<consumer>.arg<i>.npy.")
  Path weightsDir;

  @Option(names = "--print-ir-after-all", description = "Print the IR after every pass (on stderr).")
  boolean printIrAfterAll;

  @Option(names = "--output", required = true, paramLabel = "OUT.qir", description = "The quantized program.")
  Path output;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (calibration == null && !dynamic) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "Missing required option: '--calibration=C.npy' (only --dynamic can do without)");
    }
    Graph g = ModelLoader.load(model);
    // Dynamic quantization needs no calibration data, but weight observers must see the weights
    // once, as they do when PyTorch's prepared model is called on an example input.
    Tensor samples = calibration != null ? Npy.read(calibration) : Tensor.zeros(g.inputs().get(0).type());
    String source = calibration != null ? calibration.toString() : "(example input)";
    PrintWriter err = spec.commandLine().getErr();
    Consumer<String> irSink = printIrAfterAll ? text -> {
      err.print(text);
      err.flush();
    } : null;
    XnnpackQuantizer quantizer = new XnnpackQuantizer()
        .setGlobal(SymmetricQuantizationConfig.get(perChannel, false, dynamic));
    ObservedGraph observed = Pt2eFlow.prepare(g, quantizer, irSink);
    int batch = g.inputs().get(0).type().dim(0);
    int groups = samples.type().rank() == 0 ? 0 : samples.type().dim(0) / Math.max(batch, 1);
    try (Progress p = Progress.start("calibrate", groups)) {
      Calibration.run(observed, samples, source, p.reporter());
    }
    // The report reads the q/dq program, so it is taken before the reference rewrite removes q/dq.
    Pt2eFlow.convert(observed, !noFoldQuantize, false, irSink);
    QuantizationReport report = QuantizationReport.of(g);
    if (referenceRepresentation) {
      org.qforge.passes.PassPipeline.builder().add(new org.qforge.passes.quant.reference.ReferenceRepresentationRewrite())
          .printIrAfterAll(irSink).build().run(g);
    }

    if (qparams != null) {
      byte[] json = qparamsJson(report);
      AtomicFiles.write(qparams, json);
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
    config.put("is_per_channel", perChannel);
    config.put("is_qat", false);
    config.put("is_dynamic", dynamic);
    config.put("use_reference_representation", referenceRepresentation);
    config.put("fold_quantize", !noFoldQuantize);
    config.put("calibration", calibration == null ? "none needed"
        : calibration.getFileName() + ", one group of the batch size at a time, in order");
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
