package org.qforge.passes.quant;

import org.qforge.ir.DType;

/**
 * PT2E's {@code FixedQParamsQuantizationSpec}: quantize with given, fixed parameters.
 *
 * @param dtype quantized dtype
 * @param scale the scale
 * @param zeroPoint the zero point
 * @param quantMin lower bound, or null
 * @param quantMax upper bound, or null
 * @param qscheme the scheme
 * @param isDynamic must be false in practice
 */
public record FixedQParamsQuantizationSpec(DType dtype, float scale, long zeroPoint, Integer quantMin,
    Integer quantMax, Qscheme qscheme, boolean isDynamic) implements QuantizationSpecBase {}
