package org.qforge.ir.ops;

import org.qforge.ir.Argument;
import org.qforge.ir.DType;
import org.qforge.ir.Literal;
import org.qforge.ir.OpArgs;
import org.qforge.ir.Value;

/**
 * PyTorch's type promotion for elementwise ops ({@code c10::promoteTypes} and
 * {@code at::native::result_type}).
 *
 * <p>Operands fall in three priority classes: tensors with at least one dimension, 0-dim tensors,
 * and Python numbers (a float number counts as the default dtype f32, an int as i64). A lower class
 * only changes the result when it is of a higher category (bool &lt; integer &lt; floating), so
 * {@code f32[3] + 2.5} is f32, {@code i32[3] + 7} is i32, {@code i32[3] + 2.5} is f32 and
 * {@code i32[3] + f64[]} is f64.
 */
final class TypePromotion {
  private TypePromotion() {}

  /** The smallest dtype both {@code a} and {@code b} convert to safely ({@code torch.promote_types}). */
  static DType promoteTypes(DType a, DType b) {
    if (a == b) {
      return a;
    }
    if (a == DType.BOOL) {
      return b;
    }
    if (b == DType.BOOL) {
      return a;
    }
    if (a.isFloatingPoint() && b.isFloatingPoint()) {
      if (floatRank(a) == floatRank(b)) {
        return DType.F32; // f16 with bf16
      }
      return floatRank(a) > floatRank(b) ? a : b;
    }
    if (a.isFloatingPoint()) {
      return a;
    }
    if (b.isFloatingPoint()) {
      return b;
    }
    if (a == DType.U8 || b == DType.U8) {
      DType other = a == DType.U8 ? b : a;
      return other == DType.I8 ? DType.I16 : other;
    }
    return a.byteSize() >= b.byteSize() ? a : b;
  }

  private static int floatRank(DType t) {
    return switch (t) {
      case F16, BF16 -> 1;
      case F32 -> 2;
      default -> 3;
    };
  }

  /** Accumulates operands the way PyTorch's {@code ResultTypeState} does. */
  static final class State {
    private DType dimResult;
    private DType zeroDimResult;
    private DType wrappedResult;

    /** Adds the argument at position {@code i} of a call: a tensor or an int/float literal. */
    State add(OpArgs args, int i) {
      Argument a = args.arg(i);
      if (a instanceof Value) {
        return addTensor(args.type(i).dtype(), args.type(i).rank());
      }
      if (a instanceof Literal.Int) {
        return addNumber(DType.I64);
      }
      if (a instanceof Literal.Float) {
        return addNumber(DType.F32);
      }
      if (a instanceof Literal.Bool) {
        return addNumber(DType.BOOL);
      }
      throw new IllegalArgumentException(args.op().name() + ": argument '"
          + args.op().params().get(i).name() + "' must be a tensor or a number, got " + a);
    }

    State addTensor(DType dtype, int rank) {
      if (rank == 0) {
        zeroDimResult = promote(zeroDimResult, dtype);
      } else {
        dimResult = promote(dimResult, dtype);
      }
      return this;
    }

    State addNumber(DType dtype) {
      wrappedResult = promote(wrappedResult, dtype);
      return this;
    }

    /** The promoted dtype. */
    DType result() {
      DType r = combine(dimResult, combine(zeroDimResult, wrappedResult));
      if (r == null) {
        throw new IllegalArgumentException("type promotion needs at least one operand");
      }
      return r;
    }

    private static DType promote(DType acc, DType t) {
      return acc == null ? t : promoteTypes(acc, t);
    }

    /** A lower-priority class only matters when it is of a higher category. */
    private static DType combine(DType higher, DType lower) {
      if (higher == null) {
        return lower;
      }
      if (lower == null || higher.isFloatingPoint()) {
        return higher;
      }
      if (higher == DType.BOOL || lower.isFloatingPoint()) {
        return promoteTypes(higher, lower);
      }
      return higher;
    }
  }

  /** The promoted dtype of the call arguments at the given positions. */
  static DType resultType(OpArgs args, int... positions) {
    State s = new State();
    for (int i : positions) {
      s.add(args, i);
    }
    return s.result();
  }

  /** True if PyTorch lets a value of dtype {@code from} be written into a tensor of {@code to}. */
  static boolean canCast(DType from, DType to) {
    if (from.isFloatingPoint() && !to.isFloatingPoint()) {
      return false;
    }
    return !(from != DType.BOOL && to == DType.BOOL);
  }
}
