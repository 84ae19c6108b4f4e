package org.qforge.bench.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.qforge.frontend.npy.Npy;
import org.qforge.ir.Tensor;

/**
 * What a script calling ONNX Runtime Java for one sample pays: {@code OrtOnce MODEL.onnx X.npy}
 * creates the environment and a session (one thread, all optimizations, as {@link Engines} does),
 * runs X once and prints {@code session_ms=... run_ms=...}. {@link ColdStart} times the whole process.
 */
public final class OrtOnce {
  private OrtOnce() {}

  public static void main(String[] args) throws Exception {
    Tensor x = Npy.read(Path.of(args[1]));
    long t0 = System.nanoTime();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(1);
      opts.setInterOpNumThreads(1);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      try (OrtSession session = env.createSession(args[0], opts)) {
        long t1 = System.nanoTime();
        long[] shape = new long[x.type().rank()];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = x.type().dim(d);
        }
        float[] out;
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floats()), shape);
            OrtSession.Result r = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
          FloatBuffer y = ((OnnxTensor) r.get(0)).getFloatBuffer();
          out = new float[y.remaining()];
          y.get(out);
        }
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "session_ms=%.1f run_ms=%.2f y0=%g%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6, out[0]);
      }
    }
  }
}
