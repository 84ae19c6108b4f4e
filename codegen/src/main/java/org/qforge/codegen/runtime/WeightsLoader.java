package org.qforge.codegen.runtime;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads a model's weights resource: per element type, a big-endian int count followed by the
 * values, in the order float, int, byte, long, then the lookup tables as bytes (each section
 * present, possibly empty).
 */
public final class WeightsLoader {
  private final float[] floats;
  private final int[] ints;
  private final byte[] bytes;
  private final long[] longs;
  private final byte[] tables;

  private WeightsLoader(float[] floats, int[] ints, byte[] bytes, long[] longs, byte[] tables) {
    this.floats = floats;
    this.ints = ints;
    this.bytes = bytes;
    this.longs = longs;
    this.tables = tables;
  }

  /** Loads the resource {@code name} next to {@code owner}. */
  public static WeightsLoader load(Class<?> owner, String name) {
    try (InputStream raw = owner.getResourceAsStream(name)) {
      if (raw == null) {
        throw new IllegalStateException("weights resource " + name + " is missing from the jar");
      }
      DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
      float[] f = new float[in.readInt()];
      for (int i = 0; i < f.length; i++) {
        f[i] = in.readFloat();
      }
      int[] n = new int[in.readInt()];
      for (int i = 0; i < n.length; i++) {
        n[i] = in.readInt();
      }
      byte[] b = new byte[in.readInt()];
      in.readFully(b);
      long[] l = new long[in.readInt()];
      for (int i = 0; i < l.length; i++) {
        l[i] = in.readLong();
      }
      byte[] t = new byte[in.readInt()];
      in.readFully(t);
      return new WeightsLoader(f, n, b, l, t);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read weights " + name, e);
    }
  }

  public float[] floats() {
    return floats;
  }

  public int[] ints() {
    return ints;
  }

  public byte[] bytes() {
    return bytes;
  }

  public long[] longs() {
    return longs;
  }

  /** The lookup tables kernels read instead of computing, kept apart from the weights. */
  public byte[] tables() {
    return tables;
  }
}
