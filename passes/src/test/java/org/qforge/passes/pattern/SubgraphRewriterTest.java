package org.qforge.passes.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.passes.pattern.Golden.assertGraph;
import static org.qforge.passes.pattern.Golden.assertSameOutputs;
import static org.qforge.passes.pattern.Golden.graph;
import static org.qforge.passes.pattern.Golden.pattern;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.Tensor;
import org.qforge.ir.interp.Interpreter;

/**
 * Golden IR-text tests of {@link SubgraphRewriter}, after the behaviour cases of PyTorch's
 * {@code test/fx/test_subgraph_rewriter.py}: input graph, pattern, replacement, expected graph. The
 * expected graphs follow FX's rules for insertion point, naming ({@code name_1}, ...), rewiring and
 * erasure; where the rewrite preserves meaning, the outputs are also compared by running both graphs.
 */
class SubgraphRewriterTest {

  private static final String NEG_PLUS_RELU = """
      graph @m(%x: f32[1,3]) {
        %neg: f32[1,3] = aten.neg(%x)
        %relu: f32[1,3] = aten.relu(%x)
        %add: f32[1,3] = aten.add.Tensor(%neg, %relu)
        %add_1: f32[1,3] = aten.add.Tensor(%add, %add)
        return %add_1
      }
      """;

  private static final String NEG_PLUS_RELU_PATTERN = """
      graph @pattern(%x: f32[1,3]) {
        %neg: f32[1,3] = aten.neg(%x)
        %relu: f32[1,3] = aten.relu(%x)
        %add: f32[1,3] = aten.add.Tensor(%neg, %relu)
        return %add
      }
      """;

  @Test
  void replacingAPatternWithItselfPreservesLogic() {
    Graph g = graph(NEG_PLUS_RELU);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern(NEG_PLUS_RELU_PATTERN),
        pattern(NEG_PLUS_RELU_PATTERN));
    assertEquals(1, r.size());
    assertGraph("""
        graph @m(%x: f32[1,3]) {
          %neg_1: f32[1,3] = aten.neg(%x)
          %relu_1: f32[1,3] = aten.relu(%x)
          %add_2: f32[1,3] = aten.add.Tensor(%neg_1, %relu_1)
          %add_1: f32[1,3] = aten.add.Tensor(%add_2, %add_2)
          return %add_1
        }
        """, g);
    assertSameOutputs(graph(NEG_PLUS_RELU), g);
  }

  @Test
  void oneLinerPattern() {
    Graph g = graph("""
        graph @m(%x: f32[1,3]) {
          %neg: f32[1,3] = aten.neg(%x)
          %add: f32[1,3] = aten.add.Tensor(%neg, %neg)
          return %add
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[1,3]) {
          %neg: f32[1,3] = aten.neg(%x)
          return %neg
        }
        """), pattern("""
        graph @r(%x: f32[1,3]) {
          %relu: f32[1,3] = aten.relu(%x)
          return %relu
        }
        """));
    assertGraph("""
        graph @m(%x: f32[1,3]) {
          %relu: f32[1,3] = aten.relu(%x)
          %add: f32[1,3] = aten.add.Tensor(%relu, %relu)
          return %add
        }
        """, g);
  }

  @Test
  void singlePatternMatch() {
    Graph g = graph(NEG_PLUS_RELU);
    SubgraphRewriter.replacePattern(g, pattern(NEG_PLUS_RELU_PATTERN), pattern("""
        graph @r(%x: f32[1,3]) {
          %relu: f32[1,3] = aten.relu(%x)
          return %relu
        }
        """));
    assertGraph("""
        graph @m(%x: f32[1,3]) {
          %relu_1: f32[1,3] = aten.relu(%x)
          %add_1: f32[1,3] = aten.add.Tensor(%relu_1, %relu_1)
          return %add_1
        }
        """, g);
  }

  @Test
  void multiplePatternMatches() {
    Graph g = graph("""
        graph @m(%x: f32[1,3], %w1: f32[1,3], %w2: f32[1,3]) {
          %cat: f32[2,3] = aten.cat([%w1, %w2])
          %sum: f32[] = aten.sum(%cat)
          %cat_1: f32[2,3] = aten.cat([%w1, %w2])
          %sum_1: f32[] = aten.sum(%cat_1)
          %add: f32[1,3] = aten.add.Tensor(%x, %sum)
          %add_1: f32[1,3] = aten.add.Tensor(%add, %sum_1)
          return %add_1
        }
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%w1: f32[1,3], %w2: f32[1,3]) {
          %cat: f32[2,3] = aten.cat([%w1, %w2])
          %sum: f32[] = aten.sum(%cat)
          return %sum
        }
        """), pattern("""
        graph @r(%w1: f32[1,3], %w2: f32[1,3]) {
          %add: f32[1,3] = aten.add.Tensor(%w1, %w2)
          %sum: f32[] = aten.sum(%add)
          return %sum
        }
        """));
    assertEquals(2, r.size());
    assertGraph("""
        graph @m(%x: f32[1,3], %w1: f32[1,3], %w2: f32[1,3]) {
          %add_2: f32[1,3] = aten.add.Tensor(%w1, %w2)
          %sum_2: f32[] = aten.sum(%add_2)
          %add: f32[1,3] = aten.add.Tensor(%x, %sum_2)
          %add_3: f32[1,3] = aten.add.Tensor(%w1, %w2)
          %sum_3: f32[] = aten.sum(%add_3)
          %add_1: f32[1,3] = aten.add.Tensor(%add, %sum_3)
          return %add_1
        }
        """, g);
    // The replacement nodes are reported per match, in order.
    assertEquals(List.of("add_2", "sum_2"), r.get(0).replacements().stream().map(Node::name).toList());
    assertEquals(List.of("add_3", "sum_3"), r.get(1).replacements().stream().map(Node::name).toList());
  }

  @Test
  void argumentOrderIsKept() {
    Graph g = graph("""
        graph @m(%x: f32[3,4], %y: f32[4,5]) {
          %mm: f32[3,5] = aten.mm(%x, %y)
          return %mm
        }
        """);
    Pattern mm = pattern("""
        graph @p(%a: f32[3,4], %b: f32[4,5]) {
          %mm: f32[3,5] = aten.mm(%a, %b)
          return %mm
        }
        """);
    SubgraphRewriter.replacePattern(g, mm, mm);
    // Only a graph output uses the returned value, so the copy goes at the end.
    assertGraph("""
        graph @m(%x: f32[3,4], %y: f32[4,5]) {
          %mm_1: f32[3,5] = aten.mm(%x, %y)
          return %mm_1
        }
        """, g);
  }

  @Test
  void correctOutputIsReplaced() {
    Graph g = graph("""
        graph @m(%x: f32[4,4], %y: f32[4,4]) {
          %neg: f32[4,4] = aten.neg(%y)
          %relu: f32[4,4] = aten.relu(%x)
          %add: f32[4,4] = aten.add.Tensor(%neg, %relu)
          %add_1: f32[4,4] = aten.add.Tensor(%add, %add)
          return %add_1
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[4,4]) {
          %relu: f32[4,4] = aten.relu(%x)
          return %relu
        }
        """), pattern("""
        graph @r(%x: f32[4,4]) {
          %neg: f32[4,4] = aten.neg(%x)
          return %neg
        }
        """));
    assertGraph("""
        graph @m(%x: f32[4,4], %y: f32[4,4]) {
          %neg: f32[4,4] = aten.neg(%y)
          %neg_1: f32[4,4] = aten.neg(%x)
          %add: f32[4,4] = aten.add.Tensor(%neg, %neg_1)
          %add_1: f32[4,4] = aten.add.Tensor(%add, %add)
          return %add_1
        }
        """, g);
  }

  @Test
  void patternIsTheEntireGraph() {
    Graph g = graph("""
        graph @m(%x: f32[3,4]) {
          %neg: f32[3,4] = aten.neg(%x)
          %add: f32[3,4] = aten.add.Tensor(%neg, %neg)
          return %add
        }
        """);
    Pattern replacement = pattern("""
        graph @r(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %cat: f32[6,4] = aten.cat([%sigmoid, %sigmoid])
          return %cat
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[3,4]) {
          %neg: f32[3,4] = aten.neg(%x)
          %add: f32[3,4] = aten.add.Tensor(%neg, %neg)
          return %add
        }
        """), replacement);
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %cat: f32[6,4] = aten.cat([%sigmoid, %sigmoid])
          return %cat
        }
        """, g);
    assertSameOutputs(replacement.graph(), g);
  }

  @Test
  void returnedPatternNodeMayHaveUsersOutsideTheMatch() {
    Graph g = graph("""
        graph @m(%x: f32[3,4]) {
          %relu: f32[3,4] = aten.relu(%x)
          %neg: f32[3,4] = aten.neg(%relu)
          %sub: f32[3,4] = aten.sub.Tensor(%neg, %relu)
          return %sub
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[3,4]) {
          %relu: f32[3,4] = aten.relu(%x)
          return %relu
        }
        """), pattern("""
        graph @r(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          return %sigmoid
        }
        """));
    // Inserted before the first user in graph order (%neg), and every use rewired.
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %neg: f32[3,4] = aten.neg(%sigmoid)
          %sub: f32[3,4] = aten.sub.Tensor(%neg, %sigmoid)
          return %sub
        }
        """, g);
  }

  @Test
  void internalPatternNodesMayNotHaveUsersOutsideTheMatch() {
    String text = """
        graph @m(%x: f32[2,3], %w1: f32[2,3], %w2: f32[2,3], %b1: f32[4,4], %b2: f32[2,3]) {
          %cat: f32[4,3] = aten.cat([%w1, %w2])
          %cat_1: f32[4,3] = aten.cat([%w1, %w2])
          %cat_2: f32[4,3] = aten.cat([%x, %b2])
          %t: f32[3,4] = aten.t(%cat_2)
          %addmm: f32[4,4] = aten.addmm(%b1, %cat_1, %t)
          %sum: f32[2] = aten.sum.dim_IntList(%w1, [1])
          %t_1: f32[3,4] = aten.t(%cat_2)
          %addmm_1: f32[4,4] = aten.addmm(%b1, %cat_1, %t_1)
          %sum_1: f32[] = aten.sum(%sum)
          %sum_2: f32[] = aten.sum(%addmm_1)
          return %sum_1, %sum_2
        }
        """;
    Graph g = graph(text);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[2,3], %w1: f32[2,3], %w2: f32[2,3], %b1: f32[4,4], %b2: f32[2,3]) {
          %cat: f32[4,3] = aten.cat([%w1, %w2])
          %cat_1: f32[4,3] = aten.cat([%x, %b2])
          %t: f32[3,4] = aten.t(%cat_1)
          %addmm: f32[4,4] = aten.addmm(%b1, %cat, %t)
          return %addmm
        }
        """), pattern("""
        graph @r(%x: f32[2,3], %w1: f32[2,3], %w2: f32[2,3], %b1: f32[4,4], %b2: f32[2,3]) {
          %cat: f32[6,3] = aten.cat([%x, %w1, %w2])
          return %cat
        }
        """));
    // %cat_1 feeds both addmms, so each candidate leaks an internal node: no match, graph untouched.
    assertEquals(List.of(), r);
    assertGraph(text, g);
  }

  @Test
  void placeholderMatchesANodeAndTheReplacementReturnsItsInput() {
    Graph g = graph("""
        graph @m(%x: f32[3,4]) {
          %add: f32[3,4] = aten.add.Tensor(%x, 3)
          %sigmoid: f32[3,4] = aten.sigmoid(%add)
          %to: f16[3,4] = aten.to.dtype(%sigmoid, f16)
          return %to
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %to: f16[3,4] = aten.to.dtype(%sigmoid, f16)
          return %to
        }
        """), pattern("""
        graph @r(%x: f32[3,4]) {
          return %x
        }
        """));
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %add: f32[3,4] = aten.add.Tensor(%x, 3)
          return %add
        }
        """, g);
  }

  @Test
  void consecutiveMatchesAreRewiredThroughEarlierReplacements() {
    Graph g = graph("""
        graph @m(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %sigmoid_1: f32[3,4] = aten.sigmoid(%sigmoid)
          %sigmoid_2: f32[3,4] = aten.sigmoid(%sigmoid_1)
          return %sigmoid_2
        }
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          return %sigmoid
        }
        """), pattern("""
        graph @r(%x: f32[3,4]) {
          %exp: f32[3,4] = aten.exp(%x)
          return %exp
        }
        """));
    assertEquals(3, r.size());
    Graph expected = graph("""
        graph @m(%x: f32[3,4]) {
          %exp: f32[3,4] = aten.exp(%x)
          %exp_1: f32[3,4] = aten.exp(%exp)
          %exp_2: f32[3,4] = aten.exp(%exp_1)
          return %exp_2
        }
        """);
    assertGraph(org.qforge.ir.text.IrPrinter.print(expected), g);
    assertSameOutputs(expected, g);
  }

  @Test
  void overlappingMatchesKeepTheFirst() {
    Graph g = graph("""
        graph @m(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %sigmoid_1: f32[3,4] = aten.sigmoid(%sigmoid)
          %sigmoid_2: f32[3,4] = aten.sigmoid(%sigmoid_1)
          %sigmoid_3: f32[3,4] = aten.sigmoid(%sigmoid_2)
          return %sigmoid_3
        }
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %sigmoid_1: f32[3,4] = aten.sigmoid(%sigmoid)
          return %sigmoid_1
        }
        """), pattern("""
        graph @r(%x: f32[3,4]) {
          %neg: f32[3,4] = aten.neg(%x)
          return %neg
        }
        """));
    assertEquals(2, r.size());
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %neg: f32[3,4] = aten.neg(%x)
          %neg_1: f32[3,4] = aten.neg(%neg)
          return %neg_1
        }
        """, g);
  }

  @Test
  void patternWithMultipleOutputs() {
    Graph g = graph("""
        graph @m(%x: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%x)
          %relu: f32[3,4] = aten.relu(%x)
          %add: f32[3,4] = aten.add.Tensor(%sigmoid, %relu)
          return %add
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%a: f32[3,4]) {
          %sigmoid: f32[3,4] = aten.sigmoid(%a)
          %relu: f32[3,4] = aten.relu(%a)
          return %sigmoid, %relu
        }
        """), pattern("""
        graph @r(%x: f32[3,4]) {
          %exp: f32[3,4] = aten.exp(%x)
          %abs: f32[3,4] = aten.abs(%x)
          return %exp, %abs
        }
        """));
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %exp: f32[3,4] = aten.exp(%x)
          %abs: f32[3,4] = aten.abs(%x)
          %add: f32[3,4] = aten.add.Tensor(%exp, %abs)
          return %add
        }
        """, g);
  }

  @Test
  void patternWithDuplicatedOutputs() {
    Graph g = graph("""
        graph @m(%x1: f32[3,4], %x2: f32[3,4]) {
          %sub: f32[3,4] = aten.sub.Tensor(%x1, %x2)
          %sigmoid: f32[3,4] = aten.sigmoid(%sub)
          %relu: f32[3,4] = aten.relu(%sub)
          %add: f32[3,4] = aten.add.Tensor(%sigmoid, %relu)
          return %add
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%a1: f32[3,4], %a2: f32[3,4]) {
          %sub: f32[3,4] = aten.sub.Tensor(%a1, %a2)
          %sigmoid: f32[3,4] = aten.sigmoid(%sub)
          %relu: f32[3,4] = aten.relu(%sub)
          return %sigmoid, %relu, %sub
        }
        """), pattern("""
        graph @r(%x1: f32[3,4], %x2: f32[3,4]) {
          %exp: f32[3,4] = aten.exp(%x1)
          %abs: f32[3,4] = aten.abs(%x2)
          return %abs, %abs, %exp
        }
        """));
    // The copy goes before %sigmoid, the first user of any returned value (%sub's).
    assertGraph("""
        graph @m(%x1: f32[3,4], %x2: f32[3,4]) {
          %exp: f32[3,4] = aten.exp(%x1)
          %abs: f32[3,4] = aten.abs(%x2)
          %add: f32[3,4] = aten.add.Tensor(%abs, %abs)
          return %add
        }
        """, g);
  }

  @Test
  void unusedGraphInputsStay() {
    Graph g = graph("""
        graph @m(%x: f32[3,4], %y: f32[3,4], %z: f32[3,4]) {
          %add: f32[3,4] = aten.add.Tensor(%x, %y)
          return %add
        }
        """);
    SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: f32[3,4], %y: f32[3,4]) {
          %add: f32[3,4] = aten.add.Tensor(%x, %y)
          return %add
        }
        """), pattern("""
        graph @r(%x: f32[3,4], %y: f32[3,4]) {
          %sub: f32[3,4] = aten.sub.Tensor(%x, %y)
          return %sub
        }
        """));
    assertGraph("""
        graph @m(%x: f32[3,4], %y: f32[3,4], %z: f32[3,4]) {
          %sub: f32[3,4] = aten.sub.Tensor(%x, %y)
          return %sub
        }
        """, g);
  }

  private static final String LINEAR_MUL_PATTERN = """
      graph @p(%a: f32[1,4], %b: f32[4,4], %bias: f32[4], %c: f32[1,4]) {
        %linear: f32[1,4] = aten.linear(%a, %b, %bias)
        %mul: f32[1,4] = aten.mul.Tensor(%c, %linear)
        return %linear, %mul
      }
      """;

  private static final String LINEAR_MUL_REPLACEMENT = """
      graph @r(%a: f32[1,4], %b: f32[4,4], %bias: f32[4], %c: f32[1,4]) {
        %linear: f32[1,4] = aten.linear(%a, %b, %bias)
        %mul: f32[1,4] = aten.mul.Tensor(%linear, %c)
        return %linear, %mul
      }
      """;

  @Test
  void patternReturningAnInternalValueAndItsUser() {
    Graph g = graph("""
        graph @m(%in0: f32[1,4]) {
          param %w0: f32[4,4]
          param %b0: f32[4]
          %linear: f32[1,4] = aten.linear(%in0, %w0, %b0)
          %mul: f32[1,4] = aten.mul.Tensor(%in0, %linear)
          %add: f32[1,4] = aten.add.Tensor(%mul, %in0)
          return %add
        }
        """);
    // As in FX's test_subgraph_rewriter_nodes_with_kwargs, %a is used twice: a pattern with a
    // separate placeholder for the multiplier would not match, since two placeholders cannot bind
    // the same graph value (the match is injective).
    assertEquals(0, new SubgraphMatcher(pattern(LINEAR_MUL_PATTERN)).match(g).size());
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%a: f32[1,4], %b: f32[4,4], %bias: f32[4]) {
          %linear: f32[1,4] = aten.linear(%a, %b, %bias)
          %mul: f32[1,4] = aten.mul.Tensor(%a, %linear)
          return %linear, %mul
        }
        """), pattern("""
        graph @r(%a: f32[1,4], %b: f32[4,4], %bias: f32[4]) {
          %linear: f32[1,4] = aten.linear(%a, %b, %bias)
          %mul: f32[1,4] = aten.mul.Tensor(%linear, %a)
          return %linear, %mul
        }
        """));
    assertEquals(1, r.size());
    assertGraph("""
        graph @m(%in0: f32[1,4]) {
          param %w0: f32[4,4]
          param %b0: f32[4]
          %linear_1: f32[1,4] = aten.linear(%in0, %w0, %b0)
          %mul_1: f32[1,4] = aten.mul.Tensor(%linear_1, %in0)
          %add: f32[1,4] = aten.add.Tensor(%mul_1, %in0)
          return %add
        }
        """, g);
  }

  @Test
  void failedAnchorCandidateIsRevertedAndLaterCandidatesStillMatch() {
    Graph g = graph("""
        graph @m(%in0: f32[1,4], %in1: f32[1,4]) {
          param %w0: f32[4,4]
          param %b0: f32[4]
          param %w1: f32[4,4]
          param %b1: f32[4]
          param %w2: f32[4,4]
          param %b2: f32[4]
          param %w3: f32[4,4]
          param %b3: f32[4]
          param %w4: f32[4,4]
          param %b4: f32[4]
          %linear: f32[1,4] = aten.linear(%in1, %w0, %b0)
          %linear_1: f32[1,4] = aten.linear(%linear, %w1, %b1)
          %mul: f32[1,4] = aten.mul.Tensor(%in1, %linear_1)
          %add: f32[1,4] = aten.add.Tensor(%mul, %in1)
          %linear_2: f32[1,4] = aten.linear(%add, %w2, %b2)
          %sigmoid: f32[1,4] = aten.sigmoid(%linear_2)
          %mul_1: f32[1,4] = aten.mul.Tensor(%linear_2, %sigmoid)
          %linear_3: f32[1,4] = aten.linear(%in0, %w3, %b3)
          %linear_4: f32[1,4] = aten.linear(%linear_3, %w4, %b4)
          %mul_2: f32[1,4] = aten.mul.Tensor(%in0, %linear_4)
          %add_1: f32[1,4] = aten.add.Tensor(%mul_2, %in0)
          %cat: f32[1,8] = aten.cat([%mul_1, %add_1], 1)
          return %cat
        }
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern(LINEAR_MUL_PATTERN),
        pattern(LINEAR_MUL_REPLACEMENT));
    assertEquals(2, r.size());
    assertGraph("""
        graph @m(%in0: f32[1,4], %in1: f32[1,4]) {
          param %w0: f32[4,4]
          param %b0: f32[4]
          param %w1: f32[4,4]
          param %b1: f32[4]
          param %w2: f32[4,4]
          param %b2: f32[4]
          param %w3: f32[4,4]
          param %b3: f32[4]
          param %w4: f32[4,4]
          param %b4: f32[4]
          %linear: f32[1,4] = aten.linear(%in1, %w0, %b0)
          %linear_5: f32[1,4] = aten.linear(%linear, %w1, %b1)
          %mul_3: f32[1,4] = aten.mul.Tensor(%linear_5, %in1)
          %add: f32[1,4] = aten.add.Tensor(%mul_3, %in1)
          %linear_2: f32[1,4] = aten.linear(%add, %w2, %b2)
          %sigmoid: f32[1,4] = aten.sigmoid(%linear_2)
          %mul_1: f32[1,4] = aten.mul.Tensor(%linear_2, %sigmoid)
          %linear_3: f32[1,4] = aten.linear(%in0, %w3, %b3)
          %linear_6: f32[1,4] = aten.linear(%linear_3, %w4, %b4)
          %mul_4: f32[1,4] = aten.mul.Tensor(%linear_6, %in0)
          %add_1: f32[1,4] = aten.add.Tensor(%mul_4, %in0)
          %cat: f32[1,8] = aten.cat([%mul_1, %add_1], 1)
          return %cat
        }
        """, g);
  }

  private static final String ADD_SCALAR_GRAPH = """
      graph @m(%x: f32[3,4]) {
        %relu: f32[3,4] = aten.relu(%x)
        %add: f32[3,4] = aten.add.Tensor(%relu, 2)
        %sigmoid: f32[3,4] = aten.sigmoid(%add)
        %neg: f32[3,4] = aten.neg(%sigmoid)
        %relu_1: f32[3,4] = aten.relu(%sigmoid)
        %add_1: f32[3,4] = aten.add.Tensor(%relu_1, %neg)
        %sigmoid_1: f32[3,4] = aten.sigmoid(%add_1)
        return %sigmoid_1
      }
      """;

  private static final String ADD_RELU_PATTERN = """
      graph @p(%x: f32[3,4], %num: f32[3,4]) {
        %relu: f32[3,4] = aten.relu(%x)
        %add: f32[3,4] = aten.add.Tensor(%relu, %num)
        %sigmoid: f32[3,4] = aten.sigmoid(%add)
        return %sigmoid
      }
      """;

  private static final String MUL_REPLACEMENT = """
      graph @r(%x: f32[3,4], %num: f32[3,4]) {
        %mul: f32[3,4] = aten.mul.Tensor(%x, %num)
        return %mul
      }
      """;

  @Test
  void withoutFiltersBothMatchesAreRewritten() {
    Graph g = graph(ADD_SCALAR_GRAPH);
    List<ReplacedPattern> r = SubgraphRewriter.replacePatternWithFilters(g, pattern(ADD_RELU_PATTERN),
        pattern(MUL_REPLACEMENT), List.of(), false, null);
    assertEquals(2, r.size());
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %mul: f32[3,4] = aten.mul.Tensor(%x, 2)
          %neg: f32[3,4] = aten.neg(%mul)
          %mul_1: f32[3,4] = aten.mul.Tensor(%mul, %neg)
          return %mul_1
        }
        """, g);
    List<Node> inGraph = g.nodes().stream().filter(n -> n.op().name().equals("aten.mul.Tensor")).toList();
    assertEquals(inGraph, r.stream().flatMap(p -> p.replacements().stream()).toList());
  }

  @Test
  void filterKeepsOnlyMatchesWhoseSecondInputIsAScalar() {
    Graph g = graph(ADD_SCALAR_GRAPH);
    Pattern p = pattern(ADD_RELU_PATTERN);
    MatchFilter secondInputIsScalar = (m, original, pg) ->
        m.placeholderMap().get(pg.inputs().get(1)) instanceof Literal;
    List<ReplacedPattern> r = SubgraphRewriter.replacePatternWithFilters(g, p, pattern(MUL_REPLACEMENT),
        List.of(secondInputIsScalar), false, null);
    assertEquals(1, r.size());
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %mul: f32[3,4] = aten.mul.Tensor(%x, 2)
          %neg: f32[3,4] = aten.neg(%mul)
          %relu_1: f32[3,4] = aten.relu(%mul)
          %add_1: f32[3,4] = aten.add.Tensor(%relu_1, %neg)
          %sigmoid_1: f32[3,4] = aten.sigmoid(%add_1)
          return %sigmoid_1
        }
        """, g);
  }

  @Test
  void replacementCallbackChoosesPerMatch() {
    Graph g = graph(ADD_SCALAR_GRAPH);
    Pattern mul = pattern(MUL_REPLACEMENT);
    Pattern sub = pattern("""
        graph @r(%x: f32[3,4], %num: f32[3,4]) {
          %sub: f32[3,4] = aten.sub.Tensor(%x, %num)
          return %sub
        }
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePatternWithFilters(g, pattern(ADD_RELU_PATTERN), null,
        List.of(), false, (m, original, pg) -> m.placeholderNodes().get(1) instanceof Literal ? mul : sub);
    assertEquals(2, r.size());
    assertGraph("""
        graph @m(%x: f32[3,4]) {
          %mul: f32[3,4] = aten.mul.Tensor(%x, 2)
          %neg: f32[3,4] = aten.neg(%mul)
          %sub: f32[3,4] = aten.sub.Tensor(%mul, %neg)
          return %sub
        }
        """, g);
  }

  @Test
  void replacementConstantsAreCopiedIntoTheGraph() {
    Graph g = graph("""
        graph @m(%x: i64[1]) {
          const %a: i64[1]
          const %b: i64[1]
          %add: i64[1] = aten.add.Tensor(%x, %a)
          %sub: i64[1] = aten.sub.Tensor(%add, %b)
          return %sub
        }
        data %a = dense [1]
        data %b = dense [2]
        """);
    List<ReplacedPattern> r = SubgraphRewriter.replacePattern(g, pattern("""
        graph @p(%x: i64[1]) {
          const %a: i64[1]
          %add: i64[1] = aten.add.Tensor(%x, %a)
          return %add
        }
        data %a = dense [1]
        """), pattern("""
        graph @r(%x: i64[1]) {
          const %c: i64[1]
          %sub: i64[1] = aten.sub.Tensor(%x, %c)
          return %sub
        }
        data %c = dense [3]
        """));
    assertEquals(1, r.size());
    assertGraph("""
        graph @m(%x: i64[1]) {
          const %a: i64[1]
          const %b: i64[1]
          const %c: i64[1]
          %sub_1: i64[1] = aten.sub.Tensor(%x, %c)
          %sub: i64[1] = aten.sub.Tensor(%sub_1, %b)
          return %sub
        }
        """, g);
    Tensor y = new Interpreter(g).run(List.of(Tensor.ofLongs(new long[] {10}, 1))).get(0);
    assertEquals(5, y.getLong(0));
  }

  @Test
  void replacementWithWrongPlaceholderCountIsRejected() {
    Graph g = graph(NEG_PLUS_RELU);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> SubgraphRewriter.replacePattern(g, pattern(NEG_PLUS_RELU_PATTERN), pattern("""
            graph @r(%x: f32[1,3], %y: f32[1,3]) {
              %add: f32[1,3] = aten.add.Tensor(%x, %y)
              return %add
            }
            """)));
    assertTrue(e.getMessage().contains("takes 2 inputs but pattern pattern has 1 placeholders"), e.getMessage());
  }
}
