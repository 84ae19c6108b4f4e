package org.qforge.codegen.kernels;

import static org.qforge.codegen.loop.Kb.add;
import static org.qforge.codegen.loop.Kb.assign;
import static org.qforge.codegen.loop.Kb.doubleVar;
import static org.qforge.codegen.loop.Kb.i;
import static org.qforge.codegen.loop.Kb.intVar;
import static org.qforge.codegen.loop.Kb.v;

import java.util.ArrayList;
import java.util.List;
import org.qforge.codegen.loop.Local;
import org.qforge.codegen.loop.Stmt;

/**
 * The output channels {@code o .. o + size - 1} an integer conv kernel computes together, so that
 * each input element it loads serves all of them: their requantization multipliers {@code m<b>} and,
 * unless the weights are symmetric, their weight zero points {@code wz<b>}, as locals.
 */
final class OutputChannelBlock {
  final int size;
  final Local[] multipliers;
  final Local[] weightZeroPoints;

  /** A block of 4, 2 or 1 channels, the largest that divides {@code channels}. */
  OutputChannelBlock(int channels, WeightQuantization wq) {
    this.size = sizeFor(channels);
    this.multipliers = new Local[size];
    this.weightZeroPoints = new Local[size];
    for (int b = 0; b < size; b++) {
      multipliers[b] = doubleVar("m" + b);
      weightZeroPoints[b] = wq.hasWeightZeroPoints() ? intVar("wz" + b) : null;
    }
  }

  /** The largest block of 4, 2 or 1 that divides {@code channels}, without the locals. */
  static int sizeFor(int channels) {
    return channels % 4 == 0 ? 4 : channels % 2 == 0 ? 2 : 1;
  }

  /** Loads the locals for the block starting at output channel {@code o}. */
  List<Stmt> load(Local o, WeightQuantization wq) {
    List<Stmt> s = new ArrayList<>();
    for (int b = 0; b < size; b++) {
      s.add(assign(multipliers[b], wq.multiplier(add(v(o), i(b)))));
      if (weightZeroPoints[b] != null) {
        s.add(assign(weightZeroPoints[b], wq.weightZeroPoint(add(v(o), i(b)))));
      }
    }
    return s;
  }
}
