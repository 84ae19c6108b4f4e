package org.qforge.passes.quant;

import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;

/** The check calibration and QAT training share: every row of their data must be finite. */
final class FiniteRows {
  private FiniteRows() {}

  /**
   * @param rows how many rows {@code data} has along axis 0
   * @param unit what a row is called in the message ("sample", "batch")
   * @param purpose whose data it is ("calibration", "training")
   * @throws QforgeException naming the source, the row and the element of the first NaN or infinity
   */
  static void require(Tensor data, int rows, String source, String unit, String purpose) {
    int perRow = data.numel() / rows;
    for (int i = 0; i < data.numel(); i++) {
      double v = data.getDouble(i);
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        throw new QforgeException(source + ": " + unit + " " + (i / perRow) + " contains " + v + " (element "
            + (i % perRow) + "); " + purpose + " data must be finite");
      }
    }
  }
}
