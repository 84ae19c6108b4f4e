package org.qforge.passes.quant.observer;

import org.qforge.ir.Tensor;

/**
 * PyTorch's {@code HistogramObserver} (bins=2048, upsample_rate=16): a running histogram of the
 * observed values over [min_val, max_val], re-binned whenever the range grows, from which
 * {@code calculate_qparams} picks the min/max that minimise an L2 estimate of the quantization error
 * ({@code _non_linear_param_search}, ported from caffe2's NormMinimization) before
 * {@code _calculate_qparams}. The activation observer of the XNNPACK static config.
 *
 * <p>Numerics follow PyTorch operation by operation: the histogram, its min/max and every tensor
 * expression are float32; the scalars that are Python floats in PyTorch ({@code total}, the search's
 * alpha/beta, {@code _compute_quantization_error}'s bin widths and its result) are doubles, and are
 * rounded to float32 where they meet a tensor. The ATen kernels involved ({@code histc},
 * {@code linspace}, {@code bucketize}, {@code bincount}, {@code sum}, {@code cumsum}) are reproduced in
 * {@link AtenCpu}. Inputs are converted to float32 first (PT2E activations are float32; PyTorch would
 * build a float64 histogram for a float64 input).
 *
 * <p>Two details differ from a plain reading of the algorithm and follow PyTorch's code: the search's
 * cumulative sum is accumulated in double (ATen's CPU cumsum), and a single-point old histogram is
 * weighted by the update's total when the range first grows (see {@link #combineHistograms}).
 */
public final class HistogramObserver extends UniformQuantizationObserverBase {
  /** PyTorch's default number of bins. */
  public static final int DEFAULT_BINS = 2048;

  /** PyTorch's {@code upsample_rate}: each old bin is split in 16 when the range changes. */
  static final int UPSAMPLE_RATE = 16;

  private final int bins;
  private final long dstNbins;
  private float[] histogram;
  private float minVal = Float.POSITIVE_INFINITY;
  private float maxVal = Float.NEGATIVE_INFINITY;

  /** The result of {@code _non_linear_param_search}: the clipped range handed to {@code _calculate_qparams}. */
  public record Range(float min, float max) {}

  /** A histogram observer with PyTorch's default 2048 bins. */
  public HistogramObserver(ObserverSettings settings, float eps) {
    this(settings, eps, DEFAULT_BINS);
  }

  /**
   * @param bins the number of histogram bins (PyTorch's {@code bins})
   * @throws IllegalArgumentException for a per-channel scheme or a dynamic spec (PyTorch's
   *     NotImplementedError)
   */
  public HistogramObserver(ObserverSettings settings, float eps, int bins) {
    super("HistogramObserver", settings, eps);
    if (settings.qscheme().isPerChannel()) {
      throw new IllegalArgumentException("HistogramObserver's qscheme only support "
          + "torch.per_tensor_symmetric and torch.per_tensor_affine, not " + settings.qscheme().torchName());
    }
    if (settings.isDynamic()) {
      throw new IllegalArgumentException("HistogramObserver doesn't support dynamic quantization");
    }
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be positive, got " + bins);
    }
    this.bins = bins;
    this.histogram = new float[bins];
    // dst_nbins = 2 ** torch.iinfo(dtype).bits
    this.dstNbins = 1L << (8 * settings.dtype().byteSize());
  }

  /**
   * {@code forward}: drops ±inf elements (ignoring the tensor if nothing is left); the first call sets
   * min/max and the histogram ({@code reset_histogram}); later calls bin the tensor over the widened
   * range and either add it (same range) or {@code _combine_histograms}.
   *
   * @throws IllegalArgumentException if the tensor holds NaN (PyTorch's histc rejects the range)
   */
  @Override
  public void observe(Tensor x) {
    if (x.numel() == 0) {
      return;
    }
    float[] v = AtenCpu.toFloat32(x);
    float[] mm = AtenCpu.aminmax(v);
    if (mm[0] == Float.NEGATIVE_INFINITY || mm[1] == Float.POSITIVE_INFINITY) {
      // "torch.inf detected in input tensor, ignoring input": x = x[x.abs() != inf]
      int n = 0;
      float[] kept = new float[v.length];
      for (float f : v) {
        if (Math.abs(f) != Float.POSITIVE_INFINITY) {
          kept[n++] = f;
        }
      }
      if (n == 0) {
        return;
      }
      v = java.util.Arrays.copyOf(kept, n);
      mm = AtenCpu.aminmax(v);
    }
    float xMin = mm[0];
    float xMax = mm[1];
    if (minVal == Float.POSITIVE_INFINITY || maxVal == Float.NEGATIVE_INFINITY) {
      // reset_histogram
      float[] h = AtenCpu.histc(v, bins, xMin, xMax);
      minVal = xMin;
      maxVal = xMax;
      histogram = h;
      return;
    }
    float newMin = AtenCpu.minimum(minVal, xMin);
    float newMax = AtenCpu.maximum(maxVal, xMax);
    float[] update = AtenCpu.histc(v, bins, newMin, newMax);
    if (newMin == minVal && newMax == maxVal) {
      for (int i = 0; i < bins; i++) {
        histogram[i] += update[i];
      }
    } else {
      histogram = combineHistograms(histogram, minVal, maxVal, update, newMin, newMax);
      minVal = newMin;
      maxVal = newMax;
    }
  }

  /**
   * {@code _combine_histograms}: the sum if the ranges are equal; if the old range is a single point,
   * that point's bin in the new range weighted by {@code sum(update_hist)} (sic: PyTorch weights it by
   * the update's total, not the old histogram's) plus the update; otherwise the update plus
   * {@code _upscale_histogram} of the old histogram.
   */
  float[] combineHistograms(float[] orig, float origMin, float origMax, float[] update, float updateMin,
      float updateMax) {
    float[] out = new float[bins];
    if (updateMin == origMin && updateMax == origMax) {
      for (int i = 0; i < bins; i++) {
        out[i] = orig[i] + update[i];
      }
      return out;
    }
    if (origMin == origMax) {
      float binValue = AtenCpu.cascadeSum(update);
      float[] transformed = AtenCpu.histc(new float[] {origMin}, bins, updateMin, updateMax);
      for (int i = 0; i < bins; i++) {
        out[i] = transformed[i] * binValue + update[i];
      }
      return out;
    }
    if (!(updateMin <= origMin && updateMax >= origMax)) {
      throw new IllegalStateException("the new range [" + updateMin + ", " + updateMax
          + "] does not contain the old one [" + origMin + ", " + origMax + "]");
    }
    float[] transformed = upscaleHistogram(orig, origMin, origMax, updateMin, updateMax);
    for (int i = 0; i < bins; i++) {
      out[i] = update[i] + transformed[i];
    }
    return out;
  }

  /**
   * {@code _upscale_histogram}: every old bin is split into 16 with a 16th of its count, each piece
   * goes to the new bin holding its midpoint ({@code linspace} midpoints, {@code bucketize(right=True)
   * - 1} clamped to the bins), and the pieces are added in order ({@code bincount} with weights,
   * float32). This is where the histogram becomes fractional.
   */
  float[] upscaleHistogram(float[] orig, float origMin, float origMax, float updateMin, float updateMax) {
    int fine = bins * UPSAMPLE_RATE;
    float rate = UPSAMPLE_RATE;
    float binSize = (origMax - origMin) / (float) fine;
    float halfBin = 0.5f * binSize;
    float[] points = AtenCpu.linspace(origMin, origMax, fine + 1);
    float[] boundaries = AtenCpu.linspace(updateMin, updateMax, bins + 1);
    float[] out = new float[bins];
    for (int i = 0; i < fine; i++) {
      float weight = orig[i / UPSAMPLE_RATE] / rate;
      float mid = points[i] + halfBin;
      int bucket = AtenCpu.bucketizeRight(mid, boundaries) - 1;
      if (bucket >= bins) {
        bucket = bins - 1;
      }
      if (bucket < 0) {
        bucket = 0;
      }
      out[bucket] += weight;
    }
    return out;
  }

  /**
   * {@code calculate_qparams}: (1.0, 0) before anything was observed, otherwise
   * {@code _calculate_qparams} of the {@link #nonLinearParamSearch} range.
   */
  @Override
  public QParams calculateQParams() {
    if (minVal == Float.POSITIVE_INFINITY && maxVal == Float.NEGATIVE_INFINITY) {
      return QParams.of(1.0f, 0);
    }
    Range r = nonLinearParamSearch();
    return computeQParams(new float[] {r.min()}, new float[] {r.max()}, true);
  }

  /**
   * {@code _non_linear_param_search}: starting from the whole histogram, repeatedly drop the next 1e-5
   * quantile on the side that frees more bins, and stop when the quantization error
   * ({@link #computeQuantizationError}) grows. {@code cSum[l] < next_alpha * total} compares a float32
   * element with a Python float, so the product is rounded to float32 first.
   */
  public Range nonLinearParamSearch() {
    float binWidth = (maxVal - minVal) / (float) bins;
    double total = AtenCpu.cascadeSum(histogram);
    float[] cSum = AtenCpu.cumsum(histogram);
    double stepsize = 1e-5;
    double alpha = 0.0;
    double beta = 1.0;
    int startBin = 0;
    int endBin = bins - 1;
    double normMin = Double.POSITIVE_INFINITY;
    while (alpha < beta) {
      double nextAlpha = alpha + stepsize;
      double nextBeta = beta - stepsize;
      int l = startBin;
      int r = endBin;
      float lowQuantile = (float) (nextAlpha * total);
      float highQuantile = (float) (nextBeta * total);
      while (l < endBin && cSum[l] < lowQuantile) {
        l++;
      }
      while (r > startBin && cSum[r] > highQuantile) {
        r--;
      }
      int nextStartBin = startBin;
      int nextEndBin = endBin;
      if ((l - startBin) > (endBin - r)) {
        nextStartBin = l;
        alpha = nextAlpha;
      } else {
        nextEndBin = r;
        beta = nextBeta;
      }
      if (nextStartBin == startBin && nextEndBin == endBin) {
        continue;
      }
      double norm = computeQuantizationError(nextStartBin, nextEndBin);
      if (norm > normMin) {
        break;
      }
      normMin = norm;
      startBin = nextStartBin;
      endBin = nextEndBin;
    }
    float newMin = minVal + binWidth * (float) startBin;
    float newMax = minVal + binWidth * (float) (endBin + 1);
    return new Range(newMin, newMax);
  }

  /**
   * {@code _compute_quantization_error(next_start_bin, next_end_bin)}: the L2 error of quantizing the
   * histogram (taken as uniform within each bin) with {@code dst_nbins} levels over the chosen bins.
   * The bin widths are Python doubles, every tensor expression is float32 in PyTorch's order, and the
   * per-bin terms are summed with {@code torch.sum}'s cascade.
   */
  double computeQuantizationError(int nextStartBin, int nextEndBin) {
    double bw = ((double) maxVal - (double) minVal) / bins;
    double dbw = bw * (nextEndBin - nextStartBin + 1) / dstNbins;
    if (dbw == 0.0) {
      return 0.0;
    }
    float bwF = (float) bw;
    float dbwF = (float) dbw;
    float halfDst = (float) (dbw / 2);
    float negHalfDst = (float) (-dbw / 2);
    float lastDstBin = (float) (dstNbins - 1);
    // _get_norm(tensor(-dbw/2), tensor(dbw/2), density) / density: a 0-dim float32 expression.
    float negHalfCube = negHalfDst * negHalfDst * negHalfDst;
    float midNorm = (halfDst * halfDst * halfDst - negHalfCube) / 3f;
    float halfCube = halfDst * halfDst * halfDst;
    float[] norm = new float[bins];
    for (int i = 0; i < bins; i++) {
      float begin = (float) (i - nextStartBin) * bwF;
      float end = begin + bwF;
      float dstBegin = AtenCpu.clamp(AtenCpu.divFloor(begin, dbwF), 0f, lastDstBin);
      float dstBeginCenter = (dstBegin + 0.5f) * dbwF;
      float dstEnd = AtenCpu.clamp(AtenCpu.divFloor(end, dbwF), 0f, lastDstBin);
      float density = histogram[i] / bwF;

      float deltaBegin = begin - dstBeginCenter;
      float n = 0f + density * ((halfCube - deltaBegin * deltaBegin * deltaBegin) / 3f);

      n = n + (dstEnd - dstBegin - 1f) * (density * midNorm);

      float dstEndCenter = dstEnd * dbwF + halfDst;
      float deltaEnd = end - dstEndCenter;
      n = n + density * ((deltaEnd * deltaEnd * deltaEnd - negHalfCube) / 3f);
      norm[i] = n;
    }
    return AtenCpu.cascadeSum(norm);
  }

  /**
   * Replaces the state, as PyTorch's {@code load_state_dict} does: for tests against recorded observer
   * states, and to resume calibration.
   *
   * @param histogram {@code bins} counts
   */
  public void loadState(float[] histogram, float minVal, float maxVal) {
    if (histogram.length != bins) {
      throw new IllegalArgumentException(
          "The number of bins in histogram should be equal to the number of bins supplied while making this "
              + "observer: " + histogram.length + " != " + bins);
    }
    this.histogram = histogram.clone();
    this.minVal = minVal;
    this.maxVal = maxVal;
  }

  /** A copy of the histogram buffer (float32 counts, fractional after a range change). */
  public float[] histogram() {
    return histogram.clone();
  }

  /** The histogram's lower edge, +inf before anything was observed. */
  public float minVal() {
    return minVal;
  }

  /** The histogram's upper edge, -inf before anything was observed. */
  public float maxVal() {
    return maxVal;
  }

  public int bins() {
    return bins;
  }

  /** {@code dst_nbins}: 2^(bits of the dtype), the number of levels the search assumes. */
  public long dstNbins() {
    return dstNbins;
  }
}
