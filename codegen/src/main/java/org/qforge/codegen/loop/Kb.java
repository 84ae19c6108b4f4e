package org.qforge.codegen.loop;

import java.util.Arrays;
import java.util.List;
import org.qforge.codegen.loop.Expr.BinOp;
import org.qforge.codegen.loop.Expr.MathFn;

/**
 * Short constructors for kernel code, so that kernel generators read like the loops they build:
 * {@code forLoop(o, 0, 10, store(out, add(i(base), v(o)), load(w, v(o))))}.
 */
public final class Kb {
  private Kb() {}

  public static Expr i(int v) {
    return new Expr.Const(Kind.INT, v);
  }

  public static Expr l(long v) {
    return new Expr.Const(Kind.LONG, v);
  }

  public static Expr f(float v) {
    return new Expr.Const(Kind.FLOAT, v);
  }

  public static Expr d(double v) {
    return new Expr.Const(Kind.DOUBLE, v);
  }

  public static Expr v(Local l) {
    return new Expr.Var(l);
  }

  public static Local intVar(String name) {
    return new Local(name, Kind.INT);
  }

  public static Local longVar(String name) {
    return new Local(name, Kind.LONG);
  }

  public static Local floatVar(String name) {
    return new Local(name, Kind.FLOAT);
  }

  public static Local doubleVar(String name) {
    return new Local(name, Kind.DOUBLE);
  }

  public static Expr add(Expr a, Expr b) {
    if (a instanceof Expr.Const c && c.kind() == Kind.INT && c.value().intValue() == 0) {
      return b;
    }
    if (b instanceof Expr.Const c && c.kind() == Kind.INT && c.value().intValue() == 0) {
      return a;
    }
    return new Expr.Bin(BinOp.ADD, a, b);
  }

  public static Expr sub(Expr a, Expr b) {
    return new Expr.Bin(BinOp.SUB, a, b);
  }

  public static Expr mul(Expr a, Expr b) {
    if (b instanceof Expr.Const c && c.kind() == Kind.INT && c.value().intValue() == 1) {
      return a;
    }
    return new Expr.Bin(BinOp.MUL, a, b);
  }

  public static Expr div(Expr a, Expr b) {
    return new Expr.Bin(BinOp.DIV, a, b);
  }

  /** The remainder of an int division, truncated as Java's {@code %}. */
  public static Expr rem(Expr a, Expr b) {
    return new Expr.Bin(BinOp.REM, a, b);
  }

  /** Bitwise and of ints or longs. */
  public static Expr and(Expr a, Expr b) {
    return new Expr.Bin(BinOp.AND, a, b);
  }

  /** An int 0 the JIT cannot see through ({@link Expr.OpaqueZero}). */
  public static Expr opaqueZero() {
    return new Expr.OpaqueZero();
  }

  public static Expr load(ArrayParam a, Expr index) {
    return new Expr.Load(a, index);
  }

  public static Expr toFloat(Expr e) {
    return new Expr.Convert(Kind.FLOAT, e);
  }

  public static Expr toDouble(Expr e) {
    return new Expr.Convert(Kind.DOUBLE, e);
  }

  public static Expr toLong(Expr e) {
    return new Expr.Convert(Kind.LONG, e);
  }

  public static Expr toInt(Expr e) {
    return new Expr.Convert(Kind.INT, e);
  }

  public static Expr call(MathFn fn, Expr... args) {
    return new Expr.Call(fn, Arrays.asList(args));
  }

  public static Stmt assign(Local l, Expr e) {
    return new Stmt.Assign(l, e);
  }

  public static Stmt store(ArrayParam a, Expr index, Expr value) {
    return new Stmt.Store(a, index, value);
  }

  public static Stmt forLoop(Local var, Expr from, Expr to, Stmt... body) {
    return new Stmt.For(var, from, to, body.length == 1 ? body[0] : new Stmt.Block(List.of(body)));
  }

  public static Stmt forLoop(Local var, int n, Stmt... body) {
    return forLoop(var, i(0), i(n), body);
  }

  public static Stmt ifThen(Stmt.Cmp cmp, Expr a, Expr b, Stmt... body) {
    return new Stmt.If(cmp, a, b, body.length == 1 ? body[0] : new Stmt.Block(List.of(body)));
  }

  public static Stmt block(Stmt... body) {
    return new Stmt.Block(List.of(body));
  }
}
