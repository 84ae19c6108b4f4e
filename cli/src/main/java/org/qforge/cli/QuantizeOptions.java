package org.qforge.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Calibration;
import org.qforge.passes.quant.ObservedGraph;
import org.qforge.passes.quant.Pt2eFlow;
import org.qforge.passes.quant.xnnpack.SymmetricQuantizationConfig;
import org.qforge.passes.quant.xnnpack.XnnpackQuantizer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The quantization flags {@code quantize} and {@code compile} share, and the PT2E run they ask for. */
final class QuantizeOptions {

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

  @Option(names = "--print-ir-after-all", description = "Print the IR after every pass (on stderr).")
  boolean printIrAfterAll;

  /** Where the IR goes after each pass, or null. */
  Consumer<String> irSink(PrintWriter err) {
    return printIrAfterAll ? text -> {
      err.print(text);
      err.flush();
    } : null;
  }

  /**
   * Runs prepare_pt2e, calibration and convert_pt2e (without the reference rewrite) on {@code g}
   * in place.
   */
  void quantize(Graph g, CommandLine cl) {
    if (calibration == null && !dynamic) {
      throw new CommandLine.ParameterException(cl,
          "Missing required option: '--calibration=C.npy' (only --dynamic can do without)");
    }
    Consumer<String> sink = irSink(cl.getErr());
    XnnpackQuantizer quantizer = new XnnpackQuantizer()
        .setGlobal(SymmetricQuantizationConfig.get(perChannel, false, dynamic));
    // Dynamic quantization needs no calibration data, but weight observers must see the weights
    // once, as they do when PyTorch's prepared model is called on an example input.
    Tensor samples = calibration != null ? Npy.read(calibration) : Tensor.zeros(g.inputs().get(0).type());
    String source = calibration != null ? calibration.toString() : "(example input)";
    ObservedGraph observed = Pt2eFlow.prepare(g, quantizer, sink);
    int batch = g.inputs().get(0).type().dim(0);
    int groups = samples.type().rank() == 0 ? 0 : samples.type().dim(0) / Math.max(batch, 1);
    try (Progress p = Progress.start("calibrate", groups)) {
      Calibration.run(observed, samples, source, p.reporter());
    }
    Pt2eFlow.convert(observed, !noFoldQuantize, false, sink);
  }

  /** A one-line description of the quantization, for reports and generated Javadoc. */
  String describe() {
    return (dynamic ? "dynamic" : "static") + " int8 PT2E quantization (XNNPACK symmetric, "
        + (perChannel ? "per-channel" : "per-tensor") + " weights"
        + (calibration != null ? ", calibrated on " + calibration.getFileName() : "") + ")";
  }
}
