package org.qforge.ir.ops;

import java.util.List;
import org.qforge.ir.OpDef;

/** TODO(helper): filled in by the op-definitions work. */
final class NormalizationOps {
  private NormalizationOps() {}

  static List<OpDef> definitions() {
    return List.of();
  }
}
