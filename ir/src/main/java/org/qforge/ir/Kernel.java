package org.qforge.ir;

import java.util.List;

/** The reference implementation of an op, run by the interpreter. */
@FunctionalInterface
public interface Kernel {

  /** Computes the node's results. Must not modify its inputs unless the op declares it mutates them. */
  List<Tensor> run(KernelContext ctx);

  /** A kernel with one result. */
  static Kernel single(java.util.function.Function<KernelContext, Tensor> f) {
    return ctx -> List.of(f.apply(ctx));
  }
}
