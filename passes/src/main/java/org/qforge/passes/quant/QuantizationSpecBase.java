package org.qforge.passes.quant;

/** PT2E's {@code QuantizationSpecBase}: how one edge or output is to be quantized. */
public sealed interface QuantizationSpecBase
    permits QuantizationSpec, SharedQuantizationSpec, DerivedQuantizationSpec, FixedQParamsQuantizationSpec {}
