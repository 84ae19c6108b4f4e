package org.qforge.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.qforge.ir.Graph;
import org.qforge.ir.text.IrPrinter;
import org.qforge.ir.verify.VerificationException;
import org.qforge.ir.verify.Verifier;

/**
 * Runs passes in order. After each pass the graph is verified (unless turned off), and a broken
 * graph is reported as the fault of the pass that broke it; per-pass time and node counts are
 * recorded; with an IR sink set, the graph is printed after every pass
 * ({@code --print-ir-after-all}).
 */
public final class PassPipeline {
  private final List<Pass> passes;
  private final boolean verifyEach;
  private final Consumer<String> irSink;

  private PassPipeline(Builder b) {
    this.passes = List.copyOf(b.passes);
    this.verifyEach = b.verifyEach;
    this.irSink = b.irSink;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Pass> passes() {
    return passes;
  }

  /** Runs every pass on {@code graph} in place. */
  public PipelineReport run(Graph graph) {
    List<PassRecord> records = new ArrayList<>();
    for (Pass p : passes) {
      int before = graph.nodes().size();
      long t0 = System.nanoTime();
      p.run(graph);
      long nanos = System.nanoTime() - t0;
      records.add(new PassRecord(p.name(), nanos, before, graph.nodes().size()));
      if (verifyEach) {
        try {
          Verifier.verify(graph);
        } catch (VerificationException e) {
          throw new IllegalStateException("pass " + p.name() + " left an invalid graph: " + e.getMessage(), e);
        }
      }
      if (irSink != null) {
        irSink.accept("// ----- IR after " + p.name() + " -----\n" + IrPrinter.print(graph));
      }
    }
    return new PipelineReport(records);
  }

  /** Builds a {@link PassPipeline}. Verification after each pass is on by default. */
  public static final class Builder {
    private final List<Pass> passes = new ArrayList<>();
    private boolean verifyEach = true;
    private Consumer<String> irSink;

    public Builder add(Pass pass) {
      passes.add(pass);
      return this;
    }

    /** Whether to verify the graph after every pass (always on in tests). */
    public Builder verifyEach(boolean verify) {
      this.verifyEach = verify;
      return this;
    }

    /** Receives the printed graph after every pass; null for none. */
    public Builder printIrAfterAll(Consumer<String> sink) {
      this.irSink = sink;
      return this;
    }

    public PassPipeline build() {
      return new PassPipeline(this);
    }
  }
}
