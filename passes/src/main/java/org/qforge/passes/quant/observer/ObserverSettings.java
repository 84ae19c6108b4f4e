package org.qforge.passes.quant.observer;

import org.qforge.ir.DType;
import org.qforge.passes.quant.Qscheme;

/**
 * The constructor arguments an observer gets from a quantization spec ({@code QuantizationSpec}'s
 * fields, as {@code _create_obs_or_fq_from_qspec} passes them).
 *
 * @param dtype the quantized dtype (i8, u8, i32, ...)
 * @param quantMin the spec's quant_min, or null for the dtype's full range
 * @param quantMax the spec's quant_max, or null
 * @param qscheme the scheme
 * @param chAxis the channel axis for per-channel observers (null otherwise)
 * @param isDynamic whether qparams are computed at run time
 */
public record ObserverSettings(DType dtype, Integer quantMin, Integer quantMax, Qscheme qscheme, Integer chAxis,
    boolean isDynamic) {}
