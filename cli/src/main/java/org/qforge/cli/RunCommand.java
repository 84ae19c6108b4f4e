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

  @Parameters(index = "0", paramLabel = "MODEL", description = "A .pt2 archive, a .qir program or a compiled .jar.")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "X.npy",
      description = "Samples along axis 0, fed in groups of the model's batch size.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "Y.npy",
      description = "Where to write the outputs, concatenated along axis 0.")
  Path output;

  @Override
  public Integer call() {
    if (model.getFileName().toString().endsWith(".jar")) {
      return runJar();
    }
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

  /** Runs a compiled jar in its own class loader, in groups of its batch size. */
  private int runJar() {
    if (!java.nio.file.Files.isRegularFile(model)) {
      throw new org.qforge.ir.QforgeException(model + ": no such file");
    }
    Tensor x = Npy.read(input);
    try (JarModel m = JarModel.open(model)) {
      int[] in = m.inputShape();
      int[] outShape = m.outputShape();
      int sample = 1;
      for (int i = 1; i < in.length; i++) {
        sample *= in[i];
      }
      int rows = x.type().rank() == 0 ? 0 : x.type().dim(0);
      if (x.dtype() != org.qforge.ir.DType.F32 || x.type().rank() != in.length || rows == 0
          || x.numel() / rows != sample) {
        throw new org.qforge.ir.QforgeException(input + ": samples of " + x.type() + " do not fit the model's input "
            + java.util.Arrays.toString(in) + " (f32)");
      }
      if (rows % in[0] != 0) {
        throw new org.qforge.ir.QforgeException(input + ": " + rows + " samples is not a multiple of the model's "
            + "batch size " + in[0]);
      }
      int outSample = 1;
      for (int i = 1; i < outShape.length; i++) {
        outSample *= outShape[i];
      }
      float[] xs = x.floats();
      float[] ys = new float[rows / in[0] * outShape[0] * outSample];
      float[] inBuf = new float[in[0] * sample];
      float[] outBuf = new float[outShape[0] * outSample];
      for (int g = 0; g < rows / in[0]; g++) {
        System.arraycopy(xs, g * inBuf.length, inBuf, 0, inBuf.length);
        m.run(inBuf, outBuf);
        System.arraycopy(outBuf, 0, ys, g * outBuf.length, outBuf.length);
      }
      int[] yShape = outShape.clone();
      yShape[0] = rows / in[0] * outShape[0];
      Tensor y = Tensor.ofFloats(ys, yShape);
      AtomicFiles.write(output, out -> Npy.write(y, out));
    }
    return 0;
  }
}
