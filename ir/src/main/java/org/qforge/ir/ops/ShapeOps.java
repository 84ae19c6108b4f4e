package org.qforge.ir.ops;

import java.util.List;
import org.qforge.ir.OpDef;

/** TODO(helper): filled in by the op-definitions work. */
final class ShapeOps {
  private ShapeOps() {}

  static List<OpDef> definitions() {
    return List.of();
  }
}
