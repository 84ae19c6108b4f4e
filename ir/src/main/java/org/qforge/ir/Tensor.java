package org.qforge.ir;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major tensor: a {@link TensorType} and a primitive array holding its elements.
 *
 * <p>Storage per dtype: f32 {@code float[]}, f64 {@code double[]}, f16/bf16/i16 {@code short[]}
 * (raw bits for the half types), i8/u8/bool {@code byte[]} (u8 read unsigned), i32 {@code int[]},
 * i64 {@code long[]}. The array is shared, not copied, by the typed accessors so that kernels run
 * on it directly; a tensor is mutable only through {@code set*} and those arrays, and the IR treats
 * constants as immutable (the interpreter copies buffers it is allowed to mutate).
 */
public final class Tensor {
  private final TensorType type;
  private final Object data;

  private Tensor(TensorType type, Object data) {
    this.type = type;
    this.data = data;
  }

  /** A zero-filled tensor of the given type. */
  public static Tensor zeros(TensorType type) {
    int n = type.numelInt();
    Object data =
        switch (type.dtype()) {
          case F32 -> new float[n];
          case F64 -> new double[n];
          case F16, BF16, I16 -> new short[n];
          case I8, U8, BOOL -> new byte[n];
          case I32 -> new int[n];
          case I64 -> new long[n];
        };
    return new Tensor(type, data);
  }

  /** Wraps (does not copy) a float array as an f32 tensor of the given shape. */
  public static Tensor ofFloats(float[] values, int... shape) {
    TensorType t = TensorType.of(DType.F32, shape);
    checkArgument(values.length == t.numel(), "%s values do not fill %s", values.length, t);
    return new Tensor(t, values);
  }

  /** Wraps (does not copy) a long array as an i64 tensor of the given shape. */
  public static Tensor ofLongs(long[] values, int... shape) {
    TensorType t = TensorType.of(DType.I64, shape);
    checkArgument(values.length == t.numel(), "%s values do not fill %s", values.length, t);
    return new Tensor(t, values);
  }

  /** Wraps (does not copy) an int array as an i32 tensor of the given shape. */
  public static Tensor ofInts(int[] values, int... shape) {
    TensorType t = TensorType.of(DType.I32, shape);
    checkArgument(values.length == t.numel(), "%s values do not fill %s", values.length, t);
    return new Tensor(t, values);
  }

  /** Wraps (does not copy) a byte array as a tensor of a one-byte dtype (i8, u8, bool). */
  public static Tensor ofBytes(DType dtype, byte[] values, int... shape) {
    checkArgument(dtype.byteSize() == 1, "%s is not a one-byte dtype", dtype);
    TensorType t = TensorType.of(dtype, shape);
    checkArgument(values.length == t.numel(), "%s values do not fill %s", values.length, t);
    return new Tensor(t, values);
  }

  /** A scalar (rank-0) tensor holding {@code v} converted to {@code dtype}. */
  public static Tensor scalar(DType dtype, double v) {
    Tensor t = zeros(new TensorType(dtype, java.util.List.of()));
    t.setDouble(0, v);
    return t;
  }

  /**
   * Reads a tensor from little-endian bytes in row-major order, the layout of {@code .pt2} weights,
   * {@code .npy} files and the IR's data section.
   */
  public static Tensor fromLittleEndian(TensorType type, ByteBuffer bytes) {
    long need = type.byteSize();
    checkArgument(
        bytes.remaining() == need,
        "%s needs %s bytes but %s were given", type, need, bytes.remaining());
    ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    Tensor t = zeros(type);
    switch (type.dtype()) {
      case F32 -> b.asFloatBuffer().get((float[]) t.data);
      case F64 -> b.asDoubleBuffer().get((double[]) t.data);
      case F16, BF16, I16 -> b.asShortBuffer().get((short[]) t.data);
      case I8, U8, BOOL -> b.get((byte[]) t.data);
      case I32 -> b.asIntBuffer().get((int[]) t.data);
      case I64 -> b.asLongBuffer().get((long[]) t.data);
    }
    return t;
  }

  /** The elements as little-endian bytes in row-major order. */
  public byte[] toLittleEndian() {
    byte[] out = new byte[Math.toIntExact(type.byteSize())];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    switch (type.dtype()) {
      case F32 -> b.asFloatBuffer().put((float[]) data);
      case F64 -> b.asDoubleBuffer().put((double[]) data);
      case F16, BF16, I16 -> b.asShortBuffer().put((short[]) data);
      case I8, U8, BOOL -> b.put((byte[]) data);
      case I32 -> b.asIntBuffer().put((int[]) data);
      case I64 -> b.asLongBuffer().put((long[]) data);
    }
    return out;
  }

  public TensorType type() {
    return type;
  }

  public DType dtype() {
    return type.dtype();
  }

  public int[] dims() {
    return type.dims();
  }

  public int numel() {
    return type.numelInt();
  }

  /** The backing array of an f32 tensor. */
  public float[] floats() {
    checkState(type.dtype() == DType.F32, "expected an f32 tensor, got %s", type);
    return (float[]) data;
  }

  /** The backing array of an f64 tensor. */
  public double[] doubles() {
    checkState(type.dtype() == DType.F64, "expected an f64 tensor, got %s", type);
    return (double[]) data;
  }

  /** The backing array of an i8, u8 or bool tensor. */
  public byte[] bytes() {
    checkState(type.dtype().byteSize() == 1, "expected a one-byte tensor, got %s", type);
    return (byte[]) data;
  }

  /** The backing array of an i32 tensor. */
  public int[] ints() {
    checkState(type.dtype() == DType.I32, "expected an i32 tensor, got %s", type);
    return (int[]) data;
  }

  /** The backing array of an i64 tensor. */
  public long[] longs() {
    checkState(type.dtype() == DType.I64, "expected an i64 tensor, got %s", type);
    return (long[]) data;
  }

  /** Element {@code i} (row-major flat index) as a double; half types are widened exactly. */
  public double getDouble(int i) {
    return switch (type.dtype()) {
      case F32 -> ((float[]) data)[i];
      case F64 -> ((double[]) data)[i];
      case F16 -> HalfFloats.halfToFloat(((short[]) data)[i]);
      case BF16 -> HalfFloats.bfloat16ToFloat(((short[]) data)[i]);
      case I16 -> ((short[]) data)[i];
      case I8 -> ((byte[]) data)[i];
      case U8, BOOL -> ((byte[]) data)[i] & 0xff;
      case I32 -> ((int[]) data)[i];
      case I64 -> ((long[]) data)[i];
    };
  }

  /** Element {@code i} as a long; floating-point values are truncated toward zero. */
  public long getLong(int i) {
    return switch (type.dtype()) {
      case I16 -> ((short[]) data)[i];
      case I8 -> ((byte[]) data)[i];
      case U8, BOOL -> ((byte[]) data)[i] & 0xff;
      case I32 -> ((int[]) data)[i];
      case I64 -> ((long[]) data)[i];
      default -> (long) getDouble(i);
    };
  }

  /**
   * Stores {@code v} at flat index {@code i}, converted as PyTorch's {@code to(dtype)} does: to
   * float types by rounding to nearest, to integer types by truncation toward zero and wrapping,
   * to bool by {@code v != 0}.
   */
  public void setDouble(int i, double v) {
    switch (type.dtype()) {
      case F32 -> ((float[]) data)[i] = (float) v;
      case F64 -> ((double[]) data)[i] = v;
      case F16 -> ((short[]) data)[i] = HalfFloats.floatToHalf((float) v);
      case BF16 -> ((short[]) data)[i] = HalfFloats.floatToBfloat16((float) v);
      case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
      default -> setLong(i, (long) v);
    }
  }

  /** Stores the integer {@code v} at flat index {@code i}, wrapping to the dtype's width. */
  public void setLong(int i, long v) {
    switch (type.dtype()) {
      case I16 -> ((short[]) data)[i] = (short) v;
      case I8, U8 -> ((byte[]) data)[i] = (byte) v;
      case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
      case I32 -> ((int[]) data)[i] = (int) v;
      case I64 -> ((long[]) data)[i] = v;
      default -> setDouble(i, v);
    }
  }

  /** A deep copy. */
  public Tensor copy() {
    Object d =
        switch (type.dtype()) {
          case F32 -> ((float[]) data).clone();
          case F64 -> ((double[]) data).clone();
          case F16, BF16, I16 -> ((short[]) data).clone();
          case I8, U8, BOOL -> ((byte[]) data).clone();
          case I32 -> ((int[]) data).clone();
          case I64 -> ((long[]) data).clone();
        };
    return new Tensor(type, d);
  }

  /** The same elements viewed with another shape of equal element count (data is shared). */
  public Tensor reshape(int... shape) {
    TensorType t = TensorType.of(type.dtype(), shape);
    checkArgument(t.numel() == type.numel(), "cannot reshape %s to %s", type, t);
    return new Tensor(t, data);
  }

  /** Rows {@code [start, start + count)} along dimension 0, copied into a new tensor. */
  public Tensor sliceRows(int start, int count) {
    checkArgument(type.rank() >= 1, "cannot slice rows of a scalar");
    int rows = type.dim(0);
    checkArgument(start >= 0 && count >= 0 && start + count <= rows,
        "rows [%s, %s) out of range for %s", start, start + count, type);
    java.util.List<Integer> shape = new java.util.ArrayList<>(type.shape());
    shape.set(0, count);
    Tensor out = zeros(type.withShape(shape));
    int rowSize = rows == 0 ? 0 : numel() / rows;
    System.arraycopy(data, start * rowSize, out.data, 0, count * rowSize);
    return out;
  }

  /** Concatenates tensors of equal dtype and trailing dimensions along dimension 0. */
  public static Tensor concatRows(java.util.List<Tensor> parts) {
    checkArgument(!parts.isEmpty(), "nothing to concatenate");
    TensorType first = parts.get(0).type;
    int rows = 0;
    for (Tensor p : parts) {
      checkArgument(p.type.rank() >= 1 && p.dtype() == first.dtype()
          && p.type.shape().subList(1, p.type.rank()).equals(first.shape().subList(1, first.rank())),
          "cannot concatenate %s with %s along dimension 0", first, p.type);
      rows += p.type.dim(0);
    }
    java.util.List<Integer> shape = new java.util.ArrayList<>(first.shape());
    shape.set(0, rows);
    Tensor out = zeros(first.withShape(shape));
    int offset = 0;
    for (Tensor p : parts) {
      System.arraycopy(p.data, 0, out.data, offset, p.numel());
      offset += p.numel();
    }
    return out;
  }

  /** Copies all elements of {@code src} (same type) into this tensor. */
  public void copyFrom(Tensor src) {
    checkArgument(src.type.equals(type), "cannot copy %s into %s", src.type, type);
    System.arraycopy(src.data, 0, data, 0, numel());
  }

  /** True when both tensors have the same type and bit-identical elements. */
  public boolean contentEquals(Tensor other) {
    if (!type.equals(other.type)) {
      return false;
    }
    return switch (type.dtype()) {
      case F32 -> Arrays.equals((float[]) data, (float[]) other.data);
      case F64 -> Arrays.equals((double[]) data, (double[]) other.data);
      case F16, BF16, I16 -> Arrays.equals((short[]) data, (short[]) other.data);
      case I8, U8, BOOL -> Arrays.equals((byte[]) data, (byte[]) other.data);
      case I32 -> Arrays.equals((int[]) data, (int[]) other.data);
      case I64 -> Arrays.equals((long[]) data, (long[]) other.data);
    };
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor(").append(type).append(", [");
    int n = Math.min(numel(), 8);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(getDouble(i));
    }
    return sb.append(numel() > n ? ", ...])" : "])").toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && contentEquals(t);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, numel());
  }
}
