package org.qforge.codegen.javapoet;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import org.qforge.codegen.loop.ArrayKind;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.KernelFunction;
import org.qforge.codegen.loop.Stmt;

/**
 * Prints a {@link KernelFunction} as a readable Java method with JavaPoet. Every operation is
 * written with explicit casts and parentheses so that javac emits exactly the operations the
 * bytecode backend emits.
 */
public final class KernelSourceEmitter {
  private KernelSourceEmitter() {}

  /** The kernel as a {@code private static void} method. */
  public static MethodSpec emit(KernelFunction k) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(k.name()).addModifiers(Modifier.PRIVATE, Modifier.STATIC);
    for (ArrayParam p : k.params()) {
      m.addParameter(arrayType(p.kind()), p.name());
    }
    CodeBlock.Builder body = CodeBlock.builder();
    statement(k.body(), body, new HashSet<>());
    return m.addCode(body.build()).build();
  }

  private static TypeName arrayType(ArrayKind k) {
    TypeName element = switch (k) {
      case FLOAT -> TypeName.FLOAT;
      case DOUBLE -> TypeName.DOUBLE;
      case INT -> TypeName.INT;
      case LONG -> TypeName.LONG;
      case SHORT -> TypeName.SHORT;
      case BYTE -> TypeName.BYTE;
    };
    return ArrayTypeName.of(element);
  }

  private static void statement(Stmt s, CodeBlock.Builder out, Set<String> declared) {
    if (s instanceof Stmt.Block b) {
      for (Stmt inner : b.body()) {
        statement(inner, out, declared);
      }
    } else if (s instanceof Stmt.Assign a) {
      String prefix = declared.add(a.local().name()) ? a.local().kind().javaName() + " " : "";
      out.addStatement("$L$L = $L", prefix, a.local().name(), expr(a.value()));
    } else if (s instanceof Stmt.Store st) {
      String value = expr(st.value());
      if (st.array().kind() == ArrayKind.BYTE) {
        value = "(byte) (" + value + ")";
      } else if (st.array().kind() == ArrayKind.SHORT) {
        value = "(short) (" + value + ")";
      }
      out.addStatement("$L[$L] = $L", st.array().name(), expr(st.index()), value);
    } else if (s instanceof Stmt.For f) {
      String v = f.var().name();
      out.beginControlFlow("for (int $L = $L; $L < $L; $L++)", v, expr(f.from()), v, expr(f.to()), v);
      Set<String> inner = new HashSet<>(declared);
      inner.add(v);
      statement(f.body(), out, inner);
      out.endControlFlow();
    } else if (s instanceof Stmt.If i) {
      out.beginControlFlow("if ($L $L $L)", expr(i.a()), i.cmp().symbol(), expr(i.b()));
      statement(i.body(), out, new HashSet<>(declared));
      out.endControlFlow();
    } else if (s instanceof Stmt.VectorOrScalar vs) {
      // Runtime classes live in the model's package, so their simple names resolve.
      out.beginControlFlow("if (VectorSupport.ENABLED)");
      statement(vs.vector(), out, new HashSet<>(declared));
      out.nextControlFlow("else");
      statement(vs.scalar(), out, new HashSet<>(declared));
      out.endControlFlow();
    } else if (s instanceof Stmt.Invoke call) {
      List<String> args = new ArrayList<>();
      call.arrays().forEach(a -> args.add(a.name()));
      call.args().forEach(e -> args.add(expr(e)));
      out.addStatement("$L.$L($L)", call.runtimeClass(), call.method(), String.join(", ", args));
    }
  }

  static String expr(Expr e) {
    if (e instanceof Expr.Const c) {
      return constant(c);
    }
    if (e instanceof Expr.Var v) {
      return v.local().name();
    }
    if (e instanceof Expr.Load l) {
      return l.array().name() + "[" + expr(l.index()) + "]";
    }
    if (e instanceof Expr.Bin b) {
      return "(" + expr(b.a()) + " " + b.op().symbol() + " " + expr(b.b()) + ")";
    }
    if (e instanceof Expr.OpaqueZero) {
      return "OpaqueZero.get()";
    }
    if (e instanceof Expr.Convert c) {
      return "((" + c.kind().javaName() + ") " + expr(c.value()) + ")";
    }
    Expr.Call call = (Expr.Call) e;
    return "Math." + call.fn().method() + call.args().stream().map(KernelSourceEmitter::expr)
        .collect(Collectors.joining(", ", "(", ")"));
  }

  private static String constant(Expr.Const c) {
    return switch (c.kind()) {
      case INT -> Integer.toString(c.value().intValue());
      case LONG -> c.value().longValue() + "L";
      case FLOAT -> floatLiteral(c.value().floatValue());
      case DOUBLE -> doubleLiteral(c.value().doubleValue());
    };
  }

  private static String floatLiteral(float f) {
    if (Float.isNaN(f)) {
      return "Float.NaN";
    }
    if (Float.isInfinite(f)) {
      return f > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
    }
    // Hex literals are exact; they also keep -0.0f.
    return "(" + Float.toHexString(f) + "f)";
  }

  private static String doubleLiteral(double d) {
    if (Double.isNaN(d)) {
      return "Double.NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
    }
    return "(" + Double.toHexString(d) + ")";
  }

  /** For tests and debugging: the kernel's Java text. */
  public static String text(KernelFunction k) {
    return emit(k).toString();
  }
}
