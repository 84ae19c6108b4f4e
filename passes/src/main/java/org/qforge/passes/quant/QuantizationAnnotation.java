package org.qforge.passes.quant;

import java.util.LinkedHashMap;
import java.util.Map;
import org.qforge.ir.Value;

/**
 * PT2E's {@code QuantizationAnnotation}, what a quantizer says about one node: a spec per input
 * value (insertion order matters for the sharing groups; a null spec means "leave unquantized"),
 * a spec for the output, whether inputs may share observers implicitly with other uses of the
 * same value, and whether the node was claimed by an annotator.
 */
public final class QuantizationAnnotation {
  private final LinkedHashMap<Value, QuantizationSpecBase> inputQspecMap = new LinkedHashMap<>();
  private QuantizationSpecBase outputQspec;
  private boolean allowImplicitSharing = true;
  private boolean annotated;

  /** Input value to spec (null values allowed), in insertion order. */
  public Map<Value, QuantizationSpecBase> inputQspecMap() {
    return inputQspecMap;
  }

  public QuantizationSpecBase outputQspec() {
    return outputQspec;
  }

  public QuantizationAnnotation setOutputQspec(QuantizationSpecBase spec) {
    this.outputQspec = spec;
    return this;
  }

  public boolean allowImplicitSharing() {
    return allowImplicitSharing;
  }

  public QuantizationAnnotation setAllowImplicitSharing(boolean allow) {
    this.allowImplicitSharing = allow;
    return this;
  }

  /** PT2E's {@code _annotated}. */
  public boolean annotated() {
    return annotated;
  }

  public QuantizationAnnotation setAnnotated(boolean value) {
    this.annotated = value;
    return this;
  }

  /** PT2E's "valid annotation": some input spec or an output spec. */
  public boolean isValid() {
    return !inputQspecMap.isEmpty() || outputQspec != null;
  }
}
