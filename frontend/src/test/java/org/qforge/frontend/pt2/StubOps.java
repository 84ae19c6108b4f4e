package org.qforge.frontend.pt2;

import java.util.List;
import org.qforge.ir.Kernel;
import org.qforge.ir.Literal;
import org.qforge.ir.OpDef;
import org.qforge.ir.ParamType;
import org.qforge.ir.ShapeFunction;
import org.qforge.ir.ops.OpRegistry;

/**
 * A registry with just the schemas of digits_mlp's ops (flatten, linear, relu), so that tests of
 * node decoding do not depend on the real op kernels. Their shape functions and kernels fail.
 */
final class StubOps {
  private StubOps() {}

  static OpRegistry registry() {
    ShapeFunction noShape = a -> {
      throw new IllegalStateException("stub op");
    };
    Kernel noKernel = ctx -> {
      throw new IllegalStateException("stub op");
    };
    return OpRegistry.create(List.of(List.of(
        OpDef.builder("aten.flatten.using_ints").param("self", ParamType.TENSOR)
            .param("start_dim", ParamType.INT, new Literal.Int(0))
            .param("end_dim", ParamType.INT, new Literal.Int(-1))
            .shape(noShape).kernel(noKernel).build(),
        OpDef.builder("aten.linear").param("input", ParamType.TENSOR).param("weight", ParamType.TENSOR)
            .param("bias", ParamType.OPTIONAL_TENSOR, Literal.NONE)
            .shape(noShape).kernel(noKernel).build(),
        OpDef.builder("aten.relu").param("self", ParamType.TENSOR)
            .shape(noShape).kernel(noKernel).build())));
  }
}
