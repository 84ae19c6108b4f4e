package org.qforge.ir.ops;

/**
 * Matrix-product loops on row-major {@code double[]} data (see {@link Elements} for why double):
 * each product accumulates in double and is rounded once when the result is stored.
 */
final class MatMul {
  private MatMul() {}

  /**
   * {@code out[i, j] = sum_k a[i, k] * b[k, j]} for an {@code n x k} matrix at {@code a[aOff..]}
   * and a {@code k x p} matrix at {@code b[bOff..]}, written to {@code out[outOff..]}. The inner
   * loop runs along rows of {@code b} and {@code out}, which are contiguous.
   */
  static void mm(double[] a, int aOff, double[] b, int bOff, double[] out, int outOff, int n, int k, int p) {
    for (int i = 0; i < n; i++) {
      int row = outOff + i * p;
      java.util.Arrays.fill(out, row, row + p, 0.0);
      for (int kk = 0; kk < k; kk++) {
        double aik = a[aOff + i * k + kk];
        int bRow = bOff + kk * p;
        for (int j = 0; j < p; j++) {
          out[row + j] += aik * b[bRow + j];
        }
      }
    }
  }

  /**
   * {@code out[i, o] = sum_k x[i, k] * w[o, k]}: {@code x} is {@code rows x in}, {@code w} is
   * {@code outFeatures x in} (the layout of {@code nn.Linear} weights), both rows contiguous.
   */
  static double[] linear(double[] x, double[] w, int rows, int in, int outFeatures) {
    double[] out = new double[rows * outFeatures];
    for (int i = 0; i < rows; i++) {
      int xRow = i * in;
      for (int o = 0; o < outFeatures; o++) {
        int wRow = o * in;
        double acc = 0;
        for (int kk = 0; kk < in; kk++) {
          acc += x[xRow + kk] * w[wRow + kk];
        }
        out[i * outFeatures + o] = acc;
      }
    }
    return out;
  }

  /**
   * {@link #linear(double[], double[], int, int, int)} reading f32 data directly, which spares
   * widening large weight matrices on every call; products still accumulate in double.
   */
  static double[] linear(float[] x, float[] w, int rows, int in, int outFeatures) {
    double[] out = new double[rows * outFeatures];
    for (int i = 0; i < rows; i++) {
      int xRow = i * in;
      for (int o = 0; o < outFeatures; o++) {
        int wRow = o * in;
        double acc = 0;
        for (int kk = 0; kk < in; kk++) {
          acc += (double) x[xRow + kk] * w[wRow + kk];
        }
        out[i * outFeatures + o] = acc;
      }
    }
    return out;
  }
}
