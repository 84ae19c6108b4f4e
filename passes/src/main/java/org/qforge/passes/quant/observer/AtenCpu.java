package org.qforge.passes.quant.observer;

import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.ir.ops.CascadeSum;

/**
 * The few ATen CPU kernels the observers need, reproduced with ATen's exact float32 arithmetic and
 * evaluation order (PyTorch 2.x on x86-64, where ATen dispatched to its AVX2 kernels on the machine that
 * produced the reference data).
 *
 * <p>How each machine-dependent choice was settled:
 * <ul>
 *   <li>{@link #cumsum} accumulates in double ({@code acc_type<float, is_cuda=false>}), not float as one
 *       might assume: with a float accumulator the L2 search of one recorded digits_rescnn histogram
 *       ({@code conv2d_2}) ends one step later than PyTorch's; with double all eighteen agree.
 *   <li>{@link #cascadeSum} is {@link CascadeSum} with 8 lanes: the recorded histogram states do not
 *       decide between 8 and 16, but digits_rescnn's recorded adaptive-average-pool output (a mean
 *       over 16 elements) matches only 8, ATen's AVX2 kernels.
 *   <li>{@link #linspace}: {@code start + step * idx} is taken as one fused multiply-add, since GCC
 *       contracts it in ATen's FMA-enabled kernel builds (default {@code -ffp-contract=fast}). This is
 *       not confirmed by the data: it moves a few upscaled histogram pieces across a bin edge, and the
 *       available reference qparams come out the same either way.
 * </ul>
 */
final class AtenCpu {

  private AtenCpu() {}

  /** {@code x.to(torch.float32)} as a flat row-major array (shared, not copied, for f32 tensors). */
  static float[] toFloat32(Tensor x) {
    if (x.dtype() == DType.F32) {
      return x.floats();
    }
    float[] out = new float[x.numel()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) x.getDouble(i);
    }
    return out;
  }

  /** {@code torch.minimum} on two float32 values: NaN wins, otherwise {@code std::min(a, b)}. */
  static float minimum(float a, float b) {
    if (Float.isNaN(a) || Float.isNaN(b)) {
      return Float.NaN;
    }
    return b < a ? b : a;
  }

  /** {@code torch.maximum} on two float32 values: NaN wins, otherwise {@code std::max(a, b)}. */
  static float maximum(float a, float b) {
    if (Float.isNaN(a) || Float.isNaN(b)) {
      return Float.NaN;
    }
    return a < b ? b : a;
  }

  /**
   * {@code torch.aminmax} of a non-empty array: {min, max}, NaN if any element is NaN (ATen's min/max
   * reductions propagate NaN).
   */
  static float[] aminmax(float[] v) {
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float f : v) {
      lo = minimum(lo, f);
      hi = maximum(hi, f);
    }
    return new float[] {lo, hi};
  }

  /**
   * {@code torch.aminmax(y, dim=1)} of {@code x} permuted so that {@code axis} comes first and
   * flattened from dimension 1: per channel of {@code axis}, {min[], max[]}.
   */
  static float[][] aminmaxPerChannel(float[] v, int[] dims, int axis) {
    int channels = dims[axis];
    int inner = 1;
    for (int d = axis + 1; d < dims.length; d++) {
      inner *= dims[d];
    }
    float[] lo = new float[channels];
    float[] hi = new float[channels];
    java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
    java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < v.length; i++) {
      int c = (i / inner) % channels;
      lo[c] = minimum(lo[c], v[i]);
      hi[c] = maximum(hi[c], v[i]);
    }
    return new float[][] {lo, hi};
  }

  /** {@code torch.sum} of a contiguous 1-D float32 tensor on CPU ({@link CascadeSum}). */
  static float cascadeSum(float[] v, int lanes) {
    return CascadeSum.sum(v, 0, v.length, lanes);
  }

  /** {@link #cascadeSum(float[], int)} with the reference machine's vector width. */
  static float cascadeSum(float[] v) {
    return CascadeSum.sum(v, 0, v.length);
  }

  /**
   * {@code torch.cumsum} of a 1-D float32 tensor on CPU: {@code cumsum_cpu_kernel} accumulates in
   * {@code acc_type<float, is_cuda=false>}, which is double, and rounds each prefix to
   * float.
   */
  static float[] cumsum(float[] v) {
    float[] out = new float[v.length];
    double acc = 0.0;
    for (int i = 0; i < v.length; i++) {
      acc += v[i];
      out[i] = (float) acc;
    }
    return out;
  }

  /**
   * {@code torch.linspace(start, end, steps)} in float32: {@code step = (end - start) / (steps - 1)},
   * then {@code start + step * idx} for the first half and {@code end - step * (steps - idx - 1)} for
   * the rest, each a single fused multiply-add (GCC contracts these expressions in ATen's FMA-enabled
   * CPU kernels).
   */
  static float[] linspace(float start, float end, int steps) {
    float[] out = new float[steps];
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (float) (steps - 1);
    int halfway = steps / 2;
    for (int idx = 0; idx < steps; idx++) {
      out[idx] = idx < halfway
          ? Math.fma(step, (float) idx, start)
          : Math.fma(-step, (float) (steps - idx - 1), end);
    }
    return out;
  }

  /**
   * {@code torch.histc(x, bins, min, max)} on a float32 tensor: {@code histc_select_outer_bin_edges}
   * (an empty range is replaced by the data's range, and a still-empty one by [v-1, v+1], in double),
   * then {@code histogramdd}'s {@code LINEAR_INTERPOLATION}: elements outside [min, max] (and NaN) are
   * skipped, the bin is {@code (int64) ((x - min) * bins / (max - min))} in float32, and x == max goes
   * to the last bin.
   *
   * @throws IllegalArgumentException for a non-finite or reversed range, as PyTorch's checks do
   */
  static float[] histc(float[] x, int bins, float min, float max) {
    double lo = min;
    double hi = max;
    if (lo == hi && x.length > 0) {
      float[] mm = aminmax(x);
      lo = mm[0];
      hi = mm[1];
    }
    if (lo == hi) {
      lo -= 1;
      hi += 1;
    }
    if (Double.isInfinite(lo) || Double.isInfinite(hi) || Double.isNaN(lo) || Double.isNaN(hi)) {
      throw new IllegalArgumentException(
          "torch.histc: range of [" + lo + ", " + hi + "] is not finite");
    }
    if (!(lo < hi)) {
      throw new IllegalArgumentException("torch.histc: max must be larger than min");
    }
    // The outer edges are linspace's first and last elements, which are exactly start and end.
    float left = (float) lo;
    float right = (float) hi;
    float width = right - left;
    float nbins = (float) bins;
    float[] hist = new float[bins];
    for (float e : x) {
      if (!(e >= left && e <= right)) {
        continue;
      }
      long pos = (long) ((e - left) * nbins / width);
      if (pos == bins) {
        pos = bins - 1;
      }
      hist[(int) pos] += 1f;
    }
    return hist;
  }

  /**
   * {@code torch.div(a, b, rounding_mode="floor")} on float32 ({@code c10::div_floor_floating}):
   * Python's floor division, computed from {@code fmod} so that it is exact where {@code floor(a / b)}
   * would round.
   */
  static float divFloor(float a, float b) {
    if (b == 0f) {
      return a / b;
    }
    float mod = a % b; // Java's float remainder is C's fmod: exact, with the sign of a
    float div = (a - mod) / b;
    if (mod != 0f && (b < 0f) != (mod < 0f)) {
      div -= 1f;
    }
    float floordiv;
    if (div != 0f) {
      floordiv = (float) Math.floor(div);
      if (div - floordiv > 0.5f) {
        floordiv += 1f;
      }
    } else {
      floordiv = Math.copySign(0f, a / b);
    }
    return floordiv;
  }

  /** {@code torch.clamp(x, lo, hi)} on float32: NaN stays NaN. */
  static float clamp(float x, float lo, float hi) {
    if (Float.isNaN(x)) {
      return x;
    }
    return Math.min(Math.max(x, lo), hi);
  }

  /**
   * {@code torch.bucketize(v, boundaries, right=True)}: the index of the first boundary greater than
   * {@code v} ({@code cus_upper_bound}'s binary search).
   */
  static int bucketizeRight(float v, float[] boundaries) {
    int start = 0;
    int end = boundaries.length;
    while (start < end) {
      int mid = start + ((end - start) >> 1);
      if (!(boundaries[mid] > v)) {
        start = mid + 1;
      } else {
        end = mid;
      }
    }
    return start;
  }

  /**
   * A float-to-int32 conversion as x86's {@code cvttss2si} does it ({@code .to(torch.int)}): truncation
   * toward zero, and the "integer indefinite" value {@code INT_MIN} for NaN and out-of-range values
   * (where Java would saturate).
   */
  static int truncToInt32(float f) {
    if (Float.isNaN(f) || f >= 2147483648f || f < -2147483648f) {
      return Integer.MIN_VALUE;
    }
    return (int) f;
  }
}
