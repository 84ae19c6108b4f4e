package org.qforge.passes.pattern;

/**
 * The switches of {@code SubgraphMatcher.__init__}.
 *
 * @param matchOutput the pattern's outputs must be the graph's outputs (in order)
 * @param matchPlaceholder pattern inputs bind only to graph inputs (not wildcards)
 * @param removeOverlappingMatches keep only the first of matches that share a matched node
 * @param ignoreLiterals literal arguments never make a match fail
 */
public record MatcherOptions(boolean matchOutput, boolean matchPlaceholder, boolean removeOverlappingMatches,
    boolean ignoreLiterals) {

  /** FX's defaults: placeholders are wildcards, overlapping matches removed, literals compared. */
  public static final MatcherOptions DEFAULT = new MatcherOptions(false, false, true, false);

  public MatcherOptions withIgnoreLiterals(boolean ignore) {
    return new MatcherOptions(matchOutput, matchPlaceholder, removeOverlappingMatches, ignore);
  }

  public MatcherOptions withMatchOutput(boolean match) {
    return new MatcherOptions(match, matchPlaceholder, removeOverlappingMatches, ignoreLiterals);
  }

  public MatcherOptions withMatchPlaceholder(boolean match) {
    return new MatcherOptions(matchOutput, match, removeOverlappingMatches, ignoreLiterals);
  }

  public MatcherOptions withRemoveOverlappingMatches(boolean remove) {
    return new MatcherOptions(matchOutput, matchPlaceholder, remove, ignoreLiterals);
  }
}
