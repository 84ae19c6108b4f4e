package org.qforge.codegen.jar;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.kernels.Kernels;
import org.qforge.codegen.loop.KernelFunction;
import org.qforge.codegen.plan.Arena;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.codegen.plan.Slot;
import org.qforge.ir.DType;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * Everything both backends need to emit a model class: names, shapes, the kernels in execution
 * order, where input and output live, arena sizes, and the weights resource bytes.
 *
 * @param className fully qualified class name, e.g. {@code com.example.Net}
 * @param description one paragraph for the class's Javadoc and the jar's description resource
 * @param plan the execution plan
 * @param kernels one kernel per node, in order
 * @param input the input's slot
 * @param output the output's slot
 */
public record ModelLayout(String className, String description, ExecutionPlan plan, List<KernelFunction> kernels,
    Slot input, Slot output) {

  /** Lays out a planned graph. */
  public static ModelLayout of(String className, String description, ExecutionPlan plan) {
    List<KernelFunction> kernels = new ArrayList<>();
    List<Node> nodes = plan.graph().nodes();
    for (int s = 0; s < nodes.size(); s++) {
      kernels.add(Kernels.generate(nodes.get(s), plan, "step" + s + "_" + sanitize(nodes.get(s).name())));
    }
    Value in = plan.graph().inputs().get(0);
    Value out = plan.graph().outputs().get(0);
    for (Value v : List.of(in, out)) {
      if (v.type().dtype() != DType.F32 || plan.slot(v).arena() != Arena.SCRATCH_F32) {
        throw new QforgeException("compiled models take and return f32 tensors; %" + v.name() + " is " + v.type());
      }
    }
    return new ModelLayout(className, description, plan, kernels, plan.slot(in), plan.slot(out));
  }

  private static String sanitize(String name) {
    return name.replaceAll("[^A-Za-z0-9_]", "_");
  }

  /** The package part of the class name ("" for the default package). */
  public String packageName() {
    int dot = className.lastIndexOf('.');
    return dot < 0 ? "" : className.substring(0, dot);
  }

  /** The simple class name. */
  public String simpleName() {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  /** The JVM internal name, e.g. {@code com/example/Net}. */
  public String internalName() {
    return className.replace('.', '/');
  }

  /** Internal name of a runtime class relocated into the model's package. */
  public String runtimeInternalName(String simple) {
    String p = packageName();
    return p.isEmpty() ? simple : p.replace('.', '/') + "/" + simple;
  }

  /** The weights resource's name, next to the class. */
  public String weightsResource() {
    return simpleName() + ".weights";
  }

  /** The {@code WeightsLoader} method that returns weights arena {@code a}'s array. */
  public static String loaderMethod(Arena a) {
    return switch (a) {
      case WEIGHTS_F32 -> "floats";
      case WEIGHTS_I32 -> "ints";
      case WEIGHTS_I8 -> "bytes";
      case WEIGHTS_I64 -> "longs";
      case TABLES_I8 -> "tables";
      default -> throw new IllegalArgumentException(a + " is not loaded from the weights resource");
    };
  }

  /** The weights resource's contents, in the format {@code WeightsLoader} reads. */
  public byte[] weightsBytes() {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(plan.size(Arena.WEIGHTS_F32));
      for (Tensor t : plan.weights(Arena.WEIGHTS_F32)) {
        for (float f : t.floats()) {
          out.writeFloat(f);
        }
      }
      out.writeInt(plan.size(Arena.WEIGHTS_I32));
      for (Tensor t : plan.weights(Arena.WEIGHTS_I32)) {
        for (int v : t.ints()) {
          out.writeInt(v);
        }
      }
      out.writeInt(plan.size(Arena.WEIGHTS_I8));
      for (Tensor t : plan.weights(Arena.WEIGHTS_I8)) {
        out.write(t.bytes());
      }
      out.writeInt(plan.size(Arena.WEIGHTS_I64));
      for (Tensor t : plan.weights(Arena.WEIGHTS_I64)) {
        for (long v : t.longs()) {
          out.writeLong(v);
        }
      }
      out.writeInt(plan.size(Arena.TABLES_I8));
      for (Tensor t : plan.weights(Arena.TABLES_I8)) {
        out.write(t.bytes());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
