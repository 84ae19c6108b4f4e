package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qforge.ir.ops.OpHarness.assertValues;
import static org.qforge.ir.ops.OpHarness.f32;
import static org.qforge.ir.ops.OpHarness.f32Type;
import static org.qforge.ir.ops.OpHarness.infer;
import static org.qforge.ir.ops.OpHarness.inferError;
import static org.qforge.ir.ops.OpHarness.iota;
import static org.qforge.ir.ops.OpHarness.run;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.DType;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

class ShapeOpsTest {

  @Test
  void flattenMergesDims() {
    Tensor x = iota(2, 3, 4);
    Tensor y = run("aten.flatten.using_ints", x, 1).out();
    assertEquals(f32Type(2, 12), y.type());
    assertValues(run("aten.flatten.using_ints", x).out(), java.util.stream.IntStream.range(0, 24).asDoubleStream()
        .toArray());
    assertEquals(f32Type(6, 4), infer("aten.flatten.using_ints", f32Type(2, 3, 4), 0, -2).get(0));
    assertEquals(f32Type(1), infer("aten.flatten.using_ints", TensorType.of(DType.F32)).get(0));
    inferError("aten.flatten.using_ints", new Object[] {f32Type(2, 3, 4), 2, 1}, "cannot come after");
  }

  @Test
  void viewAndReshapeInferMinusOne() {
    Tensor x = iota(2, 3, 4);
    Tensor y = run("aten.view", x, new int[] {4, -1}).out();
    assertEquals(f32Type(4, 6), y.type());
    assertEquals(f32Type(3, 8), infer("aten.reshape", f32Type(24), new int[] {-1, 8}).get(0));
    inferError("aten.view", new Object[] {f32Type(2, 6), new int[] {-1, -1}}, "only one dimension can be inferred");
    inferError("aten.reshape", new Object[] {f32Type(2, 6), new int[] {5, -1}}, "aten.reshape", "[5, -1]",
        "invalid for input of size 12");
    inferError("aten.view", new Object[] {f32Type(2, 6), new int[] {5, 2}}, "invalid for input of size 12");
  }

  @Test
  void permuteReordersElements() {
    Tensor x = iota(2, 3, 4);
    Tensor y = run("aten.permute", x, new int[] {2, 0, 1}).out();
    assertEquals(f32Type(4, 2, 3), y.type());
    for (int k = 0; k < 4; k++) {
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 3; j++) {
          assertEquals(x.floats()[(i * 3 + j) * 4 + k], y.floats()[(k * 2 + i) * 3 + j]);
        }
      }
    }
    inferError("aten.permute", new Object[] {f32Type(2, 3), new int[] {0, 0}}, "repeated dim");
    inferError("aten.permute", new Object[] {f32Type(2, 3), new int[] {0}}, "number of dims");
  }

  @Test
  void transposeSwapsDims() {
    Tensor x = f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor y = run("aten.transpose.int", x, 0, -1).out();
    assertEquals(f32Type(3, 2), y.type());
    assertValues(y, 1, 4, 2, 5, 3, 6);
    Tensor z = run("aten.transpose.int", iota(2, 1, 3), 2, 0).out();
    assertEquals(f32Type(3, 1, 2), z.type());
    assertValues(z, 0, 3, 1, 4, 2, 5);
  }

  @Test
  void catAlongDimOne() {
    Tensor a = f32(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = f32(new float[] {5, 6}, 2, 1);
    Tensor y = run("aten.cat", List.of(a, b), 1).out();
    assertEquals(f32Type(2, 3), y.type());
    assertValues(y, 1, 2, 5, 3, 4, 6);
    Tensor z = run("aten.cat", List.of(a, f32(new float[] {7, 8}, 1, 2)), -2).out();
    assertValues(z, 1, 2, 3, 4, 7, 8);
  }

  @Test
  void catPromotesAndSkipsLegacyEmpty() {
    Tensor a = Tensor.ofInts(new int[] {1, 2}, 2);
    Tensor b = f32(new float[] {0.5f}, 1);
    Tensor empty = f32(new float[0], 0);
    Tensor y = run("aten.cat", List.of(a, empty, b)).out();
    assertEquals(f32Type(3), y.type());
    assertValues(y, 1, 2, 0.5);
    assertEquals(f32Type(2, 5), infer("aten.cat", new TensorType[] {f32Type(2, 2), f32Type(0), f32Type(2, 3)}, 1)
        .get(0));
    inferError("aten.cat", new Object[] {new TensorType[] {f32Type(2, 2), f32Type(3, 3)}, 1},
        "sizes of tensors must match except in dimension 1", "dimension 0");
    inferError("aten.cat", new Object[] {new TensorType[] {}}, "non-empty");
  }

  @Test
  void squeezeVariants() {
    TensorType t = f32Type(1, 3, 1, 2);
    assertEquals(f32Type(3, 1, 2), infer("aten.squeeze.dim", t, 0).get(0));
    assertEquals(t, infer("aten.squeeze.dim", t, 1).get(0)); // size 3: unchanged
    assertEquals(f32Type(3, 2), infer("aten.squeeze.dims", t, new int[] {0, -2}).get(0));
    assertEquals(f32Type(3, 2), infer("aten.squeeze", t).get(0));
    Tensor y = run("aten.squeeze", iota(1, 3, 1)).out();
    assertEquals(f32Type(3), y.type());
    assertValues(y, 0, 1, 2);
    inferError("aten.squeeze.dim", new Object[] {t, 4}, "out of range");
  }

  @Test
  void unsqueezeInsertsDim() {
    assertEquals(f32Type(2, 3, 1), infer("aten.unsqueeze", f32Type(2, 3), -1).get(0));
    assertEquals(f32Type(1, 2, 3), infer("aten.unsqueeze", f32Type(2, 3), 0).get(0));
    assertEquals(f32Type(2, 1, 3), infer("aten.unsqueeze", f32Type(2, 3), 1).get(0));
    assertEquals(f32Type(1), infer("aten.unsqueeze", TensorType.of(DType.F32), 0).get(0));
    inferError("aten.unsqueeze", new Object[] {f32Type(2, 3), 3}, "out of range", "[-3, 2]");
  }

  @Test
  void sliceClampsBounds() {
    Tensor x = iota(5);
    assertValues(run("aten.slice.Tensor", x, 0, -10, 100).out(), 0, 1, 2, 3, 4);
    assertValues(run("aten.slice.Tensor", x, 0, 1, null, 2).out(), 1, 3);
    assertValues(run("aten.slice.Tensor", x, 0, -2).out(), 3, 4);
    assertValues(run("aten.slice.Tensor", x, 0, 0, Long.MAX_VALUE, 3).out(), 0, 3);
    assertEquals(f32Type(0), run("aten.slice.Tensor", x, 0, 3, 1).out().type());
    assertEquals(f32Type(0), run("aten.slice.Tensor", x, 0, 7, 9).out().type());
    Tensor m = iota(3, 4);
    Tensor cols = run("aten.slice.Tensor", List.of(m), Map.of("dim", 1, "start", 1, "end", -1)).out();
    assertEquals(f32Type(3, 2), cols.type());
    assertValues(cols, 1, 2, 5, 6, 9, 10);
    inferError("aten.slice.Tensor", new Object[] {f32Type(5), 0, 0, 5, 0}, "step must be positive");
  }

  @Test
  void selectDropsDim() {
    Tensor m = iota(3, 4);
    Tensor row = run("aten.select.int", m, 0, -1).out();
    assertEquals(f32Type(4), row.type());
    assertValues(row, 8, 9, 10, 11);
    Tensor col = run("aten.select.int", m, 1, 2).out();
    assertValues(col, 2, 6, 10);
    inferError("aten.select.int", new Object[] {f32Type(3, 4), 0, 3}, "index 3 out of range", "dimension 0");
  }

  @Test
  void dropoutIsIdentityInEvalAndRefusesTraining() {
    Tensor x = f32(new float[] {1, 2, 3}, 3);
    assertValues(run("aten.dropout", x, 0.5, false).out(), 1, 2, 3);
    QforgeException e = assertThrows(QforgeException.class, () -> run("aten.dropout", x, 0.5, true));
    assertTrue(e.getMessage().contains("dropout in training mode is not supported"), e.getMessage());
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    inferError("aten.dropout", new Object[] {f32Type(3), 1.5, false}, "between 0 and 1");
  }

  @Test
  void expandRepeatsSizeOneDims() {
    Tensor x = f32(new float[] {1, 2, 3}, 3, 1);
    Tensor y = run("aten.expand", x, new int[] {2, -1, 2}).out();
    assertEquals(f32Type(2, 3, 2), y.type());
    assertValues(y, 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3);
    inferError("aten.expand", new Object[] {f32Type(3, 1), new int[] {4, 2}}, "must match the existing size (3)");
    inferError("aten.expand", new Object[] {f32Type(3, 1), new int[] {2}}, "number of sizes provided");
  }

  @Test
  void cloneCopies() {
    Tensor x = f32(new float[] {1, 2}, 2);
    Tensor y = run("aten.clone", x).out();
    assertEquals(x, y);
    assertNotSame(x.floats(), y.floats());
  }
}
