package org.qforge.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.qforge.ir.QforgeException;

/** Hand-broken programs are rejected with a message that says where and what. */
class IrParserErrorTest {

  private static String messageOf(String program) {
    return assertThrows(QforgeException.class, () -> IrParser.parse(program, "bad.qir")).getMessage();
  }

  @Test
  void useBeforeDefinitionNamesTheValueAndPosition() {
    assertEquals("bad.qir:2:26: %b is used before it is defined", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2] = aten.relu(%b)
          %b: f32[2] = aten.relu(%x)
          return %a
        }
        """));
  }

  @Test
  void wrongResultTypeNamesTheNode() {
    assertEquals("bad.qir: node %a (aten.relu): declares f32[3] but its arguments give f32[2]", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[3] = aten.relu(%x)
          return %a
        }
        """));
  }

  @Test
  void unknownOp() {
    assertEquals("bad.qir:2:16: unknown op aten.frobnicate", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2] = aten.frobnicate(%x)
          return %a
        }
        """));
  }

  @Test
  void literalWhereTensorExpectedNamesNodeAndParameter() {
    assertEquals("bad.qir:2:3: node %a: aten.relu: argument 'self' must be Tensor, got 3", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2] = aten.relu(3)
          return %a
        }
        """));
  }

  @Test
  void unknownKeyword() {
    assertEquals("bad.qir:2:3: node %a: aten.hardtanh has no parameter 'maximum' (parameters: self, min_val, max_val)",
        messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2] = aten.hardtanh(%x, maximum=2.0)
          return %a
        }
        """));
  }

  @Test
  void duplicateDefinition() {
    assertEquals("bad.qir:3:3: %a is defined twice", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2] = aten.relu(%x)
          %a: f32[2] = aten.relu(%x)
          return %a
        }
        """));
  }

  @Test
  void missingDataIsRejectedUnlessZeroFillIsAsked() {
    String program = """
        graph @g(%x: f32[2]) {
          param %w: f32[2]
          %a: f32[2] = aten.relu(%w)
          return %a
        }
        """;
    assertEquals("bad.qir: constant %w has no data line", messageOf(program));
    IrParser.parse(program, "ok.qir", IrParser.MissingData.ZERO_FILL);
  }

  @Test
  void dataOfWrongSize() {
    assertEquals("bad.qir:6:11: data for %w has 3 values, f32[2] needs 2", messageOf("""
        graph @g(%x: f32[2]) {
          param %w: f32[2]
          %a: f32[2] = aten.relu(%w)
          return %a
        }
        data %w = dense [1.0, 2.0, 3.0]
        """));
  }

  @Test
  void syntaxErrors() {
    assertEquals("bad.qir:1:7: expected the graph's name like @model, found 'g'", messageOf("graph g() {}"));
    assertEquals("bad.qir:2:19: expected a tensor type like f32[1,3], found 'f33'", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2], %b: f33[1] = aten.relu(%x)
        """));
    assertEquals("bad.qir:2:35: unterminated string (strings end on their line; write \\n for a newline)", messageOf("""
        graph @g(%x: f32[2]) {
          %a: f32[2] = aten.relu(%x) {k = "oops
        """));
  }
}
