package org.qforge.cli;

import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for long work, shown only when a person is watching a terminal. */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  /** A bar for {@code total} steps, or a silent one when stderr is not a terminal or the work is short. */
  static Progress start(String task, long total) {
    boolean terminal = System.console() != null && System.getenv("CI") == null;
    if (!terminal || total < 50) {
      return new Progress(null);
    }
    return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
        .build());
  }

  /** Reports the number of steps done so far. */
  IntConsumer reporter() {
    return done -> {
      if (bar != null) {
        bar.stepTo(done);
      }
    };
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
