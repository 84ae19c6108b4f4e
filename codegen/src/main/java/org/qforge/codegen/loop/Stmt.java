package org.qforge.codegen.loop;

import java.util.List;

/**
 * Statements of the kernel loop language: assignments, array stores, counted loops, conditionals,
 * and calls of the runtime's Vector API kernels with the scalar loops as their fallback.
 */
public sealed interface Stmt {

  /** {@code local = value} (the first assignment declares the local). */
  record Assign(Local local, Expr value) implements Stmt {
    public Assign {
      if (local.kind() != value.kind()) {
        throw new IllegalArgumentException("cannot assign " + value.kind() + " to " + local);
      }
    }
  }

  /** {@code array[index] = value}; int values narrow to byte or short for those arrays. */
  record Store(ArrayParam array, Expr index, Expr value) implements Stmt {
    public Store {
      if (index.kind() != Kind.INT || value.kind() != array.kind().element()) {
        throw new IllegalArgumentException("cannot store " + value.kind() + " into " + array);
      }
    }
  }

  /** {@code for (int var = from; var < to; var++) body}. */
  record For(Local var, Expr from, Expr to, Stmt body) implements Stmt {
    public For {
      if (var.kind() != Kind.INT || from.kind() != Kind.INT || to.kind() != Kind.INT) {
        throw new IllegalArgumentException("loop bounds and variable must be int");
      }
    }
  }

  /** {@code if (a cmp b) body}. */
  record If(Cmp cmp, Expr a, Expr b, Stmt body) implements Stmt {
    public If {
      if (a.kind() != b.kind()) {
        throw new IllegalArgumentException("comparison of " + a.kind() + " and " + b.kind());
      }
    }
  }

  /** Statements in order. */
  record Block(List<Stmt> body) implements Stmt {
    public Block {
      body = List.copyOf(body);
    }
  }

  /**
   * {@code if (VectorSupport.ENABLED) vector else scalar}: the runtime decides once, when the model
   * loads, whether the Vector API kernels can run (see {@code org.qforge.codegen.runtime.VectorSupport}).
   * Both branches must compute bit-identical results.
   */
  record VectorOrScalar(Stmt vector, Stmt scalar) implements Stmt {}

  /**
   * {@code RuntimeClass.method(arrays..., args...)}: a {@code public static void} method of a runtime
   * class the jar carries, relocated into the model's package with it.
   */
  record Invoke(String runtimeClass, String method, List<ArrayParam> arrays, List<Expr> args) implements Stmt {
    public Invoke {
      arrays = List.copyOf(arrays);
      args = List.copyOf(args);
    }

    /** The JVM method descriptor: the arrays, then the scalar arguments. */
    public String descriptor() {
      StringBuilder sb = new StringBuilder("(");
      arrays.forEach(a -> sb.append(a.kind().descriptor()));
      for (Expr e : args) {
        sb.append(switch (e.kind()) {
          case INT -> "I";
          case LONG -> "J";
          case FLOAT -> "F";
          case DOUBLE -> "D";
        });
      }
      return sb.append(")V").toString();
    }
  }

  /** Comparison operators. */
  enum Cmp {
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">="),
    EQ("=="),
    NE("!=");

    private final String symbol;

    Cmp(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }
}
