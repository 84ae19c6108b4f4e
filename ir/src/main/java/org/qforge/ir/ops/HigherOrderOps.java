package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Argument;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpArgs;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;

/**
 * {@code torch.ops.higher_order.out_dtype(op, out_dtype, *args)}, the higher-order op PT2E's
 * reference representation uses for integer arithmetic: the tensor and number arguments are
 * promoted together with a 1-element tensor of {@code out_dtype} (PyTorch's default elementwise
 * promotion), every tensor is cast to that type, {@code op} runs, and the result is converted to
 * {@code out_dtype} — a float-to-int conversion truncates toward zero. So
 * {@code out_dtype(aten.mul.Tensor, i32, acc_i32, scale_f32[])} multiplies in float32 and truncates,
 * and {@code out_dtype(aten.linear, i32, x_i16, w_i16, None)} accumulates in int32.
 */
final class HigherOrderOps {
  /** The ops out_dtype may wrap. */
  static final Set<String> WRAPPABLE = Set.of("aten.linear", "aten.mul.Tensor", "aten.div.Tensor", "aten.mm",
      "aten.convolution");

  private HigherOrderOps() {}

  static List<OpDef> definitions() {
    return List.of(OpDef.builder("higher_order.out_dtype")
        .param("op", ParamType.STRING)
        .param("out_dtype", ParamType.DTYPE)
        .param("a", ParamType.TENSOR_OR_SCALAR)
        .param("b", ParamType.TENSOR_OR_SCALAR)
        .param("c", ParamType.OPTIONAL_TENSOR, Literal.NONE)
        .doc("run op on arguments promoted with out_dtype, then convert the result to out_dtype (truncating)")
        .shape(ShapeFunction.single(a -> inner(a).resultType()))
        .kernel(ctx -> {
          Inner inner = inner(ctx);
          List<Tensor> inputs = new ArrayList<>();
          for (int i = 2; i < 5; i++) {
            if (ctx.arg(i) instanceof Value) {
              inputs.add(Elements.cast(ctx.tensor(i), inner.promoted()));
            }
          }
          Tensor raw = new Interpreter(inner.graph()).run(inputs).get(0);
          return List.of(Elements.castCopy(raw, ctx.dtypeArg(1)));
        })
        .build());
  }

  /**
   * The wrapped op as a one-node graph over the promoted argument types, and the promoted type.
   *
   * @param graph the one-node graph (tensor arguments are its inputs, in order)
   * @param promoted the common dtype the tensors are cast to
   * @param resultType the result type after conversion to out_dtype
   */
  private record Inner(Graph graph, DType promoted, TensorType resultType) {}

  private static Inner inner(OpArgs a) {
    String opName = a.stringArg(0);
    checkArgument(WRAPPABLE.contains(opName), "higher_order.out_dtype cannot wrap %s (supported: %s)", opName,
        WRAPPABLE);
    DType out = a.dtypeArg(1);
    TypePromotion.State state = new TypePromotion.State();
    for (int i = 2; i < 5; i++) {
      if (!a.isNone(i)) {
        state.add(a, i);
      }
    }
    state.addTensor(out, 1);
    DType promoted = state.result();
    OpDef op = OpRegistry.standard().get(opName);
    Graph g = new Graph("out_dtype");
    List<Argument> args = new ArrayList<>();
    for (int i = 2; i < 5; i++) {
      Argument arg = a.arg(i);
      if (arg instanceof Value) {
        args.add(g.addInput("a" + i, a.type(i).withDType(promoted)));
      } else if (i < 4 || !(arg instanceof Literal.None)) {
        args.add(arg);
      }
    }
    List<Argument> bound = op.bind(args, Map.of());
    List<TensorType> types = op.shapeFunction().infer(new org.qforge.ir.NodeArgs(op, bound));
    Node n = g.addNode(op, bound, List.of("r"), types, Map.of());
    g.setOutputs(List.of(n.result()));
    return new Inner(g, promoted, types.get(0).withDType(out));
  }
}
