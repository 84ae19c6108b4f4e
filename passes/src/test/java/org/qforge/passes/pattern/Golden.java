package org.qforge.passes.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;
import org.qforge.ir.interp.Interpreter;
import org.qforge.ir.text.IrParser;
import org.qforge.ir.text.IrPrinter;
import org.qforge.ir.verify.Verifier;

/** Helpers for IR-text golden tests: parse graphs and patterns, compare printed graphs, run both. */
final class Golden {
  private Golden() {}

  /** Parses text IR; constants without data are zero-filled (structure-only tests). */
  static Graph graph(String text) {
    return IrParser.parse(text, "golden.qir", IrParser.MissingData.ZERO_FILL);
  }

  static Pattern pattern(String text) {
    return Pattern.of(graph(text));
  }

  /** The rewritten graph verifies and prints exactly as {@code expected} does. */
  static void assertGraph(String expected, Graph actual) {
    Verifier.verify(actual);
    assertEquals(IrPrinter.print(graph(expected)), IrPrinter.print(actual));
  }

  /** Random f32 inputs for {@code g}, reproducible. */
  static List<Tensor> randomInputs(Graph g, long seed) {
    Random r = new Random(seed);
    List<Tensor> in = new ArrayList<>();
    for (Value v : g.inputs()) {
      Tensor t = Tensor.zeros(v.type());
      for (int i = 0; i < t.numel(); i++) {
        t.setDouble(i, r.nextGaussian());
      }
      in.add(t);
    }
    return in;
  }

  /** Both graphs compute bit-identical outputs on the same random inputs. */
  static void assertSameOutputs(Graph expected, Graph actual) {
    List<Tensor> in = randomInputs(expected, 42);
    List<Tensor> a = new Interpreter(expected).run(in);
    List<Tensor> b = new Interpreter(actual).run(in);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertTrue(a.get(i).contentEquals(b.get(i)), "output " + i + ": " + a.get(i) + " vs " + b.get(i));
    }
  }
}
