package org.qforge.codegen.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar model.jar X.npy Y.npy}: reads float32 samples along axis 0, runs them in groups
 * of the model's batch size, and writes the outputs (also float32, C order). Errors print one line
 * and exit with status 1; nothing is written unless the run succeeds.
 */
public final class NpyMain {
  private NpyMain() {}

  /** The entry point a compiled model's {@code main} delegates to. */
  public static void run(String[] args, CompiledModel model) {
    if (args.length != 2) {
      System.err.println("usage: java -jar model.jar INPUT.npy OUTPUT.npy");
      System.exit(2);
    }
    try {
      Path in = Path.of(args[0]);
      Path out = Path.of(args[1]);
      float[][] x = new float[1][];
      int[] shape = read(in, x);
      int[] inShape = model.inputShape();
      int[] outShape = model.outputShape();
      int batch = inShape[0];
      int sample = 1;
      for (int i = 1; i < inShape.length; i++) {
        sample *= inShape[i];
      }
      int rows = shape.length == 0 ? 0 : shape[0];
      int given = rows == 0 ? 0 : x[0].length / rows;
      if (shape.length != inShape.length || given != sample) {
        fail(in + ": samples of shape " + describe(shape, 1) + " do not fit the model's input "
            + describe(inShape, 0));
      }
      if (rows % batch != 0) {
        fail(in + ": " + rows + " samples is not a multiple of the model's batch size " + batch);
      }
      int outSample = 1;
      for (int i = 1; i < outShape.length; i++) {
        outSample *= outShape[i];
      }
      float[] y = new float[rows * outSample];
      float[] inBuf = new float[batch * sample];
      float[] outBuf = new float[batch * outSample];
      for (int g = 0; g < rows / batch; g++) {
        System.arraycopy(x[0], g * batch * sample, inBuf, 0, inBuf.length);
        model.run(inBuf, outBuf);
        System.arraycopy(outBuf, 0, y, g * batch * outSample, outBuf.length);
      }
      int[] yShape = outShape.clone();
      yShape[0] = rows / batch * outShape[0];
      write(out, y, yShape);
    } catch (IOException e) {
      fail(e.getMessage());
    }
  }

  private static String describe(int[] shape, int from) {
    List<String> d = new ArrayList<>();
    for (int i = from; i < shape.length; i++) {
      d.add(Integer.toString(shape[i]));
    }
    return "[" + String.join(", ", d) + "]";
  }

  private static void fail(String message) {
    System.err.println("error: " + message);
    System.exit(1);
  }

  /** Reads a little-endian float32 C-order .npy; returns its shape and puts the data in {@code data[0]}. */
  static int[] read(Path file, float[][] data) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all.length < 10 || all[0] != (byte) 0x93 || all[1] != 'N' || all[2] != 'U' || all[3] != 'M') {
      throw new IOException(file + ": not an .npy file");
    }
    int major = all[6];
    int headerLen = major == 1 ? (b.getShort(8) & 0xffff) : b.getInt(8);
    int start = major == 1 ? 10 : 12;
    if (start + headerLen > all.length) {
      throw new IOException(file + ": truncated header");
    }
    String header = new String(all, start, headerLen, StandardCharsets.ISO_8859_1);
    if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
      throw new IOException(file + ": expected float32 ('<f4') data in C order, header " + header.trim());
    }
    String dims = header.substring(header.indexOf("'shape':") + 8);
    dims = dims.substring(dims.indexOf('(') + 1, dims.indexOf(')'));
    List<Integer> shape = new ArrayList<>();
    long count = 1;
    for (String d : dims.split(",")) {
      if (!d.isBlank()) {
        int v = Integer.parseInt(d.trim());
        shape.add(v);
        count *= v;
      }
    }
    int offset = start + headerLen;
    if ((long) all.length - offset != count * 4) {
      throw new IOException(file + ": expected " + count * 4 + " bytes of data, found " + (all.length - offset));
    }
    float[] f = new float[(int) count];
    b.position(offset);
    b.asFloatBuffer().get(f);
    data[0] = f;
    return shape.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Writes a float32 .npy (format 1.0) atomically. */
  static void write(Path file, float[] data, int[] shape) throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
        : "(" + (dims.length() == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
    StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }");
    while ((10 + header.length() + 1) % 64 != 0) {
      header.append(' ');
    }
    header.append('\n');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(header.length() & 0xff);
    out.write(header.length() >> 8);
    out.write(header.toString().getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    out.write(b.array());
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.write(tmp, out.toByteArray());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
