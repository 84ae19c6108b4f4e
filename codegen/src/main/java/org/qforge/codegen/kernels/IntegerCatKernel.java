package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.store;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * {@code qforge.quantized_cat}: concatenation along {@code dim}, each input i requantized from its
 * own {@code scales[i]}, {@code zero_points[i]} to the output's. For each element x of input i:
 *
 * <pre>
 *   real = (double) ((long) x - zero_points[i]) · s_i       // exact
 *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
 * </pre>
 *
 * and for an input whose (rounded) scale and zero point equal the output's, the same value as
 * {@code min(max(x, out_min), out_max)}: a copy with a clamp.
 */
final class IntegerCatKernel implements KernelGenerator {
  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    List<Value> inputs = ((ValueList) node.arg("tensors")).values();
    List<Double> scales = ((Literal.FloatList) node.arg("scales")).values();
    int[] zps = ((Literal.IntList) node.arg("zero_points")).toIntArray();
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    int[] od = node.result().type().dims();
    int rank = od.length;
    long dimArg = IntegerArithmetic.intLiteral(node, "dim");
    int dim = (int) (dimArg < 0 ? dimArg + rank : dimArg);
    int outer = product(od, 0, dim);
    int inner = product(od, dim + 1, rank);
    Access out = Access.of(plan, node.result());
    List<Stmt> parts = new ArrayList<>();
    int offset = 0;
    for (int t = 0; t < inputs.size(); t++) {
      Value x = inputs.get(t);
      int size = x.type().dims()[dim];
      // [outer, size, inner] of the input, read contiguously, written at offset within each output row.
      int[] dims = {outer, size, inner};
      int[] in = {size * inner, inner, 1};
      int[] to = {od[dim] * inner, inner, 1};
      Nest nest = new Nest("i" + t + "_", dims, to, in);
      parts.add(nest.wrap(store(out.array(), out.index(add(i(offset), nest.index(0))),
          output.requantize(IntegerArithmetic.element(plan, x, nest.index(1)),
              IntegerArithmetic.scale(scales.get(t)), zps[t]))));
      offset += size * inner;
    }
    return block(parts.toArray(Stmt[]::new));
  }

  private static int product(int[] dims, int from, int to) {
    int p = 1;
    for (int d = from; d < to; d++) {
      p = Math.multiplyExact(p, dims[d]);
    }
    return p;
  }
}
