package org.qforge.codegen.kernels;

import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The share of an integer program's multiply-adds done by its linear layers, which decides whether
 * they run on the Vector API kernels ({@code Int8VectorKernels.dotRows}, {@code requantizeChannelsInFloats})
 * or on the generated scalar loops.
 *
 * <p>Why a share of the whole program: those kernels are shared by every linear layer of a model, and
 * until C2 compiles them they run in the interpreter and C1 with every vector boxed, about 100× slower
 * than the scalar loops; C2 compiles a method after thousands of calls or loop iterations. In
 * resnet20_cifar, whose one linear layer (64 → 10, 640 multiply-adds) is 0.002% of the model's, that
 * took ~7.8 s of back-to-back runs ({@code -XX:+PrintCompilation}), and until then the layer took 88–132
 * µs of a ~1.1 ms run ({@code Steps}, bench/README.md). Where linear layers do a material share of the
 * work (mlp_784_1024, digits_mlp: all of it), the kernels are called often enough to be compiled within
 * the first runs; where they do almost none, the scalar loops cost next to nothing.
 */
final class LinearShare {
  /** Linear layers use the Vector API kernels if they do at least this share of the multiply-adds. */
  static final double VECTOR_KERNELS_FROM = 0.01;

  private LinearShare() {}

  /** Whether {@code graph}'s linear layers do enough of its multiply-adds for the Vector API kernels. */
  static boolean vectorKernelsWorthwhile(Graph graph) {
    return of(graph) >= VECTOR_KERNELS_FROM;
  }

  /** The linear layers' multiply-adds over all integer conv and linear multiply-adds (1 if there are none). */
  static double of(Graph graph) {
    double linear = 0;
    double all = 0;
    for (Node node : graph.nodes()) {
      String op = node.op().name();
      if (op.equals("qforge.quantized_linear")) {
        double macs = (double) node.result().type().numelInt() * ((Value) node.arg("weight")).type().dim(1);
        linear += macs;
        all += macs;
      } else if (op.equals("qforge.quantized_conv1d") || op.equals("qforge.quantized_conv2d")) {
        all += (double) node.result().type().numelInt() * ConvShape.of(node).taps();
      }
    }
    return all == 0 ? 1 : linear / all;
  }
}
