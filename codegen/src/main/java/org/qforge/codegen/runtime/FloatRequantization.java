package org.qforge.codegen.runtime;

/**
 * The float route to a requantized byte that {@code Int8VectorKernels} takes where it can prove the
 * result equals the double route's: one channel's constants, and the margin that decides.
 *
 * <p>The double route (the generated scalar code's, PyTorch's reference) computes, for an exact
 * integer sum s, q = ((s + c)·m + b) / outScale in doubles and stores rint(q) + zeroPoint, clamped.
 * The float route computes t = fma(s, α, β) with α = (float) (m·r) and β = (float) ((c·m + b)·r +
 * zeroPoint), r = 1/outScale (a double, computed once for a layer: a division a channel cost the
 * width form's 64 channels of 64 outputs as much as their lanes). Each of α, β and the fma is one
 * float rounding (relative 2^-24) of values whose magnitudes are at most |t| + |β| (|s·α| ≤ |t| +
 * |β| up to those roundings); r and the doubles that make α add 2^-52 relative, and the double
 * route's own roundings are 2^-29 times smaller than the float ones. So |t − (q + zeroPoint)| &lt;
 * 2^-23·(|t| + |β|) plus the doubles' error on β's terms, and the margin ({@link #MARGIN_PER_UNIT}·|t|
 * + {@link #fixedMargin}) takes four times that: where t lies farther than the margin from the
 * nearest half-integer, q + zeroPoint lies on the same side and rint gives both the same integer.
 * The remaining lanes (ties among them) go the double route.
 *
 * <p>Linear layers ({@code Int8VectorKernels.requantizeChannelsInFloats}) compute their channels'
 * constants in the lanes instead of reading them, so that a model stores nothing beyond its scales
 * and biases: α = scale ⊗ A with A = (float) (inScale · r), β = fma(bias, R, zeroPoint) with R =
 * (float) r (both positive normal floats, else the double route), and their sums are ints rounded to
 * floats, s = (float) acc. Against the exact α* =
 * inScale·scale·r, β* = bias·r + zeroPoint and t* = s·α* + β*, each of those is one float rounding
 * (relative 2^-24) more: A and the product (2·2^-24 on s·α), s (2^-24 on s·α), R and the fma that makes
 * β (2^-24 of |bias·r| and of |β|), and t's own fma (2^-24 of |t|). With |s·α*| ≤ |t| + |β| and
 * |bias·r| ≤ |β| + |zeroPoint|, |t − t*| &lt; 2^-24·(4|t| + 5|β| + |zeroPoint|), plus the double
 * route's own roundings (2^-51 relative) and an absolute 2^-149·2^31 where α is subnormal. The lanes
 * test |t − rint(t)| + {@link #OFFSET_MARGIN}·|β| against {@link #channelLimit}, which leaves
 * 2^-21·T + 2^-23·|zeroPoint| + 2^-24 below one half (T as in {@link #limit}): at least 1.6 times
 * each term.
 */
final class FloatRequantization {
  /** The margin per unit of |t|: four times the float roundings' 2^-23. */
  static final float MARGIN_PER_UNIT = 0x1p-21f;

  private FloatRequantization() {}

  /**
   * α: the factor from an exact sum to the requantized value, m = inScale · the channel's weight
   * scale, r = 1/outScale.
   */
  static float slope(double m, double r) {
    return (float) (m * r);
  }

  /** β: the requantized value of a zero sum, with the channel's start c, bias b and the zero point. */
  static float offset(double m, double c, double b, double r, double zeroPoint) {
    return (float) ((c * m + b) * r + zeroPoint);
  }

  /**
   * The margin's part that does not grow with t: 2^-21·|β|, and for the double operations that
   * made β (products of magnitude up to |c·m·r|, |b·r| and |zeroPoint|, each rounded at 2^-53, r at
   * 2^-53 too) 2^-40 of those magnitudes, plus 2^-40.
   */
  static float fixedMargin(double m, double c, double b, double r, double zeroPoint) {
    double terms = Math.abs(c * m * r) + Math.abs(b * r) + Math.abs(zeroPoint) + 1;
    return (float) (0x1p-21 * Math.abs((double) offset(m, c, b, r, zeroPoint)) + 0x1p-40 * terms);
  }

  /**
   * The largest |t − rint(t)| for which a lane's rounding is certain, with t's own part of the margin
   * taken at its largest for the lanes whose rounding matters: with bounds [min, max], a t farther than
   * T = max(|min|, |max|) + 2 from zero gives the bound whatever the rounding, on either route (they
   * differ by far less than 1), so the margin is {@link #MARGIN_PER_UNIT}·T + {@code fixedMargin}, and
   * a loop tests one number a lane instead of computing the margin for each. The bounds are
   * integers, so T and MARGIN_PER_UNIT·T are exact floats; the two subtractions round by at most half
   * an ulp each, which {@code nextDown} takes back. Small enough for C2 to inline where it is called
   * once a channel (a call there cost resnet20's 64-channel 1×1 requantization 0.3 µs).
   */
  static float limit(double min, double max, float fixedMargin) {
    float t = (float) (Math.max(-min, max) + 2);
    return Math.nextDown(0.5f - MARGIN_PER_UNIT * t - fixedMargin);
  }

  /** The margin per unit of |β| of the linear layers' route (see above): 8·2^-24 for its 5·2^-24. */
  static final float OFFSET_MARGIN = 0x1p-21f;

  /**
   * What the linear layers' lanes compare |t − rint(t)| + {@link #OFFSET_MARGIN}·|β| with: one half
   * less 2^-21·T (T = max(|min|, |max|) + 2, as in {@link #limit}), 2^-23·|zeroPoint| and 2^-24 (the
   * absolute terms, and the rounding of the lanes' own fma); rounded down.
   */
  static float channelLimit(double min, double max, double zeroPoint) {
    double t = Math.max(-min, max) + 2;
    return Math.nextDown((float) (0.5 - 0x1p-21 * t - 0x1p-23 * Math.abs(zeroPoint) - 0x1p-24));
  }

  /**
   * The margin's part that does not grow with t for a float route whose roundings are of values no
   * larger than {@code magnitude} (eight times the 2^-23 such a route can reach), plus 2^-40 for
   * the double route's own roundings.
   */
  static float fixedMargin(double magnitude) {
    return (float) (0x1p-20 * magnitude + 0x1p-40);
  }
}
