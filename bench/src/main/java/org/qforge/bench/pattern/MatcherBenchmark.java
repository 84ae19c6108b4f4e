package org.qforge.bench.pattern;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.passes.pattern.GraphBuilder;
import org.qforge.passes.pattern.InternalMatch;
import org.qforge.passes.pattern.Pattern;
import org.qforge.passes.pattern.PatternCapture;
import org.qforge.passes.pattern.SubgraphMatcher;
import org.qforge.passes.pattern.SubgraphRewriter;

/**
 * The matcher's speed goal: a 10-node pattern in a 10,000-node graph with 500 matches. The graph is
 * 500 copies of the pattern chained one into the next, each followed by a 10-node decoy chain made
 * of the pattern's own ops (so the anchor op, neg, has 3,500 candidates, 3,000 of them false starts).
 *
 * <pre>java -jar bench/target/benchmarks.jar MatcherBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MatcherBenchmark {
  static final int MATCHES = 500;
  static final TensorType T = TensorType.of(DType.F32, 4);

  Pattern pattern;
  Pattern replacement;
  Graph graph;
  Graph scratch;

  /** The 10-node pattern: one anchor (the final neg), two placeholders. */
  static Value pattern(GraphBuilder b, Value x, Value y) {
    Value v = b.call("aten.neg", x);
    v = b.relu(v);
    v = b.add(v, y);
    v = b.call("aten.sigmoid", v);
    v = b.mul(v, x);
    v = b.call("aten.tanh", v);
    v = b.call("aten.sub.Tensor", v, y);
    v = b.call("aten.abs", v);
    v = b.call("aten.exp", v);
    return b.call("aten.neg", v);
  }

  /** A chain that shares the pattern's ops but never completes it. */
  static Value decoy(GraphBuilder b, Value x) {
    Value v = x;
    for (int i = 0; i < 5; i++) {
      v = b.call("aten.neg", v);
      v = b.call("aten.exp", v);
    }
    return v;
  }

  static Graph buildGraph() {
    Graph g = new Graph("bench");
    GraphBuilder b = new GraphBuilder(g);
    Value x = b.input("x", T);
    Value y = b.input("y", T);
    for (int i = 0; i < MATCHES; i++) {
      x = decoy(b, pattern(b, x, y));
    }
    b.output(x);
    return g;
  }

  @Setup(Level.Trial)
  public void setUp() {
    pattern = PatternCapture.capture("p", List.of(T, T), (b, in) -> pattern(b, in[0], in[1]));
    replacement = PatternCapture.capture("r", List.of(T, T), (b, in) -> b.add(in[0], in[1]));
    graph = buildGraph();
    if (graph.nodes().size() != 10_000) {
      throw new IllegalStateException("expected 10000 nodes, got " + graph.nodes().size());
    }
    int found = new SubgraphMatcher(pattern).match(graph).size();
    if (found != MATCHES) {
      throw new IllegalStateException("expected " + MATCHES + " matches, got " + found);
    }
  }

  @Setup(Level.Invocation)
  public void freshGraph() {
    scratch = buildGraph();
  }

  @Benchmark
  public List<InternalMatch> match() {
    return new SubgraphMatcher(pattern).match(graph);
  }

  @Benchmark
  public Map<String, Integer> matchAndRewrite() {
    int n = SubgraphRewriter.replacePattern(scratch, pattern, replacement).size();
    return Map.of("rewritten", n);
  }
}
