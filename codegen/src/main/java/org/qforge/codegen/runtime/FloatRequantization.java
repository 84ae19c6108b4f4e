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
 * The remaining lanes (ties among them) go the double route. A route whose s is an int sum rounded
 * to a float (the linear layers', whose sums can pass 2^24) adds one more rounding of relative
 * 2^-24 to s·α: 1.5 · 2^-23·(|t| + |β|) in all, still inside the margin.
 */
public final class FloatRequantization {
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

  /**
   * The constants {@code Int8VectorKernels.requantizeChannelsInFloats} reads for a linear layer's
   * channels, computed once, at compile time: for channel o of n, with m = inScale · (double)
   * scales[o], b = (double) bias[o] (0 without a bias) and r = 1/outScale, α at o, β at n + o (the
   * sums are centred: c = 0) and at 2n + o the channel's {@link #limit} for the output bounds.
   */
  public static float[] channelConstants(float[] scales, float[] bias, double inScale, double outScale,
      double zeroPoint, double min, double max) {
    int n = scales.length;
    double r = 1 / outScale;
    float[] constants = new float[3 * n];
    for (int o = 0; o < n; o++) {
      double m = inScale * (double) scales[o];
      double b = bias == null ? 0.0 : (double) bias[o];
      constants[o] = slope(m, r);
      constants[n + o] = offset(m, 0, b, r, zeroPoint);
      constants[2 * n + o] = limit(min, max, fixedMargin(m, 0, b, r, zeroPoint));
    }
    return constants;
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
