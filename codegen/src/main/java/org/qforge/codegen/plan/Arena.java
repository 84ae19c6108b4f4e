package org.qforge.codegen.plan;

import org.qforge.codegen.loop.ArrayKind;
import org.qforge.codegen.loop.ArrayParam;
import org.qforge.ir.DType;
import org.qforge.ir.QforgeException;

/**
 * The arrays a compiled model computes in: per element type, one scratch array per model instance
 * (intermediate tensors, placed by the memory planner) and one shared weights array (constants),
 * and one shared array of lookup tables. Every kernel receives all of them, in this order.
 *
 * <p>i8 and u8 tensors share the byte arenas: a u8 element is stored as its bit pattern
 * ({@code (byte) v}) and kernels that compute on it read it as {@code b & 0xff}. Other dtypes (i16,
 * f64, f16, bf16, bool) are not supported and fail at planning time with a message naming the dtype.
 */
public enum Arena {
  SCRATCH_F32("sF", ArrayKind.FLOAT, false),
  SCRATCH_I8("sB", ArrayKind.BYTE, false),
  SCRATCH_I32("sI", ArrayKind.INT, false),
  SCRATCH_I64("sL", ArrayKind.LONG, false),
  WEIGHTS_F32("wF", ArrayKind.FLOAT, true),
  WEIGHTS_I8("wB", ArrayKind.BYTE, true),
  WEIGHTS_I32("wI", ArrayKind.INT, true),
  WEIGHTS_I64("wL", ArrayKind.LONG, true),
  /**
   * Lookup tables of 8-bit results ({@link DerivedConstants}), shared like the weights. An array of
   * their own, so that the weights arenas hold exactly the graph's constants (their size is a
   * reported figure: packed weights against their int8 bytes).
   */
  TABLES_I8("tB", ArrayKind.BYTE, true);

  private final ArrayParam param;
  private final boolean weights;

  Arena(String name, ArrayKind kind, boolean weights) {
    this.param = new ArrayParam(name, kind);
    this.weights = weights;
  }

  /** The kernel parameter that refers to this arena. */
  public ArrayParam param() {
    return param;
  }

  public boolean isWeights() {
    return weights;
  }

  /** The arena holding tensors of {@code dtype}, scratch or weights. */
  public static Arena of(DType dtype, boolean weights) {
    return switch (dtype) {
      case F32 -> weights ? WEIGHTS_F32 : SCRATCH_F32;
      case I8, U8 -> weights ? WEIGHTS_I8 : SCRATCH_I8;
      case I32 -> weights ? WEIGHTS_I32 : SCRATCH_I32;
      case I64 -> weights ? WEIGHTS_I64 : SCRATCH_I64;
      default -> throw new QforgeException("compiled models do not support " + dtype
          + " tensors (supported: f32, i8, u8, i32, i64)");
    };
  }

  /** Bytes per element. */
  public int elementBytes() {
    return switch (param.kind()) {
      case FLOAT, INT -> 4;
      case BYTE -> 1;
      case LONG -> 8;
      default -> throw new IllegalStateException();
    };
  }
}
