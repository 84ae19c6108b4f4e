package org.qforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.text.IrParser;
import org.qforge.ir.text.IrPrinter;

/** Every reference model prints, parses back and prints identically, data included. */
class ReferenceModelsTextRoundTripTest {

  static Stream<Path> models() {
    Path ref = Path.of("../shared/reference");
    return Stream.concat(
        Stream.of("digits_mlp", "digits_rescnn", "digits_dwnet", "resnet20_cifar", "mlp_784_1024")
            .map(m -> ref.resolve(m).resolve("model.pt2")),
        Stream.of(ref.resolve("digits_rescnn/model_train_b8.pt2")));
  }

  @ParameterizedTest
  @MethodSource("models")
  void printParsePrint(Path model) {
    Graph g = Pt2Importer.importFile(model);
    String text = IrPrinter.printWithData(g);
    Graph back = IrParser.parse(text, model + ".qir");
    assertEquals(text, IrPrinter.printWithData(back));
    assertEquals(g.nodes().size(), back.nodes().size());
    for (Constant c : g.constants().values()) {
      assertTrue(c.tensor().contentEquals(back.constant(c.name()).tensor()), c.name());
      assertEquals(c.kind(), back.constant(c.name()).kind());
      assertEquals(c.fqn(), back.constant(c.name()).fqn());
    }
    assertEquals(List.copyOf(g.nodes().stream().map(n -> n.metadata()).toList()),
        back.nodes().stream().map(n -> n.metadata()).toList());
  }
}
