package org.qforge.passes.quant;

import java.util.function.Consumer;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.passes.PassPipeline;
import org.qforge.passes.Pass;
import org.qforge.passes.PipelineReport;

/**
 * The PT2E entry points: {@link #prepare} is {@code prepare_pt2e}, {@link #convert} is
 * {@code convert_pt2e}; calibrate in between with {@link Calibration}. Each step is a named pass in a
 * {@link PassPipeline}, verified after it runs and printable with {@code --print-ir-after-all}.
 */
public final class Pt2eFlow {
  private Pt2eFlow() {}

  /**
   * {@code prepare_pt2e}: fold conv-bn and linear-bn, let the quantizer transform and annotate the graph, insert
   * observers. The graph is modified in place.
   *
   * @param irSink receives the IR after every step, or null
   */
  public static ObservedGraph prepare(Graph graph, Quantizer quantizer, Consumer<String> irSink) {
    Annotations annotations = new Annotations();
    ObservedGraph[] result = new ObservedGraph[1];
    PassPipeline.builder()
        .add(new FuseConvBatchNorm())
        .add(new FuseLinearBatchNorm())
        .add(Pass.of("annotate", g -> {
          quantizer.transformForAnnotation(g);
          quantizer.annotate(g, annotations);
          quantizer.validate(g, annotations);
        }))
        .add(Pass.of("insert-observers", g -> result[0] = InsertObservers.run(g, annotations, quantizer)))
        .printIrAfterAll(irSink)
        .build()
        .run(graph);
    return result[0];
  }

  /**
   * {@code prepare_qat_pt2e}: no conv-bn or linear-bn folding; transform, annotate and validate, then
   * PT2E's {@code _fuse_conv_bn_qat}, then observer insertion with the config's fake quantizers. Train
   * with {@link QatTraining}, then {@link #moveToEval}, then {@link #convert}.
   *
   * @throws QforgeException for a grouped transposed convolution followed by batch norm
   */
  public static ObservedGraph prepareQat(Graph graph, Quantizer quantizer, Consumer<String> irSink) {
    Annotations annotations = new Annotations();
    ObservedGraph[] result = new ObservedGraph[1];
    PassPipeline.builder()
        .add(Pass.of("annotate", g -> {
          quantizer.transformForAnnotation(g);
          quantizer.annotate(g, annotations);
          quantizer.validate(g, annotations);
        }))
        .add(new FuseConvBatchNormQat(annotations))
        .add(Pass.of("insert-observers", g -> result[0] = InsertObservers.run(g, annotations, quantizer)))
        .printIrAfterAll(irSink)
        .build()
        .run(graph);
    return result[0];
  }

  /**
   * {@code move_exported_model_to_eval}: batch norms and dropout in evaluation mode ({@link MoveToEval}).
   * After QAT training the graph then runs as the trained model would in eval mode (fake quantizers
   * and all); convert folds each conv's batch norm as before and keeps any other one, now in eval mode.
   */
  public static PipelineReport moveToEval(ObservedGraph observed, Consumer<String> irSink) {
    return PassPipeline.builder().add(new MoveToEval()).printIrAfterAll(irSink).build().run(observed.graph());
  }

  /** After the QAT fold, a training-mode batch norm left over (not after a conv) cannot be converted. */
  private static void rejectTrainingBatchNorm(Graph g) {
    for (org.qforge.ir.Node n : g.nodes()) {
      if (n.op().name().equals("aten.batch_norm") && n.arg("training") instanceof org.qforge.ir.Literal.Bool t
          && t.value()) {
        throw new QforgeException("node %" + n.name() + " (aten.batch_norm): a training-mode batch norm that does not "
            + "follow a convolution cannot be converted; move the model to eval first (Pt2eFlow.moveToEval)");
      }
    }
  }

  /**
   * {@code convert_pt2e} in PT2E's order: observers to quantize/dequantize, duplicate dequantize per
   * consumer, port metadata, then (if {@code foldQuantize}) fold weight quantization into int8
   * constants. The graph is modified in place.
   */
  public static PipelineReport convert(ObservedGraph observed, boolean foldQuantize, Consumer<String> irSink) {
    return convert(observed, foldQuantize, false, irSink);
  }

  /**
   * {@code convert_pt2e(use_reference_representation=...)}: as {@link #convert(ObservedGraph, boolean,
   * Consumer)}, then, if asked, PT2E's reference representation rewrite.
   */
  public static PipelineReport convert(ObservedGraph observed, boolean foldQuantize, boolean referenceRepresentation,
      Consumer<String> irSink) {
    boolean qat = observed.observers().stream()
        .anyMatch(o -> o instanceof org.qforge.passes.quant.observer.FusedMovingAvgObsFakeQuantize);
    PassPipeline.Builder b = PassPipeline.builder();
    if (qat) {
      b.add(new FoldConvBatchNormQat()).add(Pass.of("check-no-training-batch-norm", Pt2eFlow::rejectTrainingBatchNorm));
    }
    b.add(new ReplaceObserversWithQdq(observed.observers()))
        .add(new DuplicateDequantize(observed.annotations()))
        .add(new PortQdqMetadata(observed.annotations()));
    if (foldQuantize) {
      b.add(new FoldQuantize());
    }
    if (referenceRepresentation) {
      b.add(new org.qforge.passes.quant.reference.ReferenceRepresentationRewrite());
    }
    return b.printIrAfterAll(irSink).build().run(observed.graph());
  }
}
