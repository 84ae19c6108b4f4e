package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qforge.ir.TensorType;

/**
 * The sizes of one convolution or transposed convolution, validated. 1-D convolutions are held as
 * 2-D ones with height 1 (kernel height 1, stride 1, no padding), so that one kernel serves both.
 *
 * <p>Weight layouts are PyTorch's: {@code [out, in/groups, kH, kW]} for convolution and
 * {@code [in, out/groups, kH, kW]} for transposed convolution.
 */
final class ConvGeometry {
  final int spatialRank;
  final boolean batched;
  final boolean transposed;
  final int batch;
  final int inChannels;
  final int inH;
  final int inW;
  final int outChannels;
  final int kernelH;
  final int kernelW;
  final int strideH;
  final int strideW;
  final int padH;
  final int padW;
  final int dilationH;
  final int dilationW;
  final int groups;
  final int outH;
  final int outW;

  private ConvGeometry(int spatialRank, boolean batched, boolean transposed, int[] in, int outChannels,
      int[] kernel, int[] stride, int[] pad, int[] dilation, int groups, int outH, int outW) {
    this.spatialRank = spatialRank;
    this.batched = batched;
    this.transposed = transposed;
    this.batch = in[0];
    this.inChannels = in[1];
    this.inH = in[2];
    this.inW = in[3];
    this.outChannels = outChannels;
    this.kernelH = kernel[0];
    this.kernelW = kernel[1];
    this.strideH = stride[0];
    this.strideW = stride[1];
    this.padH = pad[0];
    this.padW = pad[1];
    this.dilationH = dilation[0];
    this.dilationW = dilation[1];
    this.groups = groups;
    this.outH = outH;
    this.outW = outW;
  }

  /**
   * Validates a convolution call and computes its output size.
   *
   * @param spatialRank 1 or 2
   * @param outputPadding ignored unless {@code transposed}
   */
  static ConvGeometry of(String op, int spatialRank, TensorType input, TensorType weight, TensorType bias,
      int[] stride, int[] padding, int[] dilation, boolean transposed, int[] outputPadding, int groups) {
    checkArgument(spatialRank == 1 || spatialRank == 2, "%s: only 1-D and 2-D convolutions are supported", op);
    checkArgument(input.rank() == spatialRank + 1 || input.rank() == spatialRank + 2,
        "%s: expected a %s-D (unbatched) or %s-D (batched) input, got %s", op, spatialRank + 1, spatialRank + 2, input);
    checkArgument(weight.rank() == spatialRank + 2,
        "%s: expected a %s-D weight, got %s", op, spatialRank + 2, weight);
    checkArgument(input.dtype() == weight.dtype(),
        "%s: input type (%s) and weight type (%s) should be the same", op, input.dtype(), weight.dtype());
    checkArgument(groups > 0, "%s: groups must be positive, got %s", op, groups);
    int[] s = Dims.perSpatialDim(op, "stride", stride, spatialRank);
    int[] p = Dims.perSpatialDim(op, "padding", padding, spatialRank);
    int[] d = Dims.perSpatialDim(op, "dilation", dilation, spatialRank);
    int[] op0 = transposed ? Dims.perSpatialDim(op, "output_padding", outputPadding, spatialRank) : new int[spatialRank];
    for (int i = 0; i < spatialRank; i++) {
      checkArgument(s[i] > 0, "%s: stride must be positive, got %s", op, Arrays.toString(s));
      checkArgument(d[i] > 0, "%s: dilation must be positive, got %s", op, Arrays.toString(d));
      checkArgument(p[i] >= 0, "%s: padding must be non-negative, got %s", op, Arrays.toString(p));
      checkArgument(op0[i] >= 0, "%s: output_padding must be non-negative, got %s", op, Arrays.toString(op0));
      checkArgument(op0[i] < s[i] || op0[i] < d[i],
          "%s: output padding must be smaller than either stride or dilation, got output_padding=%s, stride=%s, dilation=%s",
          op, Arrays.toString(op0), Arrays.toString(s), Arrays.toString(d));
    }
    boolean batched = input.rank() == spatialRank + 2;
    int[] id = input.dims();
    int[] wd = weight.dims();
    int c = id[batched ? 1 : 0];
    int outChannels;
    if (!transposed) {
      checkArgument(c == wd[1] * groups, "%s: input has %s channels but weight expects %s (groups=%s)",
          op, c, wd[1] * groups, groups);
      checkArgument(wd[0] % groups == 0, "%s: weight has %s output channels, not divisible by groups=%s",
          op, wd[0], groups);
      outChannels = wd[0];
    } else {
      checkArgument(c == wd[0], "%s: input has %s channels but weight expects %s (groups=%s)", op, c, wd[0], groups);
      checkArgument(c % groups == 0, "%s: input channels %s not divisible by groups=%s", op, c, groups);
      outChannels = wd[1] * groups;
    }
    if (bias != null) {
      checkArgument(bias.rank() == 1 && bias.dim(0) == outChannels,
          "%s: bias must be [%s] for %s output channels, got %s", op, outChannels, outChannels, bias);
      checkArgument(bias.dtype() == input.dtype(),
          "%s: input type (%s) and bias type (%s) should be the same", op, input.dtype(), bias.dtype());
    }
    // Hold everything as 2-D: a 1-D convolution is one of height 1.
    int[] in = {batched ? id[0] : 1, c, spatialRank == 2 ? id[id.length - 2] : 1, id[id.length - 1]};
    int[] kernel = {spatialRank == 2 ? wd[2] : 1, wd[wd.length - 1]};
    int[] s2 = spatialRank == 2 ? s : new int[] {1, s[0]};
    int[] p2 = spatialRank == 2 ? p : new int[] {0, p[0]};
    int[] d2 = spatialRank == 2 ? d : new int[] {1, d[0]};
    int[] op2 = spatialRank == 2 ? op0 : new int[] {0, op0[0]};
    int[] out = new int[2];
    for (int i = 0; i < 2; i++) {
      int size = i == 0 ? in[2] : in[3];
      int effectiveKernel = d2[i] * (kernel[i] - 1) + 1;
      if (!transposed) {
        checkArgument(size + 2 * p2[i] >= effectiveKernel,
            "%s: padded input size %s is smaller than the (dilated) kernel size %s; input %s, weight %s, padding %s",
            op, size + 2 * p2[i], effectiveKernel, input, weight, Arrays.toString(p));
        out[i] = (size + 2 * p2[i] - effectiveKernel) / s2[i] + 1;
      } else {
        out[i] = (size - 1) * s2[i] - 2 * p2[i] + effectiveKernel + op2[i];
        checkArgument(out[i] > 0, "%s: output size would be %s, which is not positive; input %s, weight %s",
            op, out[i], input, weight);
      }
    }
    return new ConvGeometry(spatialRank, batched, transposed, in, outChannels, kernel, s2, p2, d2, groups,
        out[0], out[1]);
  }

  /** The output type: [N, outC, *spatial] (without N for unbatched input). */
  TensorType outputType(TensorType input) {
    List<Integer> shape = new ArrayList<>();
    if (batched) {
      shape.add(batch);
    }
    shape.add(outChannels);
    if (spatialRank == 2) {
      shape.add(outH);
    }
    shape.add(outW);
    return input.withShape(shape);
  }
}
