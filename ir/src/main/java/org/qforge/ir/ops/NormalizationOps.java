package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.qforge.ir.DType;
import org.qforge.ir.Kernel;
import org.qforge.ir.KernelContext;
import org.qforge.ir.OpArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * Batch normalization over dim 1 of an [N, C, ...] input: {@code aten.batch_norm} and the variants
 * {@code torch.export} produces. In evaluation mode it uses the running statistics; in training
 * mode the batch mean and biased variance, and it updates the running statistics in place with the
 * unbiased variance.
 *
 * <p>The arithmetic follows PyTorch's CPU kernel step by step so that f32 results match it
 * bit for bit (checked against PyTorch's own activations of the reference models): per channel
 * {@code invstd = 1/sqrt(var + eps)}, {@code alpha = invstd * weight},
 * {@code beta = fma(-mean, alpha, bias)}, then {@code out = fma(x, alpha, beta)}, all in float;
 * batch statistics are summed in double.
 */
final class NormalizationOps {
  private NormalizationOps() {}

  static List<OpDef> definitions() {
    return List.of(batchNorm(), nativeBatchNormLegitNoTraining(), nativeBatchNormLegit(), nativeBatchNorm());
  }

  /** Where a variant keeps its arguments; -1 when it has no {@code training} parameter (eval only). */
  private record Layout(int training, int momentum, int eps) {
    boolean training(OpArgs a) {
      return training >= 0 && a.boolArg(training);
    }
  }

  private static OpDef.Builder common(String name, ParamType statsType) {
    return OpDef.builder(name)
        .param("input", ParamType.TENSOR)
        .param("weight", ParamType.OPTIONAL_TENSOR)
        .param("bias", ParamType.OPTIONAL_TENSOR)
        .param("running_mean", statsType)
        .param("running_var", statsType);
  }

  private static OpDef batchNorm() {
    Layout l = new Layout(5, 6, 7);
    return common("aten.batch_norm", ParamType.OPTIONAL_TENSOR)
        .param("training", ParamType.BOOL)
        .param("momentum", ParamType.FLOAT)
        .param("eps", ParamType.FLOAT)
        .param("cudnn_enabled", ParamType.BOOL)
        .mutates("running_mean", "running_var")
        .doc("batch normalization; in training mode also updates running_mean and running_var in place")
        .shape(a -> List.of(check(a, l)))
        .kernel(ctx -> List.of(run(ctx, l).out))
        .build();
  }

  private static OpDef nativeBatchNormLegitNoTraining() {
    Layout l = new Layout(-1, 5, 6);
    return common("aten._native_batch_norm_legit_no_training", ParamType.TENSOR)
        .param("momentum", ParamType.FLOAT)
        .param("eps", ParamType.FLOAT)
        .doc("evaluation-mode batch norm; returns (out, empty, empty)")
        .shape(a -> threeResults(a, l))
        .kernel(ctx -> run(ctx, l).all())
        .build();
  }

  private static OpDef nativeBatchNormLegit() {
    Layout l = new Layout(5, 6, 7);
    return common("aten._native_batch_norm_legit", ParamType.TENSOR)
        .param("training", ParamType.BOOL)
        .param("momentum", ParamType.FLOAT)
        .param("eps", ParamType.FLOAT)
        .mutates("running_mean", "running_var")
        .doc("batch norm returning (out, save_mean, save_invstd); the saved stats are [C] in training, [0] otherwise")
        .shape(a -> threeResults(a, l))
        .kernel(ctx -> run(ctx, l).all())
        .build();
  }

  private static OpDef nativeBatchNorm() {
    Layout l = new Layout(5, 6, 7);
    return common("aten.native_batch_norm", ParamType.OPTIONAL_TENSOR)
        .param("training", ParamType.BOOL)
        .param("momentum", ParamType.FLOAT)
        .param("eps", ParamType.FLOAT)
        .mutates("running_mean", "running_var")
        .doc("batch norm returning (out, save_mean, save_invstd); the saved stats are [C] in training, [0] otherwise")
        .shape(a -> threeResults(a, l))
        .kernel(ctx -> run(ctx, l).all())
        .build();
  }

  private static List<TensorType> threeResults(OpArgs a, Layout l) {
    TensorType out = check(a, l);
    TensorType stats = statsType(a, l);
    return List.of(out, stats, stats);
  }

  /** save_mean / save_invstd: [C] in training mode, [0] in evaluation mode, in the parameters' dtype. */
  private static TensorType statsType(OpArgs a, Layout l) {
    int c = l.training(a) ? a.type(0).dim(1) : 0;
    return TensorType.of(paramDtype(a), c);
  }

  /** The dtype of the per-channel tensors: f32 for a half input with f32 parameters, else the input's. */
  private static DType paramDtype(OpArgs a) {
    for (int i = 1; i <= 4; i++) {
      if (!a.isNone(i)) {
        return a.type(i).dtype();
      }
    }
    return a.type(0).dtype();
  }

  /** Validates the call and returns the output type (the input's). */
  private static TensorType check(OpArgs a, Layout l) {
    String name = a.op().name();
    TensorType x = a.type(0);
    checkArgument(x.rank() >= 2, "%s: expected an input with at least 2 dimensions [N, C, ...], got %s", name, x);
    checkArgument(x.dtype().isFloatingPoint(), "%s: expected a floating-point input, got %s", name, x);
    int c = x.dim(1);
    String[] names = {"weight", "bias", "running_mean", "running_var"};
    DType param = paramDtype(a);
    checkArgument(param.isFloatingPoint(), "%s: expected floating-point parameters, got %s", name, param);
    for (int i = 1; i <= 4; i++) {
      if (!a.isNone(i)) {
        TensorType t = a.type(i);
        checkArgument(t.rank() == 1 && t.dim(0) == c, "%s: %s should be [%s] for an input with %s channels, got %s",
            name, names[i - 1], c, c, t);
        checkArgument(t.dtype() == param, "%s: %s is %s but the other parameters are %s",
            name, names[i - 1], t.dtype(), param);
      }
    }
    boolean training = l.training(a);
    if (!training) {
      checkArgument(!a.isNone(3) && !a.isNone(4),
          "%s: running_mean and running_var must be defined in evaluation mode", name);
    } else {
      checkArgument(x.numel() / Math.max(c, 1) > 1,
          "%s: expected more than 1 value per channel when training, got input size %s", name, x.shape());
    }
    return x;
  }

  /** The three results of a batch norm. */
  private record Result(Tensor out, Tensor saveMean, Tensor saveInvstd) {
    List<Tensor> all() {
      return List.of(out, saveMean, saveInvstd);
    }
  }

  private static Result run(KernelContext ctx, Layout l) {
    check(ctx, l);
    Tensor input = ctx.tensor(0);
    boolean training = l.training(ctx);
    double momentum = ctx.floatArg(l.momentum());
    double eps = ctx.floatArg(l.eps());
    int[] dims = input.dims();
    int n = dims[0];
    int c = dims[1];
    int image = Dims.product(dims, 2, dims.length);
    // Float-typed tensors compute in float, reproduced by rounding every step (see Elements).
    boolean single = paramDtype(ctx) != DType.F64;
    double[] x = Elements.toDoubles(input);
    double[] weight = optDoubles(ctx, 1);
    double[] bias = optDoubles(ctx, 2);
    Tensor runningMean = ctx.optTensor(3);
    Tensor runningVar = ctx.optTensor(4);

    double[] mean = new double[c];
    double[] invstd = new double[c];
    for (int ch = 0; ch < c; ch++) {
      if (training) {
        long count = (long) n * image;
        double sum = 0;
        for (int b = 0; b < n; b++) {
          int base = (b * c + ch) * image;
          for (int i = 0; i < image; i++) {
            sum += x[base + i];
          }
        }
        double m = r(single, sum / count);
        double varSum = 0;
        for (int b = 0; b < n; b++) {
          int base = (b * c + ch) * image;
          for (int i = 0; i < image; i++) {
            double d = r(single, x[base + i] - m);
            varSum += r(single, d * d);
          }
        }
        varSum = r(single, varSum);
        mean[ch] = m;
        invstd[ch] = r(single, 1 / Math.sqrt(r(single, varSum / count) + eps));
        double mom = r(single, momentum);
        double keep = r(single, 1 - mom);
        if (runningMean != null) {
          double old = runningMean.getDouble(ch);
          runningMean.setDouble(ch, r(single, mom * m) + r(single, keep * old));
        }
        if (runningVar != null) {
          double unbiased = r(single, varSum / (count - 1));
          double old = runningVar.getDouble(ch);
          runningVar.setDouble(ch, mom * unbiased + r(single, keep * old));
        }
      } else {
        mean[ch] = runningMean.getDouble(ch);
        double var = runningVar.getDouble(ch);
        invstd[ch] = r(single, 1 / r(single, Math.sqrt(r(single, var + r(single, eps)))));
      }
    }

    double[] out = new double[x.length];
    for (int ch = 0; ch < c; ch++) {
      double w = weight == null ? 1 : weight[ch];
      double bb = bias == null ? 0 : bias[ch];
      double alpha = r(single, invstd[ch] * w);
      double beta = fma(single, -mean[ch], alpha, bb);
      for (int b = 0; b < n; b++) {
        int base = (b * c + ch) * image;
        for (int i = 0; i < image; i++) {
          out[base + i] = fma(single, x[base + i], alpha, beta);
        }
      }
    }
    TensorType statsType = statsType(ctx, l);
    Tensor saveMean = Tensor.zeros(statsType);
    Tensor saveInvstd = Tensor.zeros(statsType);
    if (training) {
      for (int ch = 0; ch < c; ch++) {
        saveMean.setDouble(ch, mean[ch]);
        saveInvstd.setDouble(ch, invstd[ch]);
      }
    }
    return new Result(Elements.fromDoubles(out, input.type()), saveMean, saveInvstd);
  }

  private static double[] optDoubles(KernelContext ctx, int i) {
    Tensor t = ctx.optTensor(i);
    return t == null ? null : Elements.toDoubles(t);
  }

  /**
   * {@code a * b + c} with one rounding, as PyTorch's compiled CPU kernel evaluates both
   * {@code bias - mean * alpha} and {@code x * alpha + beta} (fused multiply-add).
   */
  private static double fma(boolean single, double a, double b, double c) {
    return single ? Math.fma((float) a, (float) b, (float) c) : Math.fma(a, b, c);
  }

  private static double r(boolean single, double v) {
    return single ? Elements.fl(v) : v;
  }
}
