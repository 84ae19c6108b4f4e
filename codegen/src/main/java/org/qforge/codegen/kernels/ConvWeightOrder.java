package org.qforge.codegen.kernels;

import org.qforge.codegen.loop.Expr;
import org.qforge.ir.Tensor;

/**
 * A kernel form that stores a conv's constant weight in an order of its own instead of the graph's
 * [O, C, kH, kW] ({@link IntegerConvKernel#relayout}): the same bytes, reordered at compile time, so
 * that its Vector API kernel reads them as it needs; the scalar loops then read them there too.
 */
interface ConvWeightOrder {
  /** The convolution's shape. */
  ConvShape shape();

  /** Where weight (o, c, ky, kx) is stored after {@link #relayout}. */
  int storedIndex(int o, int c, int ky, int kx);

  /** {@link #storedIndex(int, int, int, int)} in generated code, for the scalar loops. */
  Expr storedIndex(Expr o, Expr c, Expr ky, Expr kx);

  /** The weight in this order. */
  default Tensor relayout(Tensor tensor) {
    ConvShape s = shape();
    byte[] graphOrder = tensor.bytes();
    byte[] stored = new byte[graphOrder.length];
    for (int o = 0; o < s.oc(); o++) {
      for (int c = 0; c < s.c(); c++) {
        for (int ky = 0; ky < s.kh(); ky++) {
          for (int kx = 0; kx < s.kw(); kx++) {
            stored[storedIndex(o, c, ky, kx)] = graphOrder[((o * s.c() + c) * s.kh() + ky) * s.kw() + kx];
          }
        }
      }
    }
    return Tensor.ofBytes(tensor.dtype(), stored, tensor.dims());
  }
}
