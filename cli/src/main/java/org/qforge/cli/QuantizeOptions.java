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
import org.qforge.passes.quant.QatTraining;
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

  @Option(names = "--qat", description = "Quantization-aware flow (prepare_qat_pt2e): fake quantizers, one "
      + "train-mode forward pass per batch of --train-batches (no optimizer step), then convert (conv-bn pairs fused for "
      + "training and folded at convert, as PT2E does).")
  boolean qat;

  @Option(names = "--train-batches", paramLabel = "B.npy",
      description = "With --qat: training batches [K, batch, ...], one forward pass each, in order.")
  Path trainBatches;

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
    if (qat) {
      quantizeAwareOfTraining(g, cl);
      return;
    }
    if (trainBatches != null) {
      throw new CommandLine.ParameterException(cl, "--train-batches goes with --qat");
    }
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

  /** prepare_qat_pt2e, one train-mode forward pass per batch, move_exported_model_to_eval, convert_pt2e. */
  private void quantizeAwareOfTraining(Graph g, CommandLine cl) {
    if (trainBatches == null) {
      throw new CommandLine.ParameterException(cl, "--qat needs --train-batches=B.npy ([K, batch, ...])");
    }
    if (dynamic || calibration != null) {
      throw new CommandLine.ParameterException(cl, "--qat trains on --train-batches; it takes neither "
          + (dynamic ? "--dynamic" : "--calibration"));
    }
    Consumer<String> sink = irSink(cl.getErr());
    XnnpackQuantizer quantizer = new XnnpackQuantizer().setGlobal(SymmetricQuantizationConfig.get(perChannel, true, false));
    Tensor batches = Npy.read(trainBatches);
    ObservedGraph observed = Pt2eFlow.prepareQat(g, quantizer, sink);
    try (Progress p = Progress.start("train", batches.type().rank() == 0 ? 0 : batches.type().dim(0))) {
      QatTraining.run(observed, batches, trainBatches.toString(), p.reporter());
    }
    Pt2eFlow.moveToEval(observed, sink);
    Pt2eFlow.convert(observed, !noFoldQuantize, false, sink);
  }

  /** A one-line description of the quantization, for reports and generated Javadoc. */
  String describe() {
    if (qat) {
      return "quantization-aware int8 PT2E (XNNPACK symmetric, " + (perChannel ? "per-channel" : "per-tensor")
          + " weights, one forward pass per batch of " + trainBatches.getFileName() + ")";
    }
    return (dynamic ? "dynamic" : "static") + " int8 PT2E quantization (XNNPACK symmetric, "
        + (perChannel ? "per-channel" : "per-tensor") + " weights"
        + (calibration != null ? ", calibrated on " + calibration.getFileName() : "") + ")";
  }
}
