package org.qforge.codegen.asm;

import java.util.LinkedHashMap;
import java.util.Map;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.qforge.codegen.jar.ModelLayout;
import org.qforge.codegen.loop.KernelFunction;
import org.qforge.codegen.plan.Arena;

/**
 * The ASM backend: writes the model class file directly. The class implements the runtime's
 * {@code CompiledModel}: static weight arrays loaded once in {@code <clinit>}, per-instance scratch
 * arrays (so an instance is not thread-safe; use one per thread), {@code run(float[], float[])}
 * calling one static method per graph node, and a {@code main} for {@code java -jar}.
 */
public final class AsmModelEmitter implements Opcodes {
  /** Kernel calls per generated method (each call is about 30 bytes of bytecode). */
  public static final int STEPS_PER_METHOD = 256;

  private AsmModelEmitter() {}

  /** Class files by internal name: just the model class (runtime classes are added by the jar writer). */
  public static Map<String, byte[]> emit(ModelLayout layout) {
    String self = layout.internalName();
    String model = layout.runtimeInternalName("CompiledModel");
    String loader = layout.runtimeInternalName("WeightsLoader");
    ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
      @Override
      protected String getCommonSuperClass(String a, String b) {
        return "java/lang/Object";
      }
    };
    cw.visit(V17, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, self, null, "java/lang/Object", new String[] {model});
    cw.visitSource(layout.simpleName() + ".java", null);
    for (Arena a : Arena.values()) {
      int access = ACC_PRIVATE | ACC_FINAL | (a.isWeights() ? ACC_STATIC : 0);
      cw.visitField(access, a.param().name(), a.param().kind().descriptor(), null, null).visitEnd();
    }
    for (String f : new String[] {"INPUT_SHAPE", "OUTPUT_SHAPE"}) {
      cw.visitField(ACC_PUBLIC | ACC_STATIC | ACC_FINAL, f, "[I", null, null).visitEnd();
    }
    classInit(cw, layout, self, loader);
    constructor(cw, layout, self);
    shape(cw, "inputShape", layout.input().type().dims());
    shape(cw, "outputShape", layout.output().type().dims());
    run(cw, layout, self);
    runAllocating(cw, layout, self);
    main(cw, layout, self);
    for (KernelFunction k : layout.kernels()) {
      KernelBytecodeEmitter.emit(cw, k, layout::runtimeInternalName);
    }
    cw.visitEnd();
    Map<String, byte[]> out = new LinkedHashMap<>();
    out.put(self, cw.toByteArray());
    return out;
  }

  private static void classInit(ClassWriter cw, ModelLayout layout, String self, String loader) {
    MethodVisitor mv = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
    mv.visitCode();
    mv.visitLdcInsn(Type.getObjectType(self));
    mv.visitLdcInsn(layout.weightsResource());
    mv.visitMethodInsn(INVOKESTATIC, loader, "load", "(Ljava/lang/Class;Ljava/lang/String;)L" + loader + ";", false);
    mv.visitVarInsn(ASTORE, 0);
    for (Arena a : Arena.values()) {
      if (a.isWeights()) {
        String descriptor = a.param().kind().descriptor();
        mv.visitVarInsn(ALOAD, 0);
        mv.visitMethodInsn(INVOKEVIRTUAL, loader, ModelLayout.loaderMethod(a), "()" + descriptor, false);
        mv.visitFieldInsn(PUTSTATIC, self, a.param().name(), descriptor);
      }
    }
    newIntArray(mv, layout.input().type().dims());
    mv.visitFieldInsn(PUTSTATIC, self, "INPUT_SHAPE", "[I");
    newIntArray(mv, layout.output().type().dims());
    mv.visitFieldInsn(PUTSTATIC, self, "OUTPUT_SHAPE", "[I");
    mv.visitInsn(RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  private static void newIntArray(MethodVisitor mv, int[] values) {
    mv.visitLdcInsn(values.length);
    mv.visitIntInsn(NEWARRAY, T_INT);
    for (int i = 0; i < values.length; i++) {
      mv.visitInsn(DUP);
      mv.visitLdcInsn(i);
      mv.visitLdcInsn(values[i]);
      mv.visitInsn(IASTORE);
    }
  }

  private static void constructor(ClassWriter cw, ModelLayout layout, String self) {
    MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
    mv.visitCode();
    mv.visitVarInsn(ALOAD, 0);
    mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
    for (Arena a : Arena.values()) {
      if (a.isWeights()) {
        continue;
      }
      mv.visitVarInsn(ALOAD, 0);
      mv.visitLdcInsn(layout.plan().size(a));
      mv.visitIntInsn(NEWARRAY, switch (a.param().kind()) {
        case FLOAT -> T_FLOAT;
        case BYTE -> T_BYTE;
        case INT -> T_INT;
        case LONG -> T_LONG;
        default -> throw new IllegalStateException();
      });
      mv.visitFieldInsn(PUTFIELD, self, a.param().name(), a.param().kind().descriptor());
    }
    mv.visitInsn(RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  private static void shape(ClassWriter cw, String name, int[] dims) {
    MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, name, "()[I", null, null);
    mv.visitCode();
    newIntArray(mv, dims);
    mv.visitInsn(ARETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  private static void run(ClassWriter cw, ModelLayout layout, String self) {
    MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "run", "([F[F)V", null, null);
    mv.visitCode();
    int inSize = layout.input().type().numelInt();
    int outSize = layout.output().type().numelInt();
    checkLength(mv, 1, inSize, "input must have " + inSize + " elements " + layout.input().type().shape());
    checkLength(mv, 2, outSize, "output must have " + outSize + " elements " + layout.output().type().shape());
    arraycopy(mv, () -> mv.visitVarInsn(ALOAD, 1), 0, () -> scratch(mv, self), layout.input().offset(), inSize);
    // Kernel calls go in parts of at most STEPS_PER_METHOD, far below the JVM's 64 KB method limit.
    int parts = (layout.kernels().size() + STEPS_PER_METHOD - 1) / STEPS_PER_METHOD;
    for (int p = 0; p < parts; p++) {
      mv.visitVarInsn(ALOAD, 0);
      mv.visitMethodInsn(INVOKEVIRTUAL, self, "steps" + p, "()V", false);
      MethodVisitor part = cw.visitMethod(ACC_PRIVATE, "steps" + p, "()V", null, null);
      part.visitCode();
      for (KernelFunction k : layout.kernels().subList(p * STEPS_PER_METHOD,
          Math.min(layout.kernels().size(), (p + 1) * STEPS_PER_METHOD))) {
        for (Arena a : Arena.values()) {
          if (a.isWeights()) {
            part.visitFieldInsn(GETSTATIC, self, a.param().name(), a.param().kind().descriptor());
          } else {
            part.visitVarInsn(ALOAD, 0);
            part.visitFieldInsn(GETFIELD, self, a.param().name(), a.param().kind().descriptor());
          }
        }
        part.visitMethodInsn(INVOKESTATIC, self, k.name(), k.descriptor(), false);
      }
      part.visitInsn(RETURN);
      part.visitMaxs(0, 0);
      part.visitEnd();
    }
    arraycopy(mv, () -> scratch(mv, self), layout.output().offset(), () -> mv.visitVarInsn(ALOAD, 2), 0, outSize);
    mv.visitInsn(RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  private static void scratch(MethodVisitor mv, String self) {
    mv.visitVarInsn(ALOAD, 0);
    mv.visitFieldInsn(GETFIELD, self, "sF", "[F");
  }

  private static void checkLength(MethodVisitor mv, int slot, int size, String message) {
    Label ok = new Label();
    mv.visitVarInsn(ALOAD, slot);
    mv.visitInsn(ARRAYLENGTH);
    mv.visitLdcInsn(size);
    mv.visitJumpInsn(IF_ICMPEQ, ok);
    mv.visitTypeInsn(NEW, "java/lang/IllegalArgumentException");
    mv.visitInsn(DUP);
    mv.visitLdcInsn(message);
    mv.visitMethodInsn(INVOKESPECIAL, "java/lang/IllegalArgumentException", "<init>", "(Ljava/lang/String;)V", false);
    mv.visitInsn(ATHROW);
    mv.visitLabel(ok);
  }

  private static void arraycopy(MethodVisitor mv, Runnable src, int srcPos, Runnable dst, int dstPos, int length) {
    src.run();
    mv.visitLdcInsn(srcPos);
    dst.run();
    mv.visitLdcInsn(dstPos);
    mv.visitLdcInsn(length);
    mv.visitMethodInsn(INVOKESTATIC, "java/lang/System", "arraycopy", "(Ljava/lang/Object;ILjava/lang/Object;II)V",
        false);
  }

  private static void runAllocating(ClassWriter cw, ModelLayout layout, String self) {
    MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "run", "([F)[F", null, null);
    mv.visitCode();
    mv.visitLdcInsn(layout.output().type().numelInt());
    mv.visitIntInsn(NEWARRAY, T_FLOAT);
    mv.visitVarInsn(ASTORE, 2);
    mv.visitVarInsn(ALOAD, 0);
    mv.visitVarInsn(ALOAD, 1);
    mv.visitVarInsn(ALOAD, 2);
    mv.visitMethodInsn(INVOKEVIRTUAL, self, "run", "([F[F)V", false);
    mv.visitVarInsn(ALOAD, 2);
    mv.visitInsn(ARETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  private static void main(ClassWriter cw, ModelLayout layout, String self) {
    MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_STATIC, "main", "([Ljava/lang/String;)V", null, null);
    mv.visitCode();
    mv.visitVarInsn(ALOAD, 0);
    mv.visitTypeInsn(NEW, self);
    mv.visitInsn(DUP);
    mv.visitMethodInsn(INVOKESPECIAL, self, "<init>", "()V", false);
    String main = layout.runtimeInternalName("NpyMain");
    mv.visitMethodInsn(INVOKESTATIC, main, "run",
        "([Ljava/lang/String;L" + layout.runtimeInternalName("CompiledModel") + ";)V", false);
    mv.visitInsn(RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }
}
