package org.qforge.codegen.runtime;

/**
 * An int 0 that C2 cannot see through, for generated loops it would otherwise vectorize badly.
 *
 * <p>C2's SuperWord vectorizes a requantizing loop whose store and loads sit at constant, distinct
 * offsets of one array ({@code sB[16384 + i] = f(sB[32768 + i], sB[i])}, a quantized add), and the
 * vector form of its byte-int-double conversions, division and rounding runs 6× slower than the
 * scalar loop (11.8 vs 1.7 ns per element on JDK 17, 16.4 vs 1.7 on JDK 25; bench/README.md). With
 * this zero added to the store's index, C2 can no longer prove the store misses the loads and keeps
 * the loop scalar. The field is never written; it is not final so that the JIT cannot fold it.
 */
public final class OpaqueZero {
  private static int value;

  private OpaqueZero() {}

  /** Always 0. */
  public static int get() {
    return value;
  }
}
