package org.qforge.codegen.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The float-sum convolution kernel at the edge of its exactness bound, and {@link
 * Int8VectorKernels#requantizeChannels} against the scalar formula it must repeat, {@code (byte)
 * (int) min(max(rint(real / outScale) + zeroPoint, min), max)}, on sums that make every odd one an exact
 * tie. Loaded by the test JVM's class loader without {@code qforge.vectorChannelRequantize}, so on JDK 17
 * this runs its scalar loop (the vector lanes are tested through compiled jars in IntegerKernelsTest).
 */
class Int8VectorKernelsTest {
  @Test
  void channelRequantizationRoundsTiesToEvenBeforeAddingTheZeroPoint() {
    int n = 601;
    int[] acc = new int[n + 16];
    float[] scales = new float[n + 16];
    float[] bias = new float[n + 16];
    for (int o = 0; o < n; o++) {
      acc[o] = o - 300;
      scales[o] = 1f;
      bias[o] = o % 3 == 0 ? 0.25f : 0f;
    }
    for (boolean withBias : new boolean[] {false, true}) {
      byte[] out = new byte[n];
      // real / s_out = acc · 0.5 (+ 0.25): odd sums are ties; zero point 3 (odd): rint(t) + 3 ≠ rint(t + 3) there.
      Int8VectorKernels.requantizeChannels(acc, scales, bias, out, 0, 0, n, 0, withBias ? 0 : -1, 0.5, 1.0, 3, -128,
          127);
      for (int o = 0; o < n; o++) {
        double real = (double) acc[o] * (0.5 * (double) scales[o]) + (withBias ? (double) bias[o] : 0.0);
        byte want = (byte) (int) Math.min(Math.max(Math.rint(real / 1.0) + 3, -128), 127);
        assertEquals(want, out[o], "sum " + acc[o] + (withBias ? " with bias " + bias[o] : ""));
      }
    }
  }

  @Test
  void channelRequantizationClampsValuesBeyondTheIntRange() {
    // Sums times scales up to ±3.4e38 and ±∞ (a float scale of 1e30 times 2^31): the cast to int
    // saturates on the value's side, so the clamp gives the bound, as the scalar formula does.
    int[] acc = {Integer.MAX_VALUE, Integer.MIN_VALUE, 1, -1, 3, -3, 0, 1 << 20};
    float[] scales = {1e30f, 1e30f, Float.MAX_VALUE, Float.MAX_VALUE, 1e9f, 1e9f, 1e30f, 1e-30f};
    int n = acc.length;
    for (double inScale : new double[] {1.0, 1e300}) {
      byte[] out = new byte[n];
      Int8VectorKernels.requantizeChannels(acc, scales, new float[n], out, 0, 0, n, 0, -1, inScale, 0.5, -3, -100, 90);
      for (int o = 0; o < n; o++) {
        double real = (double) acc[o] * (inScale * (double) scales[o]);
        byte want = (byte) (int) Math.min(Math.max(Math.rint(real / 0.5) + -3, -100), 90);
        assertEquals(want, out[o], "sum " + acc[o] + " scale " + scales[o] + " in scale " + inScale);
      }
    }
  }

  /**
   * Where {@code dotColumns} reads weight (o, k): panels of 128 rows, each input-major, the rows after
   * the last whole panel one narrower panel.
   */
  private static int inColumnPanels(int o, int k, int rows, int depth) {
    int start = o / 128 * 128;
    int width = Math.min(128, rows - start);
    return start * depth + k * width + (o - start);
  }

  @Test
  void columnSumsCoverEveryRowOnlyOnce() {
    // 229 rows: a panel of 128 (vector blocks of eight), one of 101 (blocks of four and one, then a
    // last vector overlapping the one before); 29 inputs; the weight at an offset, the input and the
    // sums at offsets of their own; the ints around the sums stay as they were.
    int rows = 229;
    int depth = 29;
    java.util.Random random = new java.util.Random(44);
    byte[] w = new byte[7 + rows * depth + 3];
    random.nextBytes(w);
    int[] x = new int[5 + depth];
    for (int k = 0; k < depth; k++) {
      x[5 + k] = random.nextInt(256) - (k % 2 == 0 ? 0 : 128);
    }
    int[] acc = new int[11 + rows + 20];
    java.util.Arrays.fill(acc, 12345);
    Int8VectorKernels.dotColumns(w, x, acc, 7, 5, 11, rows, depth);
    for (int o = 0; o < rows; o++) {
      int want = 0;
      for (int k = 0; k < depth; k++) {
        want += w[7 + inColumnPanels(o, k, rows, depth)] * x[5 + k];
      }
      assertEquals(want, acc[11 + o], "row " + o);
    }
    for (int i = 0; i < acc.length; i++) {
      if (i < 11 || i >= 11 + rows) {
        assertEquals(12345, acc[i], "int " + i + " outside the sums");
      }
    }
  }

  /**
   * Row-major weights {@code w[o·taps + t]} in the float {@code convTaps}' order: blocks of eight
   * channels, each tap's eight together, at (o/8)·8·taps + 8t + o%8; the rest row-major after them.
   */
  private static float[] inChannelBlocks(float[] w, int outs, int taps) {
    float[] blocked = new float[w.length];
    int inBlocks = outs / 8 * 8;
    for (int o = 0; o < outs; o++) {
      for (int t = 0; t < taps; t++) {
        blocked[o < inBlocks ? (o / 8) * 8 * taps + 8 * t + o % 8 : o * taps + t] = w[o * taps + t];
      }
    }
    return blocked;
  }

  @Test
  void weightsWidenedIntoChannelBlocksLandWhereConvTapsReadsThem() {
    // 19 channels: two blocks of eight and three rows after them; 21 taps; offsets on both sides.
    int outs = 19;
    int taps = 21;
    byte[] w = new byte[5 + outs * taps];
    float[] rowMajor = new float[outs * taps];
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < outs * taps; i++) {
      w[5 + i] = (byte) (r.nextInt(255) - 127);
      rowMajor[i] = w[5 + i];
    }
    float[] v = new float[3 + outs * taps];
    Int8VectorKernels.widenInChannelBlocks(w, v, 5, 3, outs, taps);
    assertArrayEquals(inChannelBlocks(rowMajor, outs, taps), java.util.Arrays.copyOfRange(v, 3, v.length));
  }

  @Test
  void floatSumsAreExactUpToTwoToTheTwentyFour() {
    // 518 taps of ±127 on inputs of ±255: partial sums up to 518 · 127 · 255 = 16,774,230, just below
    // 2^24, every one an integer a float holds, with odd values that a float above 2^24 would round.
    int taps = 518;
    int outs = 13; // an eight-channel block, a four-channel block and one channel alone
    int len = 48; // one 32-position tile (on 512-bit lanes) and a 16-position rest
    java.util.Random r = new java.util.Random(7);
    float[] w = new float[outs * taps];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextInt(8) == 0 ? r.nextInt(255) - 127 : (i / taps % 2 == 0 ? 127 : -127);
    }
    float[] in = new float[taps + len];
    for (int i = 0; i < in.length; i++) {
      in[i] = r.nextInt(16) == 0 ? r.nextInt(511) - 255 : 255;
    }
    int[] table = new int[taps];
    for (int t = 0; t < taps; t++) {
      table[t] = t;
    }
    float[] acc = new float[outs * len];
    Int8VectorKernels.convTaps(inChannelBlocks(w, outs, taps), in, table, acc, 0, 0, 0, 0, outs, taps, len);
    for (int o = 0; o < outs; o++) {
      for (int p = 0; p < len; p++) {
        long want = 0;
        for (int t = 0; t < taps; t++) {
          want += (long) w[o * taps + t] * (long) in[p + t];
        }
        assertEquals(want, (long) acc[o * len + p], "channel " + o + ", position " + p);
      }
    }
  }

  @Test
  void convTapsSumsEveryPositionOfAnyRowLength() {
    // The kernels take any row length: 13 channels (blocks of eight, four and one) over 45, 48, 64 and
    // 80 positions — on 16-lane vectors three-vector tiles, two-vector tiles, one-vector and scalar rests.
    java.util.Random r = new java.util.Random(11);
    int taps = 37;
    int outs = 13;
    for (int len : new int[] {45, 48, 64, 80}) {
      int[] wi = new int[outs * taps];
      float[] wf = new float[wi.length];
      for (int i = 0; i < wi.length; i++) {
        wi[i] = r.nextInt(255) - 127;
        wf[i] = wi[i];
      }
      int[] table = new int[taps];
      for (int t = 0; t < taps; t++) {
        table[t] = 3 * t;
      }
      // The int kernel reads its table from the input array, after the input.
      int inputs = 3 * taps + len;
      int[] in = new int[inputs + taps];
      float[] inf = new float[inputs];
      for (int i = 0; i < inputs; i++) {
        in[i] = r.nextInt(256) - 128;
        inf[i] = in[i];
      }
      System.arraycopy(table, 0, in, inputs, taps);
      int[] accI = new int[outs * len];
      float[] accF = new float[outs * len];
      Int8VectorKernels.convTaps(wi, in, accI, 0, 0, 0, inputs, outs, taps, len);
      Int8VectorKernels.convTaps(inChannelBlocks(wf, outs, taps), inf, table, accF, 0, 0, 0, 0, outs, taps, len);
      for (int o = 0; o < outs; o++) {
        for (int p = 0; p < len; p++) {
          long want = 0;
          for (int t = 0; t < taps; t++) {
            want += (long) wi[o * taps + t] * in[p + table[t]];
          }
          String where = "length " + len + ", channel " + o + ", position " + p;
          assertEquals(want, accI[o * len + p], "ints: " + where);
          assertEquals(want, (long) accF[o * len + p], "floats: " + where);
        }
      }
    }
  }

  @Test
  void phasesHoldEveryPaddedElementOnceFromAnyInputArray() {
    // Two channels of 5 × 7 padded by 1 row and 1 column to 8 × 10, with the input at the very end of its
    // array: the last rows cannot be read as whole vectors and take the scalar path.
    int c = 2;
    int h = 5;
    int w = 7;
    int rows = 8;
    int width = 10;
    byte[] x = new byte[3 + c * h * w];
    for (int k = 0; k < x.length; k++) {
      x[k] = (byte) (k * 37 - 100);
    }
    int planeStride = rows / 2 * width / 2 + 16;
    float[] p = new float[4 + c * 4 * planeStride];
    Int8VectorKernels.phases(x, p, 3, 4, c, h, w, 1, 1, rows, width, planeStride, -7f);
    for (int ci = 0; ci < c; ci++) {
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < width; j++) {
          int iy = r - 1;
          int ix = j - 1;
          float want = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[3 + (ci * h + iy) * w + ix] : -7f;
          int at = 4 + (ci * 4 + 2 * (r % 2) + j % 2) * planeStride + r / 2 * (width / 2) + j / 2;
          assertEquals(want, p[at], "channel " + ci + ", padded (" + r + ", " + j + ")");
        }
      }
    }
  }

  @Test
  void kernelsCallNoVectorApiMethodThatLaterJdksRemoved() throws Exception {
    // The kernels are compiled against JDK 17's jdk.incubator.vector and run on later JDKs too: JDK 22
    // removed the byte-array and ByteBuffer loads and stores (for MemorySegment ones), and a jar calling
    // them fails there with NoSuchMethodError (step 29's first version did, found on JDK 25).
    Set<String> removed = Set.of("fromByteArray", "intoByteArray", "fromByteBuffer", "intoByteBuffer");
    Set<String> called = new TreeSet<>();
    try (InputStream in = Int8VectorKernels.class.getResourceAsStream("Int8VectorKernels.class")) {
      new ClassReader(in.readAllBytes()).accept(new ClassVisitor(Opcodes.ASM9) {
        @Override
        public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
          return new MethodVisitor(Opcodes.ASM9) {
            @Override
            public void visitMethodInsn(int op, String owner, String method, String d, boolean itf) {
              if (owner.startsWith("jdk/incubator/vector/")) {
                called.add(method);
              }
            }
          };
        }
      }, 0);
    }
    assertTrue(called.contains("fromArray"), "the scan sees the kernels' calls: " + called);
    Set<String> bad = new TreeSet<>(called);
    bad.retainAll(removed);
    assertTrue(bad.isEmpty(), "Vector API methods JDK 22+ removed: " + bad);
  }
}
