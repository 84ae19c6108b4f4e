package org.qforge.ir.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.text.IrParser;

/** {@link Interpreter#intercept}: what an interceptor returns is what later nodes read. */
class InterpreterInterceptorTest {
  private static final Graph G = IrParser.parse("""
      graph @g(%x: f32[3]) {
        %relu: f32[3] = aten.relu(%x)
        %clamp: f32[3] = aten.clamp(%relu, min=-10, max=2.5)
        return %clamp
      }
      """, "g.qir");

  @Test
  void laterNodesReadTheReplacedResults() {
    Tensor x = Tensor.ofFloats(new float[] {-1f, 1f, 4f}, 3);
    List<String> seen = new ArrayList<>();
    List<Tensor> out = new Interpreter(G).intercept(List.of(x), (node, results) -> {
      seen.add(node.name());
      // Replace relu's output by its negation: the clamp then sees -0, -1, -4.
      return node.name().equals("relu") ? List.of(Tensor.ofFloats(new float[] {-0f, -1f, -4f}, 3)) : results;
    });
    assertEquals(List.of("relu", "clamp"), seen);
    assertArrayEquals(new float[] {-0f, -1f, -4f}, out.get(0).floats());
    // A plain listener changes nothing.
    assertArrayEquals(new float[] {0f, 1f, 2.5f}, new Interpreter(G).run(List.of(x), (n, r) -> {}).get(0).floats());
  }

  @Test
  void aReplacementOfAnotherTypeIsABug() {
    Tensor x = Tensor.ofFloats(new float[] {1f, 2f, 3f}, 3);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Interpreter(G).intercept(List.of(x),
        (node, results) -> List.of(Tensor.ofFloats(new float[] {1f, 2f}, 2))));
    assertEquals("an interceptor replaced result 0 of %relu (f32[3]) with f32[2]", e.getMessage());
  }
}
