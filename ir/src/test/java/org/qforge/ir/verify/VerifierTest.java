package org.qforge.ir.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.Literal;
import org.qforge.ir.Node;
import org.qforge.ir.OpDef;
import org.qforge.ir.TensorType;
import org.qforge.ir.Value;
import org.qforge.ir.ops.OpRegistry;

/** Graphs broken through the mutation API (as a buggy pass would) are caught and the node named. */
class VerifierTest {
  private final OpDef relu = OpRegistry.standard().get("aten.relu");
  private final TensorType t = TensorType.of(DType.F32, 3);

  private Node addRelu(Graph g, Value in, String name) {
    return g.addNode(relu, relu.bind(List.of(in), Map.of()), List.of(name), List.of(t), Map.of());
  }

  @Test
  void wellFormedGraphPasses() {
    Graph g = new Graph("g");
    Value x = g.addInput("x", t);
    Node a = addRelu(g, x, "a");
    g.setOutputs(List.of(a.result()));
    Verifier.verify(g);
  }

  @Test
  void useBeforeDefinitionAfterAnInsertion() {
    Graph g = new Graph("g");
    Value x = g.addInput("x", t);
    Node a = addRelu(g, x, "a");
    Node b = addRelu(g, a.result(), "b");
    g.setOutputs(List.of(b.result()));
    // A pass that rewires a to read b's result breaks dominance.
    a.setArg(0, b.result());
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(g));
    assertEquals("node %a (aten.relu): argument 'self' uses %b, which is defined after its use", e.getMessage());
  }

  @Test
  void argumentOfWrongKind() {
    Graph g = new Graph("g");
    Value x = g.addInput("x", t);
    Node a = addRelu(g, x, "a");
    g.setOutputs(List.of(a.result()));
    a.setArg(0, new Literal.Int(1));
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(g));
    assertEquals("node %a (aten.relu): argument 'self' must be Tensor, got 1", e.getMessage());
  }

  @Test
  void valueFromAnotherGraph() {
    Graph other = new Graph("other");
    Value y = other.addInput("y", t);
    Graph g = new Graph("g");
    Value x = g.addInput("x", t);
    Node a = addRelu(g, x, "a");
    g.setOutputs(List.of(a.result()));
    a.setArg(0, y);
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(g));
    assertEquals("node %a (aten.relu): argument 'self' uses %y, which is not defined in this graph",
        e.getMessage());
  }

  @Test
  void declaredTypeDisagreesWithInference() {
    Graph g = new Graph("g");
    Value x = g.addInput("x", t);
    Node a = g.addNode(relu, relu.bind(List.of(x), Map.of()), List.of("a"),
        List.of(TensorType.of(DType.F32, 4)), Map.of());
    g.setOutputs(List.of(a.result()));
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(g));
    assertEquals("node %a (aten.relu): declares f32[4] but its arguments give f32[3]", e.getMessage());
  }

  @Test
  void shapeFunctionRejection() {
    Graph g = new Graph("g");
    Value x = g.addInput("x", TensorType.of(DType.I32, 3));
    Node a = g.addNode(relu, relu.bind(List.of(x), Map.of()), List.of("a"), List.of(x.type()), Map.of());
    g.setOutputs(List.of(a.result()));
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(g));
    assertEquals("node %a (aten.relu): aten.relu needs a floating-point tensor, got i32[3]", e.getMessage());
  }

  @Test
  void missingOutputs() {
    Graph g = new Graph("g");
    g.addInput("x", t);
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(g));
    assertEquals("graph g has no outputs", e.getMessage());
  }
}
