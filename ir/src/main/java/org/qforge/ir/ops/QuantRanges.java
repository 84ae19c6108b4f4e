package org.qforge.ir.ops;

import static com.google.common.base.Preconditions.checkArgument;

import org.qforge.ir.DType;

/**
 * The quantized dtypes of {@code quantized_decomposed} and the checks on {@code quant_min} /
 * {@code quant_max}: PyTorch's {@code _DTYPE_TO_QVALUE_BOUNDS}, {@code _quant_min_max_bounds_check}
 * and {@code validate_qmin_qmax}.
 *
 * <p>PyTorch's table holds u8, i8, u16, i16, i32 (their {@code iinfo} range) and the two float8
 * types; the IR has no u16 or float8, so u8, i8, i16 and i32 remain.
 */
final class QuantRanges {
  private QuantRanges() {}

  /** True if {@code dtype} is in {@code _DTYPE_TO_QVALUE_BOUNDS}. */
  static boolean isQuantizedDtype(DType dtype) {
    return dtype == DType.U8 || dtype == DType.I8 || dtype == DType.I16 || dtype == DType.I32;
  }

  /** PyTorch's {@code ValueError: Unsupported dtype}. */
  static void checkDtype(String op, DType dtype) {
    checkArgument(isQuantizedDtype(dtype),
        "%s: unsupported dtype %s (quantized dtypes are u8, i8, i16 and i32)", op, dtype);
  }

  /**
   * {@code _quant_min_max_bounds_check}: the dtype is a quantized one, {@code quant_min} is not below
   * its smallest value and {@code quant_max} not above its largest. (Like PyTorch, this does not
   * compare quant_min with quant_max.)
   */
  static void checkBounds(String op, long quantMin, long quantMax, DType dtype) {
    checkDtype(op, dtype);
    checkArgument(quantMin >= dtype.minValue(),
        "%s: quant_min %s is out of bounds for dtype %s (lower bound %s)", op, quantMin, dtype, dtype.minValue());
    checkArgument(quantMax <= dtype.maxValue(),
        "%s: quant_max %s is out of bounds for dtype %s (upper bound %s)", op, quantMax, dtype, dtype.maxValue());
  }

  /** {@code validate_qmin_qmax}: the range includes 0 and quant_min is strictly below quant_max. */
  static void validateQminQmax(String op, long quantMin, long quantMax) {
    checkArgument(quantMin <= 0 && 0 <= quantMax,
        "%s: the quantization range [%s, %s] must include 0", op, quantMin, quantMax);
    checkArgument(quantMin < quantMax,
        "%s: quant_min %s must be strictly less than quant_max %s", op, quantMin, quantMax);
  }
}
