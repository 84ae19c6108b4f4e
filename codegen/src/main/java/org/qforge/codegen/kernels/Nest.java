package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;

/**
 * Nested counted loops over a row-major index space, with the flat position of each strided operand
 * ({@code Σ i_d · stride_d}). Dims of size 1 get no loop, and adjacent dims that every operand
 * walks contiguously ({@code stride[d] == stride[d+1] · dims[d+1]}) merge into one loop, so that
 * operands of equal shapes take a single flat loop.
 */
final class Nest {
  private final List<Integer> sizes = new ArrayList<>();
  private final List<int[]> strides = new ArrayList<>();
  private final List<Local> vars = new ArrayList<>();

  /**
   * The loops over {@code dims}, outermost first, with one stride vector per operand.
   *
   * @param prefix names the loop variables ({@code prefix0}, {@code prefix1}, ...), unique in the kernel
   */
  Nest(String prefix, int[] dims, int[]... operandStrides) {
    int operands = operandStrides.length;
    // Walk from the innermost dim outwards, merging into the current (outer-most so far) loop.
    List<Integer> revSizes = new ArrayList<>();
    List<int[]> revStrides = new ArrayList<>();
    for (int d = dims.length - 1; d >= 0; d--) {
      if (dims[d] == 1) {
        continue;
      }
      int[] s = new int[operands];
      for (int o = 0; o < operands; o++) {
        s[o] = operandStrides[o][d];
      }
      if (!revSizes.isEmpty()) {
        int last = revSizes.size() - 1;
        int innerSize = revSizes.get(last);
        int[] inner = revStrides.get(last);
        boolean contiguous = true;
        for (int o = 0; o < operands; o++) {
          contiguous &= (long) s[o] == (long) inner[o] * innerSize;
        }
        if (contiguous) {
          revSizes.set(last, Math.multiplyExact(innerSize, dims[d]));
          continue;
        }
      }
      revSizes.add(dims[d]);
      revStrides.add(s);
    }
    for (int k = revSizes.size() - 1; k >= 0; k--) {
      sizes.add(revSizes.get(k));
      strides.add(revStrides.get(k));
      vars.add(intVar(prefix + vars.size()));
    }
  }

  /** Row-major strides of {@code dims}. */
  static int[] rowMajor(int[] dims) {
    int[] s = new int[dims.length];
    int stride = 1;
    for (int d = dims.length - 1; d >= 0; d--) {
      s[d] = stride;
      stride = Math.multiplyExact(stride, dims[d]);
    }
    return s;
  }

  /** The flat position of operand {@code operand} at the current loop indices. */
  Expr index(int operand) {
    Expr e = i(0);
    for (int k = 0; k < vars.size(); k++) {
      int s = strides.get(k)[operand];
      if (s != 0) {
        e = add(e, mul(v(vars.get(k)), i(s)));
      }
    }
    return e;
  }

  /** {@code body} inside the loops. */
  Stmt wrap(Stmt... body) {
    Stmt s = body.length == 1 ? body[0] : org.qforge.codegen.loop.Kb.block(body);
    for (int k = vars.size() - 1; k >= 0; k--) {
      s = forLoop(vars.get(k), sizes.get(k), s);
    }
    return s;
  }
}
