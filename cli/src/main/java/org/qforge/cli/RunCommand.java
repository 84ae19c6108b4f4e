package org.qforge.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Graph;
import org.qforge.ir.Tensor;
import org.qforge.ir.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code qforge run MODEL --input X.npy --output Y.npy}: runs a model with the reference interpreter. */
@Command(name = "run", description = "Run a model on the samples of an .npy file with the reference interpreter.")
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MODEL", description = "A .pt2 archive or a .qir program.")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "X.npy",
      description = "Samples along axis 0, fed in groups of the model's batch size.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "Y.npy",
      description = "Where to write the outputs, concatenated along axis 0.")
  Path output;

  @Override
  public Integer call() {
    Graph g = ModelLoader.load(model);
    Tensor x = Npy.read(input);
    BatchRunner runner = new BatchRunner(g);
    int groups = runner.groups(x, input.toString());
    Tensor y;
    try (Progress p = Progress.start("run", groups)) {
      y = runner.run(x, input.toString(), p.reporter());
    }
    AtomicFiles.write(output, out -> Npy.write(y, out));
    return 0;
  }
}
