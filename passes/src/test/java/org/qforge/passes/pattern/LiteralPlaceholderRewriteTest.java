package org.qforge.passes.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qforge.passes.pattern.Golden.assertGraph;
import static org.qforge.passes.pattern.Golden.graph;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.TensorType;

/**
 * Patterns whose inputs stand for literals (PT2E's example tensors that become placeholders): they
 * match any literal in that position, consistently, and the replacement receives the literal.
 */
class LiteralPlaceholderRewriteTest {
  private static final TensorType T = TensorType.of(DType.F32, 3);

  @Test
  void literalInputsBindTheGraphsLiteralsAndFlowIntoTheReplacement() {
    Pattern hardtanh = PatternCapture.capture("p", List.of(T), List.of(-1.0, 1.0),
        (b, in) -> b.call("aten.hardtanh", in[0], in[1], in[2]));
    Pattern clamp = PatternCapture.capture("r", List.of(T), List.of(-1.0, 1.0),
        (b, in) -> b.call("aten.clamp", in[0], in[1], in[2]));
    Graph g = graph("""
        graph @m(%x: f32[3]) {
          %hardtanh: f32[3] = aten.hardtanh(%x, 0.0, 6.0)
          %hardtanh_1: f32[3] = aten.hardtanh(%hardtanh, -2, 2)
          return %hardtanh_1
        }
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, hardtanh, clamp);
    assertEquals(2, r.size());
    assertEquals(new Literal.Float(6.0), r.get(0).match().placeholderNodes().get(2));
    assertGraph("""
        graph @m(%x: f32[3]) {
          %clamp: f32[3] = aten.clamp(%x, min=0.0, max=6.0)
          %clamp_1: f32[3] = aten.clamp(%clamp, min=-2, max=2)
          return %clamp_1
        }
        """, g);
  }

  @Test
  void oneLiteralInputUsedTwiceMustBindEqualLiterals() {
    Pattern same = PatternCapture.capture("p", List.of(T), List.of(1.0),
        (b, in) -> b.call("aten.hardtanh", in[0], in[1], in[1]));
    Graph g = graph("""
        graph @m(%x: f32[3]) {
          %a: f32[3] = aten.hardtanh(%x, 2.0, 2.0)
          %b: f32[3] = aten.hardtanh(%a, 1.0, 2.0)
          return %b
        }
        """);
    assertEquals(List.of("a"), new SubgraphMatcher(same).match(g).stream()
        .map(m -> m.nodesMap().values().iterator().next().name()).toList());
  }
}
