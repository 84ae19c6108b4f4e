package org.qforge.ir.text;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Param;
import org.qforge.ir.ParamType;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.ValueList;

/**
 * Prints a graph as text IR, the form {@link IrParser} reads back to an identical print.
 *
 * <pre>
 * graph @digits_mlp(%x: f32[1,64]) {
 *   param %p_fc1_weight: f32[32,64] "fc1.weight"
 *   %linear: f32[1,32] = aten.linear(%x, %p_fc1_weight, %p_fc1_bias) {stack_trace = "..."}
 *   %relu: f32[1,32] = aten.relu(%linear)
 *   return %relu
 * }
 * </pre>
 *
 * Arguments print positionally while the schema's parameters are tensors, then as
 * {@code name=value}; parameters left at their default value are omitted, as in
 * {@code torch.export}'s own graphs. The data section, when printed, follows the graph: one
 * {@code data %name = ...} line per constant, {@code dense [...]} for small tensors and
 * {@code base64 "..."} (little-endian, row-major) for the rest.
 */
public final class IrPrinter {
  /** Constants up to this many elements print as readable decimal lists. */
  static final int DENSE_LIMIT = 16;

  private IrPrinter() {}

  /** The graph without constant data. */
  public static String print(Graph g) {
    StringBuilder sb = new StringBuilder();
    printGraph(g, sb);
    return sb.toString();
  }

  /** The graph followed by its data section: the whole program, as {@code .qir} files hold it. */
  public static String printWithData(Graph g) {
    StringBuilder sb = new StringBuilder();
    printGraph(g, sb);
    printData(g, sb);
    return sb.toString();
  }

  private static void printGraph(Graph g, StringBuilder sb) {
    sb.append("graph @").append(g.name()).append('(');
    List<Value> inputs = g.inputs();
    for (int i = 0; i < inputs.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(inputs.get(i)).append(": ").append(inputs.get(i).type());
    }
    sb.append(") {\n");
    for (Constant c : g.constants().values()) {
      sb.append("  ").append(c.kind().keyword()).append(' ').append(c.value()).append(": ")
          .append(c.value().type());
      if (!c.fqn().isEmpty()) {
        sb.append(' ').append(Literal.quote(c.fqn()));
      }
      sb.append('\n');
    }
    for (Node n : g.nodes()) {
      sb.append("  ");
      printNode(n, sb);
      sb.append('\n');
    }
    sb.append("  return ").append(g.outputs().stream().map(Value::toString).collect(Collectors.joining(", ")))
        .append("\n}\n");
  }

  /** One node on one line, without indentation or newline. */
  public static String printNode(Node n) {
    StringBuilder sb = new StringBuilder();
    printNode(n, sb);
    return sb.toString();
  }

  private static void printNode(Node n, StringBuilder sb) {
    sb.append(n.results().stream().map(r -> r + ": " + r.type()).collect(Collectors.joining(", ")));
    sb.append(" = ").append(n.op().name()).append('(');
    List<Param> params = n.op().params();
    boolean keywords = false;
    boolean first = true;
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      Argument a = n.arg(i);
      keywords |= !isTensorParam(p.type());
      if (keywords && a.equals(p.defaultValue())) {
        continue;
      }
      sb.append(first ? "" : ", ");
      first = false;
      if (keywords) {
        sb.append(p.name()).append('=');
      }
      sb.append(argumentText(a));
    }
    sb.append(')');
    Map<String, String> md = n.metadata();
    if (!md.isEmpty()) {
      sb.append(" {").append(md.entrySet().stream()
          .map(e -> e.getKey() + " = " + Literal.quote(e.getValue()))
          .collect(Collectors.joining(", "))).append('}');
    }
  }

  private static boolean isTensorParam(ParamType t) {
    return t == ParamType.TENSOR || t == ParamType.OPTIONAL_TENSOR || t == ParamType.TENSOR_LIST
        || t == ParamType.TENSOR_OR_SCALAR;
  }

  static String argumentText(Argument a) {
    if (a instanceof Value v) {
      return v.toString();
    }
    if (a instanceof ValueList vl) {
      return vl.toString();
    }
    return ((Literal) a).toText();
  }

  private static void printData(Graph g, StringBuilder sb) {
    for (Constant c : g.constants().values()) {
      sb.append("data ").append(c.value()).append(" = ").append(dataText(c.tensor())).append('\n');
    }
  }

  private static String dataText(Tensor t) {
    if (t.numel() > DENSE_LIMIT) {
      return "base64 \"" + Base64.getEncoder().encodeToString(t.toLittleEndian()) + "\"";
    }
    StringBuilder sb = new StringBuilder("dense [");
    for (int i = 0; i < t.numel(); i++) {
      sb.append(i == 0 ? "" : ", ").append(elementText(t, i));
    }
    return sb.append(']').toString();
  }

  private static String elementText(Tensor t, int i) {
    DType d = t.dtype();
    if (d == DType.F64) {
      return Literal.formatDouble(t.getDouble(i));
    }
    if (d.isFloatingPoint()) {
      float f = (float) t.getDouble(i);
      return Float.isNaN(f) || Float.isInfinite(f) ? Literal.formatDouble(f) : Float.toString(f);
    }
    return Long.toString(t.getLong(i));
  }
}
