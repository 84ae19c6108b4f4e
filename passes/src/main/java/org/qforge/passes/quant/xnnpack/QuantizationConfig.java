package org.qforge.passes.quant.xnnpack;

import org.qforge.passes.quant.QuantizationSpec;

/**
 * The XNNPACK quantizer's {@code QuantizationConfig}: the specs for activations, weights and bias.
 *
 * @param inputActivation spec for activation inputs, or null
 * @param outputActivation spec for activation outputs, or null (dynamic configs)
 * @param weight spec for weights, or null
 * @param bias spec for bias, or null (bias stays float)
 * @param isQat whether this is a quantization-aware-training config
 */
public record QuantizationConfig(QuantizationSpec inputActivation, QuantizationSpec outputActivation,
    QuantizationSpec weight, QuantizationSpec bias, boolean isQat) {}
