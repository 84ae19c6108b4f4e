package org.qforge.ir.ops;

import java.util.List;
import org.qforge.ir.Kernel;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;

/**
 * qforge's own marker ops for the calibration machinery. {@code qforge.observe} stands where PT2E's
 * prepare inserts an observer module; the {@code observer} argument is an index the passes resolve.
 */
final class ObservationOps {
  private ObservationOps() {}

  static List<OpDef> definitions() {
    return List.of(observe());
  }

  private static OpDef observe() {
    return OpDef.builder("qforge.observe")
        .param("self", ParamType.TENSOR)
        .param("observer", ParamType.INT)
        .doc("an observation point inserted by prepare; identity here, the calibration run reads the value")
        .shape(ShapeFunction.single(a -> a.type(0)))
        // Observers return their input unchanged: the very same tensor, no copy.
        .kernel(Kernel.single(ctx -> ctx.tensor(0)))
        .build();
  }
}
