package org.qforge.passes.quant.observer;

import org.qforge.ir.Tensor;

/**
 * A calibration observer (PyTorch's {@code ObserverBase} subclasses): it watches the tensors that
 * flow past it and then proposes quantization parameters. Observers are identities on the data;
 * one instance may watch several values (a sharing group), in execution order.
 */
public interface Observer {

  /** PyTorch's {@code forward}: records statistics of {@code x}; empty tensors are ignored. */
  void observe(Tensor x);

  /** PyTorch's {@code calculate_qparams}. */
  QParams calculateQParams();

  /** The settings this observer was built with. */
  ObserverSettings settings();

  /** The PyTorch class name, e.g. {@code HistogramObserver}, for reports. */
  String kind();
}
