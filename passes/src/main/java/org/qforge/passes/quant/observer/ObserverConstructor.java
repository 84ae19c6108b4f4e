package org.qforge.passes.quant.observer;

/**
 * PyTorch's {@code observer_or_fake_quant_ctr}, i.e. an observer class with some arguments bound
 * ({@code HistogramObserver.with_args(eps=2**-12)}); the rest come from the spec at creation.
 */
public interface ObserverConstructor {

  /** Builds a fresh observer with the spec's settings. */
  Observer create(ObserverSettings settings);

  /** The PyTorch class name, e.g. {@code PerChannelMinMaxObserver}. */
  String kind();
}
