package org.qforge.codegen.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qforge.ir.Argument;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;

/**
 * Every result of an elementwise integer op with two 8-bit operands, one per pair of operand bytes:
 * entry {@code (a & 0xff) · 256 + (b & 0xff)} is the op's result for the stored bytes a and b, as the
 * interpreter computes it — so a kernel that reads the table is bit-identical to the interpreter
 * by construction, whatever the op's arithmetic.
 *
 * <p>Why: resnet20's nine quantized adds spent 1.7–2.1 ns an element in their scalar double
 * arithmetic (a division and rounding per element), 180 µs of a 1.1 ms run; one table read is
 * 0.7–1.0 ns (bench/README.md). A 64 KiB table per op pays only on large tensors, so kernels ask
 * for one from {@link #MIN_ELEMENTS} results up.
 */
final class ByteOperandTable {
  /** Results from which a table is worth its 64 KiB (resnet20's smallest add, 4,096, is 2.3× faster with it). */
  static final int MIN_ELEMENTS = 2048;

  private ByteOperandTable() {}

  /**
   * The table of {@code node}, an op whose first two arguments are its 8-bit operands and whose
   * result has their dtype; its other arguments are literals.
   */
  static Tensor of(Node node) {
    Value self = (Value) node.arg(0);
    Value other = (Value) node.arg(1);
    Graph g = new Graph("table_" + node.name());
    Value a = g.addInput("a", TensorType.of(self.type().dtype(), 256, 1));
    Value b = g.addInput("b", TensorType.of(other.type().dtype(), 1, 256));
    List<Argument> args = new ArrayList<>(node.args());
    args.set(0, a);
    args.set(1, b);
    Node n = g.addNode(node.op(), args, List.of("table"),
        List.of(TensorType.of(node.result().type().dtype(), 256, 256)), Map.of());
    g.setOutputs(List.of(n.result()));
    Tensor t = new Interpreter(g).run(List.of(everyByte(self.type().dtype(), 256, 1),
        everyByte(other.type().dtype(), 1, 256))).get(0);
    return Tensor.ofBytes(t.dtype(), t.bytes().clone(), 256 * 256);
  }

  /** True if {@code node}'s operands and result are 8-bit and it has enough results to pay for a table. */
  static boolean worthwhile(Node node) {
    return isByte((Value) node.arg(0)) && isByte((Value) node.arg(1)) && isByte(node.result())
        && node.result().type().numel() >= MIN_ELEMENTS;
  }

  private static boolean isByte(Value v) {
    return v.type().dtype() == DType.I8 || v.type().dtype() == DType.U8;
  }

  /** Element k holds the byte k (the values 0…127, −128…−1 as i8; 0…255 as u8). */
  private static Tensor everyByte(DType dtype, int... shape) {
    byte[] bytes = new byte[256];
    for (int k = 0; k < 256; k++) {
      bytes[k] = (byte) k;
    }
    return Tensor.ofBytes(dtype, bytes, shape);
  }
}
