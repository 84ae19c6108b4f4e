package org.qforge.codegen.asm;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.qforge.codegen.loop.ArrayKind;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.KernelFunction;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;

/**
 * Compiles a {@link KernelFunction} to JVM bytecode with ASM: the same operations javac emits for
 * {@link org.qforge.codegen.javapoet.KernelSourceEmitter}'s source, so both backends compute
 * bit-identical results. Locals get slots on first assignment; loops are the usual
 * test-at-the-bottom form.
 */
public final class KernelBytecodeEmitter implements Opcodes {
  private final MethodVisitor mv;
  private final Map<String, Integer> slots = new HashMap<>();
  private final Map<String, Integer> params = new HashMap<>();
  private int nextSlot;

  private final UnaryOperator<String> runtimeClasses;

  private KernelBytecodeEmitter(MethodVisitor mv, KernelFunction k, UnaryOperator<String> runtimeClasses) {
    this.mv = mv;
    this.runtimeClasses = runtimeClasses;
    for (ArrayParam p : k.params()) {
      params.put(p.name(), nextSlot++);
    }
  }

  /**
   * Adds the kernel as a {@code private static} method to {@code cv}; {@code runtimeClasses} maps a
   * runtime class's simple name to its relocated internal name.
   */
  public static void emit(ClassVisitor cv, KernelFunction k, UnaryOperator<String> runtimeClasses) {
    MethodVisitor mv = cv.visitMethod(ACC_PRIVATE | ACC_STATIC, k.name(), k.descriptor(), null, null);
    mv.visitCode();
    new KernelBytecodeEmitter(mv, k, runtimeClasses).statement(k.body());
    mv.visitInsn(RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  private int slot(Local l) {
    return slots.computeIfAbsent(l.name(), n -> {
      int s = nextSlot;
      nextSlot += l.kind() == Kind.LONG || l.kind() == Kind.DOUBLE ? 2 : 1;
      return s;
    });
  }

  private void statement(Stmt s) {
    if (s instanceof Stmt.Block b) {
      b.body().forEach(this::statement);
    } else if (s instanceof Stmt.Assign a) {
      expr(a.value());
      mv.visitVarInsn(storeOp(a.local().kind()), slot(a.local()));
    } else if (s instanceof Stmt.Store st) {
      mv.visitVarInsn(ALOAD, params.get(st.array().name()));
      expr(st.index());
      expr(st.value());
      mv.visitInsn(arrayStoreOp(st.array().kind()));
    } else if (s instanceof Stmt.For f) {
      int v = slot(f.var());
      expr(f.from());
      mv.visitVarInsn(ISTORE, v);
      Label test = new Label();
      Label body = new Label();
      mv.visitJumpInsn(GOTO, test);
      mv.visitLabel(body);
      statement(f.body());
      mv.visitIincInsn(v, 1);
      mv.visitLabel(test);
      mv.visitVarInsn(ILOAD, v);
      expr(f.to());
      mv.visitJumpInsn(IF_ICMPLT, body);
    } else if (s instanceof Stmt.If i) {
      Label skip = new Label();
      compareAndJumpIfFalse(i, skip);
      statement(i.body());
      mv.visitLabel(skip);
    } else if (s instanceof Stmt.VectorOrScalar vs) {
      Label scalar = new Label();
      Label done = new Label();
      mv.visitFieldInsn(GETSTATIC, runtimeClasses.apply("VectorSupport"), "ENABLED", "Z");
      mv.visitJumpInsn(IFEQ, scalar);
      statement(vs.vector());
      mv.visitJumpInsn(GOTO, done);
      mv.visitLabel(scalar);
      statement(vs.scalar());
      mv.visitLabel(done);
    } else if (s instanceof Stmt.Invoke call) {
      for (ArrayParam a : call.arrays()) {
        mv.visitVarInsn(ALOAD, params.get(a.name()));
      }
      call.args().forEach(this::expr);
      mv.visitMethodInsn(INVOKESTATIC, runtimeClasses.apply(call.runtimeClass()), call.method(), call.descriptor(),
          false);
    }
  }

  private void compareAndJumpIfFalse(Stmt.If i, Label skip) {
    expr(i.a());
    expr(i.b());
    Kind k = i.a().kind();
    if (k == Kind.INT) {
      mv.visitJumpInsn(switch (i.cmp()) {
        case LT -> IF_ICMPGE;
        case LE -> IF_ICMPGT;
        case GT -> IF_ICMPLE;
        case GE -> IF_ICMPLT;
        case EQ -> IF_ICMPNE;
        case NE -> IF_ICMPEQ;
      }, skip);
      return;
    }
    // javac's choice of compare instruction: NaN makes < and <= false (fcmpg), > and >= false (fcmpl).
    boolean g = i.cmp() == Stmt.Cmp.LT || i.cmp() == Stmt.Cmp.LE;
    mv.visitInsn(switch (k) {
      case LONG -> LCMP;
      case FLOAT -> g ? FCMPG : FCMPL;
      default -> g ? DCMPG : DCMPL;
    });
    mv.visitJumpInsn(switch (i.cmp()) {
      case LT -> IFGE;
      case LE -> IFGT;
      case GT -> IFLE;
      case GE -> IFLT;
      case EQ -> IFNE;
      case NE -> IFEQ;
    }, skip);
  }

  private void expr(Expr e) {
    if (e instanceof Expr.Const c) {
      constant(c);
    } else if (e instanceof Expr.Var v) {
      Integer s = slots.get(v.local().name());
      if (s == null) {
        throw new IllegalStateException("local " + v.local().name() + " read before assignment");
      }
      mv.visitVarInsn(loadOp(v.local().kind()), s);
    } else if (e instanceof Expr.Load l) {
      mv.visitVarInsn(ALOAD, params.get(l.array().name()));
      expr(l.index());
      mv.visitInsn(arrayLoadOp(l.array().kind()));
    } else if (e instanceof Expr.Bin b) {
      expr(b.a());
      expr(b.b());
      mv.visitInsn(binOp(b.op(), b.kind()));
    } else if (e instanceof Expr.OpaqueZero) {
      mv.visitMethodInsn(INVOKESTATIC, runtimeClasses.apply("OpaqueZero"), "get", "()I", false);
    } else if (e instanceof Expr.Convert c) {
      expr(c.value());
      convert(c.value().kind(), c.kind());
    } else if (e instanceof Expr.Call call) {
      for (Expr a : call.args()) {
        expr(a);
      }
      String t = switch (call.fn().kind()) {
        case INT -> "I";
        case LONG -> "J";
        case FLOAT -> "F";
        case DOUBLE -> "D";
      };
      mv.visitMethodInsn(INVOKESTATIC, "java/lang/Math", call.fn().method(),
          "(" + t.repeat(call.fn().arity()) + ")" + t, false);
    }
  }

  private void constant(Expr.Const c) {
    switch (c.kind()) {
      case INT -> {
        int v = c.value().intValue();
        if (v >= -1 && v <= 5) {
          mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
          mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
          mv.visitIntInsn(SIPUSH, v);
        } else {
          mv.visitLdcInsn(v);
        }
      }
      case LONG -> mv.visitLdcInsn(c.value().longValue());
      case FLOAT -> mv.visitLdcInsn(c.value().floatValue());
      case DOUBLE -> mv.visitLdcInsn(c.value().doubleValue());
    }
  }

  private void convert(Kind from, Kind to) {
    if (from == to) {
      return;
    }
    int op = switch (from) {
      case INT -> to == Kind.LONG ? I2L : to == Kind.FLOAT ? I2F : I2D;
      case LONG -> to == Kind.INT ? L2I : to == Kind.FLOAT ? L2F : L2D;
      case FLOAT -> to == Kind.INT ? F2I : to == Kind.LONG ? F2L : F2D;
      case DOUBLE -> to == Kind.INT ? D2I : to == Kind.LONG ? D2L : D2F;
    };
    mv.visitInsn(op);
  }

  private static int binOp(Expr.BinOp op, Kind k) {
    int base = switch (op) {
      case ADD -> IADD;
      case SUB -> ISUB;
      case MUL -> IMUL;
      case DIV -> IDIV;
      case REM -> IREM;
      case AND -> IAND; // LAND follows IAND; the language allows AND on int and long only
    };
    return base + switch (k) {
      case INT -> 0;
      case LONG -> 1;
      case FLOAT -> 2;
      case DOUBLE -> 3;
    };
  }

  private static int loadOp(Kind k) {
    return switch (k) {
      case INT -> ILOAD;
      case LONG -> LLOAD;
      case FLOAT -> FLOAD;
      case DOUBLE -> DLOAD;
    };
  }

  private static int storeOp(Kind k) {
    return switch (k) {
      case INT -> ISTORE;
      case LONG -> LSTORE;
      case FLOAT -> FSTORE;
      case DOUBLE -> DSTORE;
    };
  }

  private static int arrayLoadOp(ArrayKind k) {
    return switch (k) {
      case FLOAT -> FALOAD;
      case DOUBLE -> DALOAD;
      case INT -> IALOAD;
      case LONG -> LALOAD;
      case SHORT -> SALOAD;
      case BYTE -> BALOAD;
    };
  }

  private static int arrayStoreOp(ArrayKind k) {
    return switch (k) {
      case FLOAT -> FASTORE;
      case DOUBLE -> DASTORE;
      case INT -> IASTORE;
      case LONG -> LASTORE;
      case SHORT -> SASTORE;
      case BYTE -> BASTORE;
    };
  }
}
