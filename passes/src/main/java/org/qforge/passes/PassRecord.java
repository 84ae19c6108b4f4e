package org.qforge.passes;

/**
 * What one pass did in a pipeline run.
 *
 * @param name the pass's name
 * @param nanos wall time of the pass (verification excluded)
 * @param nodesBefore node count before the pass
 * @param nodesAfter node count after the pass
 */
public record PassRecord(String name, long nanos, int nodesBefore, int nodesAfter) {

  /** Nodes added (positive) or removed (negative). */
  public int nodeDelta() {
    return nodesAfter - nodesBefore;
  }
}
