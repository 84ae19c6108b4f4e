package org.qforge.passes.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.passes.pattern.Golden.graph;
import static org.qforge.passes.pattern.Golden.pattern;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.TensorType;
import org.qforge.ir.text.IrPrinter;

/**
 * {@link SubgraphMatcher} on IR-text graphs, after PyTorch's {@code test/fx/test_matcher_utils.py}
 * and the rules of {@code matcher_utils.py}: literals, placeholders, injectivity, containment,
 * cycles, overlap, anchors and named nodes.
 */
class SubgraphMatcherTest {

  private static List<InternalMatch> match(String patternText, String graphText, MatcherOptions o) {
    return new SubgraphMatcher(pattern(patternText), o).match(graph(graphText));
  }

  private static List<InternalMatch> match(String patternText, String graphText) {
    return match(patternText, graphText, MatcherOptions.DEFAULT);
  }

  @Test
  void patternConstantsMatchAnyGraphConstant() {
    List<InternalMatch> m = match("""
        graph @p(%x: f32[5,5]) {
          param %bias_1: f32[5,5]
          param %weight_1: f32[5,5]
          %addmm: f32[5,5] = aten.addmm(%bias_1, %x, %weight_1)
          return %addmm
        }
        """, """
        graph @m(%x: f32[3,3]) {
          param %bias: f32[3,3]
          param %weight: f32[3,3]
          %addmm: f32[3,3] = aten.addmm(%bias, %x, %weight)
          return %addmm
        }
        """);
    assertEquals(1, m.size());
  }

  @Test
  void constantInPatternDoesNotMatchAComputedValue() {
    assertEquals(0, match("""
        graph @p(%x: f32[3,3]) {
          param %w: f32[3,3]
          %mm: f32[3,3] = aten.mm(%x, %w)
          return %mm
        }
        """, """
        graph @m(%x: f32[3,3], %y: f32[3,3]) {
          %mm: f32[3,3] = aten.mm(%x, %y)
          return %mm
        }
        """).size());
  }

  private static final String VIEW_GRAPH = """
      graph @m(%x: f32[6]) {
        %view: f32[2,3] = aten.view(%x, [2, 3])
        return %view
      }
      """;

  @Test
  void listLiteralsMustBeEqual() {
    assertEquals(1, match("""
        graph @p(%x: f32[6]) {
          %view: f32[2,3] = aten.view(%x, [2, 3])
          return %view
        }
        """, VIEW_GRAPH).size());
    assertEquals(0, match("""
        graph @p(%x: f32[6]) {
          %view: f32[3,2] = aten.view(%x, [3, 2])
          return %view
        }
        """, VIEW_GRAPH).size());
  }

  private static final String ADD_ONE = """
      graph @m(%x: f32[3,3]) {
        %add: f32[3,3] = aten.add.Tensor(%x, 1)
        return %add
      }
      """;

  private static final String ADD_TWO = """
      graph @p(%x: f32[4,4]) {
        %add: f32[4,4] = aten.add.Tensor(%x, 2)
        return %add
      }
      """;

  @Test
  void literalsMustMatchUnlessIgnored() {
    assertEquals(0, match(ADD_TWO, ADD_ONE).size());
    assertEquals(1, match(ADD_TWO, ADD_ONE, MatcherOptions.DEFAULT.withIgnoreLiterals(true)).size());
  }

  @Test
  void intAndFloatLiteralsOfEqualValueDiffer() {
    assertEquals(0, match("""
        graph @p(%x: f32[3,3]) {
          %add: f32[3,3] = aten.add.Tensor(%x, 1.0)
          return %add
        }
        """, ADD_ONE).size());
  }

  @Test
  void ignoreLiteralsAcceptsANodeAgainstALiteral() {
    String p = """
        graph @p(%x: f32[3,3], %y: f32[3,3]) {
          %relu: f32[3,3] = aten.relu(%y)
          %add: f32[3,3] = aten.add.Tensor(%x, %relu)
          return %add
        }
        """;
    assertEquals(0, match(p, ADD_ONE).size());
    List<InternalMatch> m = match(p, ADD_ONE, MatcherOptions.DEFAULT.withIgnoreLiterals(true));
    assertEquals(1, m.size());
    // The relu pattern node stood against a literal and has no image.
    assertEquals(1, m.get(0).nodesMap().size());
  }

  @Test
  void placeholderBindsALiteralConsistently() {
    String p = """
        graph @p(%x: f32[3], %s: f32[3]) {
          %mul: f32[3] = aten.mul.Tensor(%x, %s)
          %add: f32[3] = aten.add.Tensor(%mul, %s)
          return %add
        }
        """;
    List<InternalMatch> same = match(p, """
        graph @m(%x: f32[3]) {
          %mul: f32[3] = aten.mul.Tensor(%x, 2)
          %add: f32[3] = aten.add.Tensor(%mul, 2)
          return %add
        }
        """);
    assertEquals(1, same.size());
    assertEquals(new Literal.Int(2), same.get(0).placeholderNodes().get(1));
    assertEquals(0, match(p, """
        graph @m(%x: f32[3]) {
          %mul: f32[3] = aten.mul.Tensor(%x, 2)
          %add: f32[3] = aten.add.Tensor(%mul, 3)
          return %add
        }
        """).size());
  }

  @Test
  void matchIsInjective() {
    String p = """
        graph @p(%x: f32[3], %y: f32[3]) {
          %add: f32[3] = aten.add.Tensor(%x, %y)
          return %add
        }
        """;
    assertEquals(0, match(p, """
        graph @m(%a: f32[3]) {
          %add: f32[3] = aten.add.Tensor(%a, %a)
          return %add
        }
        """).size());
    assertEquals(1, match(p, """
        graph @m(%a: f32[3], %b: f32[3]) {
          %add: f32[3] = aten.add.Tensor(%a, %b)
          return %add
        }
        """).size());
  }

  @Test
  void internalNodeThatIsAGraphOutputIsNotContained() {
    assertEquals(0, match("""
        graph @p(%x: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          %neg: f32[3] = aten.neg(%relu)
          return %neg
        }
        """, """
        graph @m(%x: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          %neg: f32[3] = aten.neg(%relu)
          return %neg, %relu
        }
        """).size());
  }

  private static final String RELU_ADD_PATTERN = """
      graph @p(%x: f32[3], %y: f32[3]) {
        %relu: f32[3] = aten.relu(%x)
        %add: f32[3] = aten.add.Tensor(%relu, %y)
        return %relu, %add
      }
      """;

  @Test
  void matchThatWouldFormACycleWhenFusedIsDropped() {
    // %neg leaves the match from %relu and comes back into %add.
    assertEquals(0, match(RELU_ADD_PATTERN, """
        graph @m(%x: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          %neg: f32[3] = aten.neg(%relu)
          %add: f32[3] = aten.add.Tensor(%relu, %neg)
          return %add
        }
        """).size());
    assertEquals(1, match(RELU_ADD_PATTERN, """
        graph @m(%x: f32[3], %z: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          %neg: f32[3] = aten.neg(%relu)
          %add: f32[3] = aten.add.Tensor(%relu, %z)
          %out: f32[3] = aten.add.Tensor(%add, %neg)
          return %out
        }
        """).size());
  }

  private static final String FOUR_SIGMOIDS = """
      graph @m(%x: f32[3]) {
        %sigmoid: f32[3] = aten.sigmoid(%x)
        %sigmoid_1: f32[3] = aten.sigmoid(%sigmoid)
        %sigmoid_2: f32[3] = aten.sigmoid(%sigmoid_1)
        %sigmoid_3: f32[3] = aten.sigmoid(%sigmoid_2)
        return %sigmoid_3
      }
      """;

  private static final String TWO_SIGMOIDS = """
      graph @p(%x: f32[3]) {
        %sigmoid: f32[3] = aten.sigmoid(%x)
        %sigmoid_1: f32[3] = aten.sigmoid(%sigmoid)
        return %sigmoid_1
      }
      """;

  @Test
  void overlappingMatchesAreKeptWhenAsked() {
    List<InternalMatch> all = match(TWO_SIGMOIDS, FOUR_SIGMOIDS,
        MatcherOptions.DEFAULT.withRemoveOverlappingMatches(false));
    assertEquals(List.of("sigmoid_1", "sigmoid_2", "sigmoid_3"),
        all.stream().map(m -> ((org.qforge.ir.Value) m.returningNodes().get(0)).name()).toList());
    List<InternalMatch> kept = match(TWO_SIGMOIDS, FOUR_SIGMOIDS);
    assertEquals(List.of("sigmoid_1", "sigmoid_3"),
        kept.stream().map(m -> ((org.qforge.ir.Value) m.returningNodes().get(0)).name()).toList());
  }

  @Test
  void multipleAnchorsAreMatchedConsistentlyByBacktracking() {
    List<InternalMatch> m = match("""
        graph @p(%a: f32[3]) {
          %sigmoid: f32[3] = aten.sigmoid(%a)
          %relu: f32[3] = aten.relu(%a)
          return %sigmoid, %relu
        }
        """, """
        graph @m(%x: f32[3], %y: f32[3]) {
          %sigmoid: f32[3] = aten.sigmoid(%x)
          %relu: f32[3] = aten.relu(%y)
          %sigmoid_1: f32[3] = aten.sigmoid(%y)
          %relu_1: f32[3] = aten.relu(%x)
          %a: f32[3] = aten.add.Tensor(%sigmoid, %relu)
          %b: f32[3] = aten.add.Tensor(%sigmoid_1, %relu_1)
          %c: f32[3] = aten.add.Tensor(%a, %b)
          return %c
        }
        """);
    // Of the four anchor assignments only (sigmoid, relu_1) over %x and (sigmoid_1, relu) over %y agree.
    assertEquals(2, m.size());
    assertEquals(List.of("sigmoid", "relu_1"), m.get(0).nodesMap().values().stream().map(Node::name).toList());
    assertEquals(List.of("sigmoid_1", "relu"), m.get(1).nodesMap().values().stream().map(Node::name).toList());
    assertEquals(2, m.get(0).anchors().size());
  }

  @Test
  void anchorsAreThePatternSinks() {
    SubgraphMatcher m = new SubgraphMatcher(pattern("""
        graph @p(%a1: f32[3], %a2: f32[3]) {
          %sub: f32[3] = aten.sub.Tensor(%a1, %a2)
          %sigmoid: f32[3] = aten.sigmoid(%sub)
          %relu: f32[3] = aten.relu(%sub)
          return %sigmoid, %relu, %sub
        }
        """));
    assertEquals(List.of("sigmoid", "relu"), m.anchors().stream().map(Node::name).toList());
  }

  @Test
  void matchOutputRequiresThePatternToEndTheGraph() {
    String p = """
        graph @p(%x: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          return %relu
        }
        """;
    MatcherOptions o = MatcherOptions.DEFAULT.withMatchOutput(true);
    assertEquals(0, match(p, """
        graph @m(%x: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          %neg: f32[3] = aten.neg(%relu)
          return %neg
        }
        """, o).size());
    assertEquals(1, match(p, """
        graph @m(%x: f32[3]) {
          %neg: f32[3] = aten.neg(%x)
          %relu: f32[3] = aten.relu(%neg)
          return %relu
        }
        """, o).size());
  }

  @Test
  void matchPlaceholderBindsOnlyGraphInputs() {
    String p = """
        graph @p(%x: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          return %relu
        }
        """;
    String viaNeg = """
        graph @m(%a: f32[3]) {
          %neg: f32[3] = aten.neg(%a)
          %relu: f32[3] = aten.relu(%neg)
          return %relu
        }
        """;
    assertEquals(1, match(p, viaNeg).size());
    assertEquals(0, match(p, viaNeg, MatcherOptions.DEFAULT.withMatchPlaceholder(true)).size());
    assertEquals(1, match(p, """
        graph @m(%a: f32[3]) {
          %relu: f32[3] = aten.relu(%a)
          return %relu
        }
        """, MatcherOptions.DEFAULT.withMatchPlaceholder(true)).size());
  }

  @Test
  void patternsWithDeadCodeAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SubgraphMatcher(pattern("""
        graph @p(%x: f32[3], %unused: f32[3]) {
          %relu: f32[3] = aten.relu(%x)
          return %relu
        }
        """)));
    assertEquals("pattern p has dead code: input %unused is unused", e.getMessage());
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> new SubgraphMatcher(pattern("""
        graph @p(%x: f32[3]) {
          %neg: f32[3] = aten.neg(%x)
          %relu: f32[3] = aten.relu(%x)
          return %relu
        }
        """)));
    assertEquals("pattern p has dead code: %neg is unused", e2.getMessage());
  }

  @Test
  void javaPatternCapturesTheSameGraphAsItsText() {
    TensorType x = TensorType.of(DType.F32, 1, 4);
    TensorType w = TensorType.of(DType.F32, 3, 4);
    TensorType b = TensorType.of(DType.F32, 3);
    Pattern captured = PatternCapture.capture("linear_relu", List.of(x, w, b),
        (g, in) -> g.name("relu", g.relu(g.name("linear", g.linear(in[0], in[1], in[2])))));
    assertEquals(IrPrinter.print(graph("""
        graph @linear_relu(%arg0_1: f32[1,4], %arg1_1: f32[3,4], %arg2_1: f32[3]) {
          %linear: f32[1,3] = aten.linear(%arg0_1, %arg1_1, %arg2_1)
          %relu: f32[1,3] = aten.relu(%linear)
          return %relu
        }
        """)), IrPrinter.print(captured.graph()));
    // Named in evaluation order: the inner call first.
    assertEquals(List.of("linear", "relu"), List.copyOf(captured.namedNodes().keySet()));
  }

  @Test
  void nameNodeMapReportsTheImagesOfNamedNodes() {
    Pattern p = PatternCapture.capture("conv_relu", List.of(TensorType.of(DType.F32, 1, 1, 4, 4),
        TensorType.of(DType.F32, 2, 1, 3, 3)),
        (g, in) -> g.name("relu", g.relu(g.name("conv", g.call("aten.conv2d", in[0], in[1])))));
    Graph model = graph("""
        graph @m(%x: f32[1,1,8,8]) {
          param %w: f32[4,1,3,3]
          param %w2: f32[4,4,1,1]
          %conv2d: f32[1,4,6,6] = aten.conv2d(%x, %w)
          %relu: f32[1,4,6,6] = aten.relu(%conv2d)
          %conv2d_1: f32[1,4,6,6] = aten.conv2d(%relu, %w2)
          %relu_1: f32[1,4,6,6] = aten.relu(%conv2d_1)
          return %relu_1
        }
        """);
    List<InternalMatch> m = new SubgraphMatcher(p).match(model);
    assertEquals(2, m.size());
    assertSame(model.node("conv2d"), m.get(0).nameNodeMap().get("conv"));
    assertSame(model.node("relu"), m.get(0).nameNodeMap().get("relu"));
    assertSame(model.node("conv2d_1"), m.get(1).nameNodeMap().get("conv"));
    assertSame(model.constant("w2").value(), m.get(1).placeholderNodes().get(1));
  }

  @Test
  void schemaDefaultsTakePartInMatching() {
    // The pattern's conv2d has padding [0, 0] by default; a padded conv does not match it.
    Pattern p = PatternCapture.capture("conv", List.of(TensorType.of(DType.F32, 1, 1, 4, 4),
        TensorType.of(DType.F32, 2, 1, 3, 3)), (g, in) -> g.call("aten.conv2d", in[0], in[1]));
    Graph padded = graph("""
        graph @m(%x: f32[1,1,8,8]) {
          param %w: f32[4,1,3,3]
          %conv2d: f32[1,4,8,8] = aten.conv2d(%x, %w, none, [1, 1], [1, 1])
          return %conv2d
        }
        """);
    assertEquals(0, new SubgraphMatcher(p).match(padded).size());
    assertEquals(1, new SubgraphMatcher(p, MatcherOptions.DEFAULT.withIgnoreLiterals(true)).match(padded).size());
    assertTrue(new SubgraphMatcher(p).anchors().get(0).op().name().equals("aten.conv2d"));
  }
}
