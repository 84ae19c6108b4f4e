package org.qforge.passes.pattern;

import org.qforge.ir.Graph;

/** Chooses the replacement for one match: FX's {@code replacement_callback}. */
@FunctionalInterface
public interface ReplacementCallback {
  Pattern replacementFor(InternalMatch match, Graph original, Graph pattern);
}
