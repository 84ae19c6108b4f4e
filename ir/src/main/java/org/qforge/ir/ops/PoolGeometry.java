package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qforge.ir.TensorType;

/**
 * The sizes of a 2-D pooling window sweep over a 3-D [C, H, W] or 4-D [N, C, H, W] input, with
 * PyTorch's output-size rule ({@code pooling_output_shape}) and argument checks.
 */
final class PoolGeometry {
  final boolean batched;
  /** N * C: the number of independent planes. */
  final int planes;
  final int inH;
  final int inW;
  final int kernelH;
  final int kernelW;
  final int strideH;
  final int strideW;
  final int padH;
  final int padW;
  final int dilationH;
  final int dilationW;
  final int outH;
  final int outW;

  private PoolGeometry(boolean batched, int planes, int inH, int inW, int[] k, int[] s, int[] p, int[] d,
      int outH, int outW) {
    this.batched = batched;
    this.planes = planes;
    this.inH = inH;
    this.inW = inW;
    this.kernelH = k[0];
    this.kernelW = k[1];
    this.strideH = s[0];
    this.strideW = s[1];
    this.padH = p[0];
    this.padW = p[1];
    this.dilationH = d[0];
    this.dilationW = d[1];
    this.outH = outH;
    this.outW = outW;
  }

  /**
   * Validates a pooling call. An empty {@code stride} means the kernel size; 1-element lists are
   * repeated for both dims.
   */
  static PoolGeometry of(String op, TensorType input, int[] kernelSize, int[] stride, int[] padding,
      int[] dilation, boolean ceilMode) {
    checkRank(op, input);
    int[] k = Dims.perSpatialDim(op, "kernel_size", kernelSize, 2);
    int[] s = stride.length == 0 ? k.clone() : Dims.perSpatialDim(op, "stride", stride, 2);
    int[] p = Dims.perSpatialDim(op, "padding", padding, 2);
    int[] d = Dims.perSpatialDim(op, "dilation", dilation, 2);
    for (int i = 0; i < 2; i++) {
      checkArgument(k[i] > 0, "%s: kernel_size must be positive, got %s", op, Arrays.toString(k));
      checkArgument(s[i] > 0, "%s: stride must be positive, got %s", op, Arrays.toString(s));
      checkArgument(d[i] > 0, "%s: dilation must be positive, got %s", op, Arrays.toString(d));
      checkArgument(p[i] >= 0, "%s: pad must be non-negative, got %s", op, Arrays.toString(p));
      checkArgument(p[i] <= ((k[i] - 1) * d[i] + 1) / 2,
          "%s: pad should be at most half of effective kernel size, but got padding=%s, kernel_size=%s and dilation=%s",
          op, Arrays.toString(p), Arrays.toString(k), Arrays.toString(d));
    }
    int[] dims = input.dims();
    int h = dims[dims.length - 2];
    int w = dims[dims.length - 1];
    int oh = outputSize(h, k[0], p[0], s[0], d[0], ceilMode);
    int ow = outputSize(w, k[1], p[1], s[1], d[1], ceilMode);
    checkArgument(oh >= 1 && ow >= 1,
        "%s: given input size %sx%s, the calculated output size %sx%s is too small (kernel_size=%s, stride=%s, padding=%s, dilation=%s)",
        op, h, w, oh, ow, Arrays.toString(k), Arrays.toString(s), Arrays.toString(p), Arrays.toString(d));
    boolean batched = input.rank() == 4;
    int planes = Dims.product(dims, 0, dims.length - 2);
    return new PoolGeometry(batched, planes, h, w, k, s, p, d, oh, ow);
  }

  static void checkRank(String op, TensorType input) {
    checkArgument(input.rank() == 3 || input.rank() == 4,
        "%s: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got %s", op, input);
  }

  /**
   * PyTorch's {@code pooling_output_shape}: {@code floor} (or {@code ceil} in ceil mode) of
   * {@code (in + 2*pad - dilation*(k-1) - 1) / stride} plus one, where in ceil mode a last window
   * that would start beyond the input and its left padding is dropped.
   */
  static int outputSize(int in, int k, int pad, int stride, int dilation, boolean ceilMode) {
    long numerator = (long) in + 2L * pad - (long) dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0);
    long out = Math.floorDiv(numerator, stride) + 1;
    if (ceilMode && (out - 1) * stride >= (long) in + pad) {
      out--;
    }
    return (int) out;
  }

  /** The input's leading dims with the pooled spatial size. */
  TensorType outputType(TensorType input) {
    return outputType(input, outH, outW);
  }

  static TensorType outputType(TensorType input, int outH, int outW) {
    List<Integer> shape = new ArrayList<>(input.shape().subList(0, input.rank() - 2));
    shape.add(outH);
    shape.add(outW);
    return input.withShape(shape);
  }
}
