package org.qforge.passes;

import java.util.List;
import java.util.Locale;

/**
 * The per-pass records of one pipeline run.
 *
 * @param records one per pass, in order
 */
public record PipelineReport(List<PassRecord> records) {
  public PipelineReport {
    records = List.copyOf(records);
  }

  /** A table of pass, time and node-count change, for {@code --verbose} output and logs. */
  public String table() {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-32s %10s %7s %7s%n", "pass", "ms", "nodes",
        "change"));
    for (PassRecord r : records) {
      sb.append(String.format(Locale.ROOT, "%-32s %10.2f %7d %+7d%n", r.name(), r.nanos() / 1e6, r.nodesAfter(),
          r.nodeDelta()));
    }
    return sb.toString();
  }
}
