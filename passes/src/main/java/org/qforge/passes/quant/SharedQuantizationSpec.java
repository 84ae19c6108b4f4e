package org.qforge.passes.quant;

/**
 * PT2E's {@code SharedQuantizationSpec}: use the same observer (hence the same qparams) as
 * {@code edgeOrNode}.
 *
 * @param edgeOrNode the edge or output to share with
 */
public record SharedQuantizationSpec(EdgeOrNode edgeOrNode) implements QuantizationSpecBase {}
