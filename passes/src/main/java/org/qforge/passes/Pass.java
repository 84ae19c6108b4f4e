package org.qforge.passes;

import org.qforge.ir.Graph;

/**
 * One named transformation of a graph. Implementations are small classes named for what they do;
 * their Javadoc says what they require of the graph and what they guarantee afterwards, and, for
 * the quantization passes, which PT2E step they mirror.
 */
public interface Pass {

  /** A short kebab-case name, used in reports and in {@code --print-ir-after-all} headers. */
  String name();

  /** Transforms {@code graph} in place. */
  void run(Graph graph);

  /** A pass from a name and a function, for steps too small to deserve a class. */
  static Pass of(String name, java.util.function.Consumer<Graph> body) {
    return new Pass() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void run(Graph graph) {
        body.accept(graph);
      }
    };
  }
}
