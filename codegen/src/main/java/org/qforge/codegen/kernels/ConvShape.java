package org.qforge.codegen.kernels;

import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The sizes of one integer convolution node, read once: a 1-D convolution is held as a 2-D one of
 * height 1 (so {@code h}, {@code kh}, {@code oh} are 1 and the pairs' first entries are the
 * identity values), an unbatched input as a batch of one.
 *
 * @param batch batch size
 * @param c input channels
 * @param h input height
 * @param w input width
 * @param oc output channels
 * @param cpg input channels per group (the weight's dim 1)
 * @param kh kernel height
 * @param kw kernel width
 * @param oh output height
 * @param ow output width
 * @param stride (height, width) strides
 * @param pad (height, width) padding
 * @param dil (height, width) dilation
 * @param groups the number of groups
 */
record ConvShape(int batch, int c, int h, int w, int oc, int cpg, int kh, int kw, int oh, int ow, int[] stride,
    int[] pad, int[] dil, int groups) {

  static ConvShape of(Node node) {
    boolean oneD = node.op().name().endsWith("conv1d");
    int spatial = oneD ? 1 : 2;
    int[] xd = ((Value) node.arg("input")).type().dims();
    int[] wd = ((Value) node.arg("weight")).type().dims();
    int[] od = node.result().type().dims();
    boolean batched = xd.length == spatial + 2;
    return new ConvShape(batched ? xd[0] : 1, xd[batched ? 1 : 0], oneD ? 1 : xd[xd.length - 2], xd[xd.length - 1],
        wd[0], wd[1], oneD ? 1 : wd[2], wd[wd.length - 1], oneD ? 1 : od[od.length - 2], od[od.length - 1],
        IntegerConvKernel.spatialPair(node, "stride", oneD, 1), IntegerConvKernel.spatialPair(node, "padding", oneD, 0),
        IntegerConvKernel.spatialPair(node, "dilation", oneD, 1),
        Math.toIntExact(IntegerArithmetic.intLiteral(node, "groups")));
  }

  /** Weight taps per output channel: {@code cpg · kh · kw}. */
  int taps() {
    return Math.multiplyExact(Math.multiplyExact(cpg, kh), kw);
  }
}
