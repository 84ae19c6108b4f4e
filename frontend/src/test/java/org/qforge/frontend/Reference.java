package org.qforge.frontend;

import java.nio.file.Path;
import java.util.List;

/** Paths of the shared reference models; tests run with the repository root as working directory. */
public final class Reference {
  /** The five eval-mode reference models. */
  public static final List<String> MODELS =
      List.of("digits_mlp", "digits_rescnn", "digits_dwnet", "resnet20_cifar", "mlp_784_1024");

  private Reference() {}

  /** {@code ../shared/reference/<model>}. */
  public static Path dir(String model) {
    return Path.of("..", "shared", "reference", model);
  }

  /** The eval-mode archive of {@code model}. */
  public static Path archive(String model) {
    return dir(model).resolve("model.pt2");
  }

  /** The train-mode, batch-8 archive of digits_rescnn. */
  public static Path trainArchive() {
    return dir("digits_rescnn").resolve("model_train_b8.pt2");
  }
}
