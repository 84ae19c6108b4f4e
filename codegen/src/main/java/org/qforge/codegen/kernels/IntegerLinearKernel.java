package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.block;
import static org.qforge.codegen.loop.Kb.doubleVar;
import static org.qforge.codegen.loop.Kb.forLoop;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.l;
import static org.qforge.codegen.loop.Kb.load;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.store;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * {@code qforge.quantized_linear}: input [..., K], weight [O, K], output [..., O]. For row r and
 * output o:
 *
 * <pre>
 *   acc  = Σ_k (x[r, k] - x_zp) · (w[o, k] - w_zp[o])        // exact
 *   m    = s_in · (double) weight_scales[o]                 // exact in double
 *   real = (double) acc · m,  then real + (double) bias[o]  // with a bias
 *   q    = (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)
 * </pre>
 *
 * — the double operations of the interpreter's {@code quantized_linear} kernel, in its order.
 *
 * <p>With symmetric int8 weights, a row's sums come from the runtime's Vector API kernel when it can
 * run ({@code Int8VectorKernels.dotRows}, over the row centred into a K-int workspace, sums into an
 * O-int one; then {@code requantizeChannels}), from the scalar loop otherwise: {@code Int8DotBenchmark} in bench/README.md measured
 * the scalar byte·byte reduction at 2.5 GMAC/s, which C2 does not vectorize.
 */
final class IntegerLinearKernel implements KernelGenerator {
  @Override
  public int workspaceInts(Node node) {
    int[] wd = ((Value) node.arg("weight")).type().dims();
    return WeightQuantization.vectorTypes(node, wd[1]) ? Math.addExact(wd[0], wd[1]) : 0;
  }

  @Override
  public Stmt body(Node node, ExecutionPlan plan) {
    WeightQuantization wq = new WeightQuantization(node, plan);
    Value xv = (Value) node.arg("input");
    int k = wq.weight.type().dim(1);
    int outs = wq.weight.type().dim(0);
    int rows = outs == 0 ? 0 : node.result().type().numelInt() / outs;
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    Local r = intVar("r");
    Local o = intVar("o");
    Local kk = intVar("k");
    Local xRow = intVar("xRow");
    Local wRow = intVar("wRow");
    Local m = doubleVar("m");
    Local wz = wq.hasWeightZeroPoints() ? intVar("wz") : null;
    Local acc = WeightQuantization.accumulator("acc", k);
    Stmt inner = assign(acc, WeightQuantization.accumulate(acc,
        wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(kk)))),
        wq.centredWeight(wq.weightElement(add(v(wRow), v(kk))), wz)));
    List<Stmt> perOutput = new ArrayList<>();
    perOutput.add(assign(m, wq.multiplier(v(o))));
    if (wz != null) {
      perOutput.add(assign(wz, wq.weightZeroPoint(v(o))));
    }
    perOutput.add(assign(wRow, mul(v(o), i(k))));
    perOutput.add(assign(acc, acc.kind() == Kind.LONG ? l(0) : i(0)));
    perOutput.add(forLoop(kk, k, inner));
    perOutput.add(store(out.array(), out.index(add(mul(v(r), i(outs)), v(o))),
        wq.quantize(output, wq.real(v(acc), v(m), v(o)))));
    Stmt scalar = forLoop(o, outs, perOutput.toArray(Stmt[]::new));
    Stmt perRow = wq.vectorizable(k) ? new Stmt.VectorOrScalar(vectorRow(node, plan, wq, xRow, k, outs, r), scalar)
        : scalar;
    return forLoop(r, rows, assign(xRow, mul(v(r), i(k))), perRow);
  }

  /** One row: centre it into the workspace, sum on the Vector API, requantize the sums. */
  private static Stmt vectorRow(Node node, ExecutionPlan plan, WeightQuantization wq, Local xRow, int k,
      int outs, Local r) {
    ArrayParam ints = Arena.SCRATCH_I32.param();
    int centred = plan.workspaceOffset(node);
    int sums = centred + k;
    Access weight = wq.weightAccess();
    Access out = Access.of(plan, node.result());
    IntegerArithmetic.Output output = IntegerArithmetic.Output.of(node);
    Local j = intVar("j");
    Local o = intVar("o");
    Value xv = (Value) node.arg("input");
    Stmt requantize = VectorKernelCalls.requantizeChannels(wq, output, out, sums, mul(v(r), i(outs)), outs);
    if (requantize == null) {
      requantize = forLoop(o, outs, store(out.array(), out.index(add(mul(v(r), i(outs)), v(o))),
          wq.quantize(output, wq.real(load(ints, add(i(sums), v(o))), wq.multiplier(v(o)), v(o)))));
    }
    return block(
        forLoop(j, k, store(ints, add(i(centred), v(j)),
            wq.centredInput(IntegerArithmetic.element(plan, xv, add(v(xRow), v(j)))))),
        VectorKernelCalls.dotRows(weight, centred, sums, outs, k),
        requantize);
  }
}
