package org.qforge.codegen.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.TypeSpec;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import javax.lang.model.element.Modifier;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.qforge.codegen.asm.KernelBytecodeEmitter;
import org.qforge.codegen.javapoet.KernelSourceEmitter;
import org.qforge.codegen.loop.Expr.BinOp;
import org.qforge.codegen.loop.Expr.MathFn;

/**
 * The two backends turn one kernel into the same computation: each test kernel runs as ASM
 * bytecode and as javac-compiled JavaPoet source, and both are compared with a hand-written Java
 * version of the same arithmetic.
 */
class KernelBackendsAgreeTest {
  private static final ArrayParam IN = new ArrayParam("in", ArrayKind.FLOAT);
  private static final ArrayParam OUT8 = new ArrayParam("out", ArrayKind.BYTE);
  private static final ArrayParam W = new ArrayParam("w", ArrayKind.FLOAT);
  private static final ArrayParam OUTF = new ArrayParam("out", ArrayKind.FLOAT);

  private static Expr i(int v) {
    return new Expr.Const(Kind.INT, v);
  }

  private static Expr var(Local l) {
    return new Expr.Var(l);
  }

  /** out[i] = (byte) clamp((int) rint((double) in[i] * 0.37) - 3, -128, 127), for 64 elements. */
  static KernelFunction requantize() {
    Local idx = new Local("i", Kind.INT);
    Local q = new Local("q", Kind.INT);
    Expr scaled = new Expr.Bin(BinOp.MUL, new Expr.Convert(Kind.DOUBLE, new Expr.Load(IN, var(idx))),
        new Expr.Const(Kind.DOUBLE, 0.37));
    Expr rounded = new Expr.Convert(Kind.INT, new Expr.Call(MathFn.RINT, List.of(scaled)));
    Stmt body = new Stmt.Block(List.of(
        new Stmt.Assign(q, new Expr.Bin(BinOp.SUB, rounded, i(3))),
        new Stmt.Assign(q, new Expr.Call(MathFn.MIN_INT, List.of(new Expr.Call(MathFn.MAX_INT, List.of(var(q), i(-128))),
            i(127)))),
        new Stmt.Store(OUT8, var(idx), var(q))));
    return new KernelFunction("requantize", List.of(IN, OUT8), new Stmt.For(idx, i(0), i(64), body));
  }

  static byte[] requantizeByHand(float[] in) {
    byte[] out = new byte[64];
    for (int i = 0; i < 64; i++) {
      int q = (int) Math.rint((double) in[i] * 0.37) - 3;
      out[i] = (byte) Math.min(Math.max(q, -128), 127);
    }
    return out;
  }

  /** A 4x8 by 8 matrix-vector product with FMA accumulation and a relu written as an if. */
  static KernelFunction gemvRelu() {
    Local o = new Local("o", Kind.INT);
    Local k = new Local("k", Kind.INT);
    Local acc = new Local("acc", Kind.FLOAT);
    Expr wIdx = new Expr.Bin(BinOp.ADD, new Expr.Bin(BinOp.MUL, var(o), i(8)), var(k));
    Stmt inner = new Stmt.Assign(acc, new Expr.Call(MathFn.FMA_FLOAT,
        List.of(new Expr.Load(IN, var(k)), new Expr.Load(W, wIdx), var(acc))));
    Stmt body = new Stmt.Block(List.of(
        new Stmt.Assign(acc, new Expr.Const(Kind.FLOAT, -0.0f)),
        new Stmt.For(k, i(0), i(8), inner),
        new Stmt.If(Stmt.Cmp.LT, var(acc), new Expr.Const(Kind.FLOAT, 0f),
            new Stmt.Assign(acc, new Expr.Const(Kind.FLOAT, 0f))),
        new Stmt.Store(OUTF, var(o), var(acc))));
    return new KernelFunction("gemvRelu", List.of(IN, W, OUTF), new Stmt.For(o, i(0), i(4), body));
  }

  static float[] gemvReluByHand(float[] in, float[] w) {
    float[] out = new float[4];
    for (int o = 0; o < 4; o++) {
      float acc = -0.0f;
      for (int k = 0; k < 8; k++) {
        acc = Math.fma(in[k], w[o * 8 + k], acc);
      }
      if (acc < 0f) {
        acc = 0f;
      }
      out[o] = acc;
    }
    return out;
  }

  private static final ArrayParam BYTES = new ArrayParam("b", ArrayKind.BYTE);
  private static final ArrayParam OUTI = new ArrayParam("oi", ArrayKind.INT);
  private static final ArrayParam OUTL = new ArrayParam("ol", ArrayKind.LONG);

  /**
   * Long locals and arithmetic, the bitwise and on ints (unsigned bytes) and longs, Math.max/min on
   * longs, a long comparison, and float to long to int conversion (which wraps where a direct float
   * to int conversion saturates), for 64 elements.
   */
  static KernelFunction longArithmetic() {
    Local idx = new Local("i", Kind.INT);
    Local a = new Local("a", Kind.LONG);
    Local c = new Local("c", Kind.LONG);
    Expr unsigned = new Expr.Bin(BinOp.AND, new Expr.Load(BYTES, var(idx)), i(0xff));
    Expr b = new Expr.Bin(BinOp.AND, new Expr.Bin(BinOp.MUL, var(a), new Expr.Const(Kind.LONG, 3_000_000_000L)),
        new Expr.Const(Kind.LONG, 0xff_ffff_ffffL));
    Expr clamped = new Expr.Call(MathFn.MAX_LONG, List.of(new Expr.Call(MathFn.MIN_LONG,
        List.of(b, new Expr.Const(Kind.LONG, 900_000_000_000L))), new Expr.Const(Kind.LONG, 5L)));
    Stmt body = new Stmt.Block(List.of(
        new Stmt.Assign(a, new Expr.Convert(Kind.LONG, unsigned)),
        new Stmt.Assign(c, clamped),
        new Stmt.If(Stmt.Cmp.GT, var(c), new Expr.Const(Kind.LONG, 400_000_000_000L),
            new Stmt.Assign(c, new Expr.Bin(BinOp.SUB, var(c), new Expr.Const(Kind.LONG, 1L)))),
        new Stmt.Store(OUTL, var(idx), var(c)),
        new Stmt.Store(OUTI, var(idx), new Expr.Convert(Kind.INT, new Expr.Convert(Kind.LONG, new Expr.Load(IN, var(idx)))))));
    return new KernelFunction("longArithmetic", List.of(BYTES, IN, OUTI, OUTL), new Stmt.For(idx, i(0), i(64), body));
  }

  static void longArithmeticByHand(byte[] bytes, float[] in, int[] oi, long[] ol) {
    for (int i = 0; i < 64; i++) {
      long a = bytes[i] & 0xff;
      long c = Math.max(Math.min((a * 3_000_000_000L) & 0xff_ffff_ffffL, 900_000_000_000L), 5L);
      if (c > 400_000_000_000L) {
        c = c - 1L;
      }
      ol[i] = c;
      oi[i] = (int) (long) in[i];
    }
  }

  @Test
  void longArithmeticAgreesAcrossBackends() throws Exception {
    Random r = new Random(3);
    byte[] bytes = new byte[64];
    r.nextBytes(bytes);
    float[] in = new float[64];
    for (int j = 0; j < 64; j++) {
      in[j] = (float) (r.nextGaussian() * 5e9);
    }
    in[1] = Float.NaN;
    in[2] = 2.147483648E9f; // (int) saturates to 2^31 - 1; (int) (long) wraps to -2^31
    int[] wantI = new int[64];
    long[] wantL = new long[64];
    longArithmeticByHand(bytes, in, wantI, wantL);
    for (Method m : List.of(asm(longArithmetic()), javac(longArithmetic()))) {
      int[] oi = new int[64];
      long[] ol = new long[64];
      m.invoke(null, bytes, in, oi, ol);
      assertArrayEquals(wantI, oi, m.getDeclaringClass().getName());
      assertArrayEquals(wantL, ol, m.getDeclaringClass().getName());
    }
    assertEquals(Integer.MIN_VALUE, wantI[2]);
  }

  @Test
  void bitwiseAndTakesIntegersOnly() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Expr.Bin(BinOp.AND, new Expr.Const(Kind.FLOAT, 1f), new Expr.Const(Kind.FLOAT, 1f)));
  }

  @Test
  void requantizeAgreesAcrossBackends() throws Exception {
    Random r = new Random(9);
    float[] in = new float[64];
    for (int j = 0; j < 64; j++) {
      in[j] = (float) (r.nextGaussian() * 300);
    }
    in[0] = 0.5f / 0.37f; // a value near a rounding tie
    byte[] want = requantizeByHand(in);
    for (Method m : List.of(asm(requantize()), javac(requantize()))) {
      byte[] out = new byte[64];
      m.invoke(null, in.clone(), out);
      assertArrayEquals(want, out, m.getDeclaringClass().getName());
    }
  }

  @Test
  void gemvAgreesAcrossBackends() throws Exception {
    Random r = new Random(4);
    float[] in = new float[8];
    float[] w = new float[32];
    for (int j = 0; j < 8; j++) {
      in[j] = (float) r.nextGaussian();
    }
    for (int j = 0; j < 32; j++) {
      w[j] = (float) r.nextGaussian();
    }
    float[] want = gemvReluByHand(in, w);
    for (Method m : List.of(asm(gemvRelu()), javac(gemvRelu()))) {
      float[] out = new float[4];
      m.invoke(null, in, w, out);
      assertArrayEquals(want, out, m.getDeclaringClass().getName());
    }
  }

  @Test
  void sourceReadsLikeJava() {
    String text = KernelSourceEmitter.text(requantize());
    assertTrue(text.contains("for (int i = 0; i < 64; i++) {"), text);
    assertTrue(text.contains("out[i] = (byte) (q);"), text);
    assertEquals(1, text.split("int q = ", -1).length - 1, text);
  }

  // ---- harness: one class per backend, loaded in a throwaway class loader -------------------------

  private static Method asm(KernelFunction k) throws Exception {
    ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
    cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "gen/AsmKernel", null, "java/lang/Object", null);
    KernelBytecodeEmitter.emit(cw, k, simple -> simple);
    cw.visitEnd();
    Class<?> c = new ByteLoader(Map.of("gen.AsmKernel", cw.toByteArray())).loadClass("gen.AsmKernel");
    return accessible(c, k);
  }

  private static Method javac(KernelFunction k) throws Exception {
    TypeSpec type = TypeSpec.classBuilder("SourceKernel").addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addMethod(KernelSourceEmitter.emit(k)).build();
    String source = JavaFile.builder("gen", type).build().toString();
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    Map<String, byte[]> classes = new ConcurrentHashMap<>();
    JavaFileManager fm = new ForwardingJavaFileManager<>(compiler.getStandardFileManager(null, null, null)) {
      @Override
      public JavaFileObject getJavaFileForOutput(Location l, String name, JavaFileObject.Kind kind, FileObject sib) {
        return new SimpleJavaFileObject(URI.create("mem:///" + name + ".class"), kind) {
          @Override
          public java.io.OutputStream openOutputStream() {
            return new java.io.ByteArrayOutputStream() {
              @Override
              public void close() {
                classes.put(name, toByteArray());
              }
            };
          }
        };
      }
    };
    JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///gen/SourceKernel.java"),
        JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignore) {
        return source;
      }
    };
    assertTrue(compiler.getTask(null, fm, null, List.of("--release", "17"), null, List.of(src)).call(), source);
    return accessible(new ByteLoader(classes).loadClass("gen.SourceKernel"), k);
  }

  private static Method accessible(Class<?> c, KernelFunction k) {
    for (Method m : c.getDeclaredMethods()) {
      if (m.getName().equals(k.name())) {
        m.setAccessible(true);
        return m;
      }
    }
    throw new AssertionError("no method " + k.name());
  }

  private static final class ByteLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    ByteLoader(Map<String, byte[]> classes) {
      super(KernelBackendsAgreeTest.class.getClassLoader());
      this.classes = classes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] b = classes.get(name);
      if (b == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, b, 0, b.length);
    }
  }
}
