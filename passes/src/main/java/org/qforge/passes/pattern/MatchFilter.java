package org.qforge.passes.pattern;

import org.qforge.ir.Graph;

/** Decides whether a match is rewritten: FX's {@code match_filters} entries. */
@FunctionalInterface
public interface MatchFilter {
  boolean test(InternalMatch match, Graph original, Graph pattern);
}
