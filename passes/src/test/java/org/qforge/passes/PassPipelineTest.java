package org.qforge.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.text.IrParser;
import org.qforge.ir.text.IrPrinter;
import org.qforge.passes.pattern.Pattern;
import org.qforge.passes.pattern.SubgraphRewriter;

class PassPipelineTest {

  private static Graph graph(String text) {
    return IrParser.parse(text, "t.qir", IrParser.MissingData.ZERO_FILL);
  }

  private static final String MODEL = """
      graph @m(%x: f32[3]) {
        param %unused: f32[3]
        %sigmoid: f32[3] = aten.sigmoid(%x)
        %dead: f32[3] = aten.neg(%sigmoid)
        %relu: f32[3] = aten.relu(%sigmoid)
        return %relu
      }
      """;

  /** Rewrites sigmoid into exp with the subgraph rewriter. */
  static final class SigmoidToExp implements Pass {
    @Override
    public String name() {
      return "sigmoid-to-exp";
    }

    @Override
    public void run(Graph g) {
      SubgraphRewriter.replacePattern(g, Pattern.of(graph("""
          graph @p(%x: f32[3]) {
            %sigmoid: f32[3] = aten.sigmoid(%x)
            return %sigmoid
          }
          """)), Pattern.of(graph("""
          graph @r(%x: f32[3]) {
            %exp: f32[3] = aten.exp(%x)
            return %exp
          }
          """)));
    }
  }

  @Test
  void runsPassesInOrderAndRecordsNodeCounts() {
    Graph g = graph(MODEL);
    List<String> printed = new ArrayList<>();
    PipelineReport report = PassPipeline.builder()
        .add(new SigmoidToExp())
        .add(new EliminateDeadCode())
        .printIrAfterAll(printed::add)
        .build()
        .run(g);
    assertEquals(List.of("sigmoid-to-exp", "eliminate-dead-code"),
        report.records().stream().map(PassRecord::name).toList());
    assertEquals(3, report.records().get(0).nodesBefore());
    assertEquals(3, report.records().get(0).nodesAfter());
    assertEquals(-1, report.records().get(1).nodeDelta());
    assertEquals("""
        graph @m(%x: f32[3]) {
          %exp: f32[3] = aten.exp(%x)
          %relu: f32[3] = aten.relu(%exp)
          return %relu
        }
        """, IrPrinter.print(g));
    assertEquals(2, printed.size());
    assertTrue(printed.get(0).startsWith("// ----- IR after sigmoid-to-exp -----\ngraph @m"), printed.get(0));
    assertTrue(printed.get(0).contains("%dead: f32[3] = aten.neg(%exp)"), printed.get(0));
    assertTrue(printed.get(1).endsWith(IrPrinter.print(g)));
    assertTrue(report.table().contains("eliminate-dead-code"), report.table());
  }

  @Test
  void aPassThatBreaksTheGraphIsNamed() {
    Pass breaker = new Pass() {
      @Override
      public String name() {
        return "breaker";
      }

      @Override
      public void run(Graph g) {
        g.node("relu").setArg(0, new Literal.Int(0));
      }
    };
    Graph g = graph(MODEL);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PassPipeline.builder().add(breaker).build().run(g));
    assertEquals("pass breaker left an invalid graph: node %relu (aten.relu): argument 'self' must be Tensor, got 0",
        e.getMessage());
    // With verification off the same pipeline does not notice.
    PassPipeline.builder().add(breaker).verifyEach(false).build().run(graph(MODEL));
  }

  @Test
  void deadCodeEliminationKeepsMutatingNodesAndInputs() {
    Graph g = graph("""
        graph @m(%x: f32[3], %unused: f32[3]) {
          buffer %count: i64[]
          %add_: i64[] = aten.add_.Tensor(%count, 1)
          %neg: f32[3] = aten.neg(%x)
          %neg_1: f32[3] = aten.neg(%neg)
          return %x
        }
        """);
    new EliminateDeadCode().run(g);
    assertEquals("""
        graph @m(%x: f32[3], %unused: f32[3]) {
          buffer %count: i64[]
          %add_: i64[] = aten.add_.Tensor(%count, 1)
          return %x
        }
        """, IrPrinter.print(g));
  }
}
