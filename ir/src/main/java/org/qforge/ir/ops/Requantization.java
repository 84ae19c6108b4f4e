package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import org.qforge.ir.DType;
import org.qforge.ir.Tensor;

/**
 * The arithmetic convention every {@code qforge.} integer op shares ({@link IntegerOps}): how an
 * integer input is centred on its zero point, how a scale literal is read, and how a real value is
 * requantized to the output.
 *
 * <ol>
 *   <li><b>Scales</b> are float32 values: a scale {@code σ} (a {@code float} literal, or an element
 *       of an f32 tensor) is used as {@code s = (double) (float) σ}. PT2E's scales are float32
 *       values already, so the rounding is a no-op for them; it makes the semantics independent of
 *       how a literal was printed. The product of two such scales is exact in double (24 + 24
 *       significant bits).
 *   <li><b>Centring</b>: an input element {@code x} of an i8 or u8 tensor with zero point
 *       {@code zp} contributes the exact integer {@code x - zp}.
 *   <li><b>Requantization</b> of a real value {@code real} (a double computed by the op as its
 *       Javadoc says) to an output with scale {@code s_out}, zero point {@code zp_out} and bounds
 *       {@code [output_min, output_max]}:
 *       <pre>
 *   t = Math.rint(real / s_out) + zp_out          // IEEE double division, then round half to EVEN
 *   q = (long) Math.min(Math.max(t, output_min), output_max)
 *       </pre>
 *       The division is one correctly rounded double operation (Java has no implicit fused
 *       multiply-add, so the result is bit-for-bit reproducible); {@code rint} and the addition of
 *       the zero point are exact. The bounds carry a fused relu or hardtanh.
 * </ol>
 *
 * <p>Rounding half to even is deliberate. PyTorch's reference quantized representation
 * ({@code torch/ao/quantization/pt2e/representation/rewrite.py}, e.g. {@code
 * _reference_quantized_conv2d}) rescales its int32 accumulator with {@code out_dtype(mul, int32,
 * acc, x_scale * weight_scale / out_scale)}, a cast that truncates toward zero, which moves every
 * layer's outputs by half a step toward zero on average. Rounding to nearest, as
 * {@code quantize_per_tensor} itself does, keeps the integer program within last-bit differences
 * (float32 versus double arithmetic) of the q/dq program it replaces.
 *
 * <p>A useful identity: for {@code |k| < 2^29} and a float32 scale {@code s},
 * {@code (k * s) / s == k} exactly in double ({@code k * s} needs at most 53 bits), so an op that
 * requantizes {@code (x - zp) * s} to the same scale and zero point returns {@code x} clamped to the
 * output bounds: with equal input and output parameters, requantization is a clamp.
 */
final class Requantization {
  private Requantization() {}

  /** A scale argument as the integer ops use it: rounded to float32, then widened. */
  static double scale(double literal) {
    return (float) literal;
  }

  /** Checks that a scale, rounded to float32, is positive and finite. */
  static void checkScale(String op, String param, double literal) {
    double s = scale(literal);
    checkArgument(s > 0 && Double.isFinite(s), "%s: %s must be positive and finite as a float32, got %s",
        op, param, literal);
  }

  /** The dtypes of quantized activations and weights the integer ops take. */
  static boolean isQuantizedByte(DType t) {
    return t == DType.I8 || t == DType.U8;
  }

  /** Checks that a zero point lies in the range of its tensor's dtype. */
  static void checkZeroPoint(String op, String param, long zp, DType dtype) {
    checkArgument(zp >= dtype.minValue() && zp <= dtype.maxValue(),
        "%s: %s %s is outside the range of %s [%s, %s]", op, param, zp, dtype, dtype.minValue(), dtype.maxValue());
  }

  /** The elements of an i8 or u8 tensor minus {@code zeroPoint}, exactly. */
  static int[] centered(Tensor t, long zeroPoint) {
    byte[] b = t.bytes();
    int zp = (int) zeroPoint;
    int[] out = new int[b.length];
    if (t.dtype() == DType.U8) {
      for (int i = 0; i < b.length; i++) {
        out[i] = (b[i] & 0xff) - zp;
      }
    } else {
      for (int i = 0; i < b.length; i++) {
        out[i] = b[i] - zp;
      }
    }
    return out;
  }

  /** The elements of an i8 or u8 tensor as ints. */
  static int[] values(Tensor t) {
    return centered(t, 0);
  }

  /**
   * The output side of the rule: a real value to a clamped integer.
   *
   * @param scale the output scale, already rounded with {@link #scale}
   */
  record Output(double scale, long zeroPoint, long min, long max) {

    /** {@code clamp(rint(real / scale) + zeroPoint, min, max)}; see the class comment. */
    long apply(double real) {
      double t = Math.rint(real / scale) + zeroPoint;
      return (long) Math.min(Math.max(t, (double) min), (double) max);
    }

    /** Requantizes the centred integer {@code k} of an input with scale {@code inScale}: {@code apply(k * inScale)}. */
    long fromCentered(long k, double inScale) {
      return apply(k * inScale);
    }
  }
}
