package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * ATen's CPU float32 sum of a contiguous run of elements, {@code cascade_sum} in
 * {@code SumKernel.cpp}, with its exact evaluation order: the data are read as vectors of
 * {@code lanes} floats, summed four vectors abreast ({@code row_sum}'s ILP factor) through the
 * multi-level accumulators of {@code multi_row_sum} (so only partial sums of similar magnitude meet),
 * the four partial vectors are added lane-wise, then the scalar tail and the lanes are added in order,
 * all in float. Runs shorter than one vector take the scalar path (the same cascade, one lane).
 *
 * <p>It matters because PT2E's observers see these sums' last bits: {@code torch.sum} of a
 * histogram, and {@code mean} (a 1x1 adaptive average pool is one) on the activations they observe.
 * {@link #LANES} = 8 ({@code Vectorized<float>} on AVX2) is what the reference machine used:
 * digits_rescnn's recorded adaptive-average-pool output (means of 16 elements) matches it element for
 * element and matches neither 16 lanes nor a sequential sum. Valid for tensors below
 * {@link #ATEN_GRAIN_SIZE} elements.
 */
public final class CascadeSum {
  /** Floats per {@code Vectorized<float>} with ATen's AVX2 kernels. */
  public static final int LANES = 8;

  /**
   * ATen reduces tensors of fewer elements than this ({@code at::internal::GRAIN_SIZE}) on one
   * thread; larger ones are split across threads, which changes the order.
   */
  public static final int ATEN_GRAIN_SIZE = 32768;

  private static final int ILP = 4;
  private static final int LEVELS = 4;

  private CascadeSum() {}

  /** The float32 sum of {@code v[from, from + length)} with {@link #LANES} lanes. */
  public static float sum(float[] v, int from, int length) {
    return sum(v, from, length, LANES);
  }

  /** The float32 sum of {@code v[from, from + length)} as ATen computes it with {@code lanes} lanes. */
  public static float sum(float[] v, int from, int length, int lanes) {
    checkArgument(lanes > 0 && from >= 0 && length >= 0 && from + length <= v.length,
        "a run [%s, %s + %s) of %s floats with %s lanes", from, from, length, v.length, lanes);
    if (length < lanes) {
      // scalar_inner_sum: row_sum over single elements, added into the zero-filled output
      return 0f + rowSum(v, from, length, 1)[0];
    }
    int vecCount = length / lanes;
    float[] vec = rowSum(v, from, vecCount, lanes);
    float acc = 0f;
    for (int k = from + vecCount * lanes; k < from + length; k++) {
      acc += v[k];
    }
    for (int l = 0; l < lanes; l++) {
      acc += vec[l];
    }
    return 0f + acc; // CastStoreAccumulate adds into the zero-filled output
  }

  /**
   * {@code row_sum}: {@code size} consecutive "elements" of {@code lanes} floats starting at
   * {@code base}, as a (-1, 4) array summed by {@link #multiRowSum}, then the leftover elements into
   * row 0, then rows 1..3 into row 0.
   */
  private static float[] rowSum(float[] v, int base, int size, int lanes) {
    int sizeIlp = size / ILP;
    float[][] partial = multiRowSum(v, base, sizeIlp, lanes);
    for (int i = sizeIlp * ILP; i < size; i++) {
      addElement(partial[0], v, base + i * lanes, lanes);
    }
    for (int k = 1; k < ILP; k++) {
      for (int l = 0; l < lanes; l++) {
        partial[0][l] += partial[k][l];
      }
    }
    return partial[0];
  }

  /**
   * {@code multi_row_sum}: {@code ILP} accumulators over {@code size} rows of {@code ILP} elements,
   * with four cascade levels of {@code 2^level_power} rows each.
   */
  private static float[][] multiRowSum(float[] v, int base, int size, int lanes) {
    int levelPower = Math.max(4, ceilLog2(size) / LEVELS);
    int levelStep = 1 << levelPower;
    long levelMask = levelStep - 1;
    float[][][] acc = new float[LEVELS][ILP][lanes];
    int i = 0;
    while (i + levelStep <= size) {
      for (int j = 0; j < levelStep; j++, i++) {
        for (int k = 0; k < ILP; k++) {
          addElement(acc[0][k], v, base + (i * ILP + k) * lanes, lanes);
        }
      }
      for (int j = 1; j < LEVELS; j++) {
        for (int k = 0; k < ILP; k++) {
          for (int l = 0; l < lanes; l++) {
            acc[j][k][l] += acc[j - 1][k][l];
            acc[j - 1][k][l] = 0f;
          }
        }
        long mask = levelMask << (j * levelPower);
        if ((i & mask) != 0) {
          break;
        }
      }
    }
    for (; i < size; i++) {
      for (int k = 0; k < ILP; k++) {
        addElement(acc[0][k], v, base + (i * ILP + k) * lanes, lanes);
      }
    }
    for (int j = 1; j < LEVELS; j++) {
      for (int k = 0; k < ILP; k++) {
        for (int l = 0; l < lanes; l++) {
          acc[0][k][l] += acc[j][k][l];
        }
      }
    }
    return acc[0];
  }

  /** acc += the {@code lanes} floats of {@code v} from {@code start}. */
  private static void addElement(float[] acc, float[] v, int start, int lanes) {
    for (int l = 0; l < lanes; l++) {
      acc[l] += v[start + l];
    }
  }

  /** c10's {@code CeilLog2}: 1 for x &lt;= 2, otherwise ceil(log2(x)). */
  private static int ceilLog2(long x) {
    if (x <= 2) {
      return 1;
    }
    return 64 - Long.numberOfLeadingZeros(x - 1);
  }
}
