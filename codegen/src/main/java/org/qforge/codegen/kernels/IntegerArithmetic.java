package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.and;
import static org.qforge.codegen.loop.Kb.call;
import static org.qforge.codegen.loop.Kb.d;
import static org.qforge.codegen.loop.Kb.div;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.l;
import static org.qforge.codegen.loop.Kb.mul;
import static org.qforge.codegen.loop.Kb.sub;
import static org.qforge.codegen.loop.Kb.toDouble;
import static org.qforge.codegen.loop.Kb.toInt;
import static org.qforge.codegen.loop.Kb.toLong;

import org.qforge.codegen.loop.Expr;
import org.qforge.codegen.loop.Expr.MathFn;
import org.qforge.codegen.loop.Kind;
import org.qforge.codegen.plan.ExecutionPlan;
import org.qforge.ir.Argument;
import org.qforge.ir.Constant;
import org.qforge.ir.DType;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * The arithmetic every integer kernel shares, exactly as {@code org.qforge.ir.ops.Requantization}
 * defines it for the interpreter:
 *
 * <ul>
 *   <li>a scale literal {@code σ} is used as {@code s = (double) (float) σ} and baked into the code
 *       as a double constant; zero points and bounds are baked as constants too;
 *   <li>an element of an i8 tensor loads sign-extended, of a u8 tensor as {@code b & 0xff} (the byte
 *       arenas hold u8 values as their bit pattern), of an i32 or i64 tensor as it is;
 *   <li>a real value (a double the op computes) becomes the output integer as
 *       <pre>
 *   q = (int) Math.min(Math.max(Math.rint(real / s_out) + (double) zp_out, (double) out_min), (double) out_max)
 *       </pre>
 *       — one IEEE double division, {@code rint} (half to even), an exact addition, the clamp; the
 *       interpreter converts with {@code (long)}, which gives the same integer in {@code [out_min,
 *       out_max]} (and 0 for NaN, as {@code (int)} does), then narrows to the output dtype.
 * </ul>
 *
 * <p>With equal input and output scale and zero point the requantization of an input element
 * {@code x} is {@code clamp(x, out_min, out_max)} exactly (for {@code |x - zp| < 2^29}, {@code ((x -
 * zp) * s) / s == x - zp} in double), so kernels emit the integer clamp then.
 */
final class IntegerArithmetic {
  private IntegerArithmetic() {}

  /** A float literal parameter of {@code node}. */
  static double floatLiteral(Node node, String param) {
    Argument a = node.arg(param);
    if (a instanceof Literal.Float f) {
      return f.value();
    }
    if (a instanceof Literal.Int n) {
      return n.value();
    }
    throw new QforgeException("node %" + node.name() + ": " + param + " should be a number, got " + a);
  }

  /** An int literal parameter of {@code node}. */
  static long intLiteral(Node node, String param) {
    Argument a = node.arg(param);
    if (a instanceof Literal.Int n) {
      return n.value();
    }
    throw new QforgeException("node %" + node.name() + ": " + param + " should be an int, got " + a);
  }

  /** A scale literal as the integer ops use it: rounded to float32, then widened. */
  static double scale(Node node, String param) {
    return (float) floatLiteral(node, param);
  }

  /** A scale value as the integer ops use it: rounded to float32, then widened. */
  static double scale(double literal) {
    return (float) literal;
  }

  /** Element {@code index} of the integer tensor {@code v} as an int: u8 as {@code b & 0xff}, i64 narrowed. */
  static Expr element(ExecutionPlan plan, Value v, Expr index) {
    Expr e = Access.of(plan, v).load(index);
    if (v.type().dtype() == DType.U8) {
      return and(e, i(0xff));
    }
    if (e.kind() == Kind.LONG) {
      return toInt(e);
    }
    if (e.kind() != Kind.INT) {
      throw new QforgeException("%" + v.name() + " is " + v.type() + ", not an integer tensor");
    }
    return e;
  }

  /** The constant tensor behind {@code v}, or null if {@code v} is computed. */
  static Tensor constant(ExecutionPlan plan, Value v) {
    if (v.kind() != Value.Kind.CONSTANT) {
      return null;
    }
    Constant c = plan.graph().constant(v.name());
    return c == null ? null : c.tensor();
  }

  /** {@code (double) k * s}: a centred integer (int or long) times an input scale. */
  static Expr real(Expr centred, double scale) {
    return mul(toDouble(centred), d(scale));
  }

  /** {@code (long) x - zp}: an int element centred on its zero point, exactly. */
  static Expr centredLong(Expr x, long zeroPoint) {
    return sub(toLong(x), l(zeroPoint));
  }

  /** {@code x - zp} in int arithmetic (exact for i8/u8 elements and zero points in their range). */
  static Expr centred(Expr x, long zeroPoint) {
    return zeroPoint == 0 ? x : sub(x, i(Math.toIntExact(zeroPoint)));
  }

  /**
   * The output half of every integer op: scale (already rounded to float32), zero point and bounds.
   *
   * @param scale {@code s_out}
   * @param zeroPoint {@code zp_out}
   * @param min {@code output_min}
   * @param max {@code output_max}
   */
  record Output(double scale, long zeroPoint, long min, long max) {

    /** {@code output_scale}, {@code output_zero_point}, {@code output_min}, {@code output_max} of {@code node}. */
    static Output of(Node node) {
      return new Output(IntegerArithmetic.scale(node, "output_scale"), intLiteral(node, "output_zero_point"),
          intLiteral(node, "output_min"), intLiteral(node, "output_max"));
    }

    /** {@code (int) min(max(rint(real / s_out) + zp_out, out_min), out_max)} of a double {@code real}. */
    Expr quantize(Expr real) {
      Expr t = add(call(MathFn.RINT, div(real, d(scale))), d(zeroPoint));
      return toInt(call(MathFn.MIN_DOUBLE, call(MathFn.MAX_DOUBLE, t, d(min)), d(max)));
    }

    /**
     * {@link #quantize} of a {@code real} that cannot be NaN, clamped after the conversion to int:
     * {@code min(max((int) (rint(real / s_out) + zp_out), out_min), out_max)}. The same value — the
     * conversion saturates far outside any output range — except for NaN, which {@code quantize} maps
     * to 0 and this to the clamp of 0; two int compares instead of {@code Math.max/min} of doubles, whose
     * NaN and signed-zero rules cost C2 branches.
     */
    Expr quantizeFinite(Expr real) {
      return clamp(toInt(add(call(MathFn.RINT, div(real, d(scale))), d(zeroPoint))));
    }

    /** True if dividing a finite real value by {@code s_out} can never give NaN (finite and nonzero). */
    boolean finiteDivisor() {
      return Double.isFinite(scale) && scale != 0;
    }

    /** {@code min(max(x, out_min), out_max)} of an int {@code x}. */
    Expr clamp(Expr x) {
      return call(MathFn.MIN_INT, call(MathFn.MAX_INT, x, i((int) min)), i((int) max));
    }

    /** True if an input with this scale (rounded) and zero point requantizes to this output by a clamp. */
    boolean sameAs(double inScale, long inZeroPoint) {
      return inScale == scale && inZeroPoint == zeroPoint;
    }

    /**
     * An int element {@code x} of an input with scale {@code inScale} (rounded) and zero point
     * {@code inZeroPoint}, requantized: {@code quantize((double) ((long) x - zp_in) * s_in)}, or the
     * clamp when the parameters are equal.
     */
    Expr requantize(Expr x, double inScale, long inZeroPoint) {
      if (sameAs(inScale, inZeroPoint)) {
        return clamp(x);
      }
      return quantize(real(centredLong(x, inZeroPoint), inScale));
    }
  }
}
