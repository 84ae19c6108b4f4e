package org.qforge.ir;

import java.util.List;

/** What an interpreter kernel sees: the call's arguments with their runtime tensors. */
public interface KernelContext extends OpArgs {

  /** The tensor passed as argument {@code i}. */
  Tensor tensor(int i);

  /** The tensor passed as argument {@code i}, or null if it is {@code none}. */
  Tensor optTensor(int i);

  /** The tensors of the tensor-list argument {@code i}. */
  List<Tensor> tensors(int i);

  /** The declared types of the node's results, which the kernel's outputs must have. */
  List<TensorType> resultTypes();

  /** The declared type of the single result. */
  default TensorType resultType() {
    return resultTypes().get(0);
  }
}
