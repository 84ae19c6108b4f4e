package org.qforge.frontend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.DType;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;
import org.qforge.ir.interp.Interpreter;

/** Feeding an imported graph an input of the wrong shape or dtype names the input and both types. */
class Pt2InputShapeTest {

  @Test
  void wrongShapeNamesInputAndBothShapes() {
    Graph g = Pt2Importer.importFile(Reference.archive("digits_mlp"));
    QforgeException e = assertThrows(QforgeException.class,
        () -> new Interpreter(g).run(List.of(Tensor.ofFloats(new float[64], 1, 64))));
    String m = e.getMessage();
    System.out.println(m);
    assertTrue(m.contains("x") && m.contains("f32[1,1,8,8]") && m.contains("f32[1,64]"), m);
  }

  @Test
  void wrongDTypeNamesInputAndBothTypes() {
    Graph g = Pt2Importer.importFile(Reference.archive("digits_mlp"));
    QforgeException e = assertThrows(QforgeException.class,
        () -> new Interpreter(g).run(List.of(Tensor.zeros(TensorType.of(DType.F64, 1, 1, 8, 8)))));
    String m = e.getMessage();
    assertTrue(m.contains("x") && m.contains("f32[1,1,8,8]") && m.contains("f64[1,1,8,8]"), m);
  }
}
