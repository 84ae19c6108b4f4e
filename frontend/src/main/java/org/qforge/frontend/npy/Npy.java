package org.qforge.frontend.npy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.qforge.ir.DType;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * Reads and writes NumPy {@code .npy} files as {@link Tensor}s.
 *
 * <p>Reads format versions 1.0, 2.0 and 3.0 with the dtypes {@code <f4 <f8 <f2 |i1 |u1 |b1 <i2
 * <i4 <i8} in C order; writes version 1.0, or 2.0 when the header does not fit 1.0's 16-bit length.
 * The header is parsed, never evaluated ({@link NpyHeader}). Anything else (big-endian or Fortran
 * order data, object arrays, truncated or oversized files) is a {@link QforgeException} that names
 * the file.
 *
 * <p>Writing is not atomic; callers that must not leave a partial file write to a temporary file
 * and move it into place.
 */
public final class Npy {
  /** NumPy refuses headers over 10000 bytes by default; we allow more but stay bounded. */
  public static final int MAX_HEADER_BYTES = 1 << 20;

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  /** NumPy pads the header so the data starts on a 64-byte boundary. */
  private static final int ALIGN = 64;

  private Npy() {}

  /** Reads the single array stored in {@code file}; trailing bytes after it are an error. */
  public static Tensor read(Path file) {
    String source = file.toString();
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new QforgeException(source + ": no such file");
    } catch (IOException e) {
      throw new QforgeException(source + ": cannot read: " + e.getMessage(), e);
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      return read(in, source, size);
    } catch (IOException e) {
      throw new QforgeException(source + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads one array from {@code in}, leaving the stream just after its data (NumPy can append
   * several arrays to one stream). The stream is not closed.
   *
   * @param source names the data in error messages, e.g. the file name
   */
  public static Tensor read(InputStream in, String source) {
    try {
      return read(in, source, -1);
    } catch (IOException e) {
      throw new QforgeException(source + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Writes {@code tensor} to {@code file}, replacing it. bf16 tensors cannot be written. */
  public static void write(Tensor tensor, Path file) {
    String source = file.toString();
    byte[] header = headerBytes(tensor.type(), source);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(header);
      out.write(tensor.toLittleEndian());
    } catch (IOException e) {
      throw new QforgeException(source + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** Writes {@code tensor} as one {@code .npy} array to {@code out}, which is not closed. */
  public static void write(Tensor tensor, OutputStream out) throws IOException {
    out.write(headerBytes(tensor.type(), "output"));
    out.write(tensor.toLittleEndian());
  }

  /** The complete {@code .npy} encoding of {@code tensor}. */
  public static byte[] toBytes(Tensor tensor) {
    byte[] header = headerBytes(tensor.type(), "output");
    byte[] data = tensor.toLittleEndian();
    byte[] all = Arrays.copyOf(header, header.length + data.length);
    System.arraycopy(data, 0, all, header.length, data.length);
    return all;
  }

  /** The magic, version, header length and padded header for an array of {@code type}. */
  static byte[] headerBytes(TensorType type, String source) {
    String descr = NpyDescr.fromDType(type.dtype()).orElseThrow(() -> new QforgeException(
        source + ": " + type.dtype() + " tensors have no NumPy dtype; convert them to f32 first"));
    List<Long> shape = type.shape().stream().map(Integer::longValue).toList();
    String text = new NpyHeader(descr, false, shape).format();
    int major = 1;
    int lengthBytes = 2;
    int padded = paddedLength(text, MAGIC.length + 2 + lengthBytes);
    if (padded > 0xffff) {
      major = 2;
      lengthBytes = 4;
      padded = paddedLength(text, MAGIC.length + 2 + lengthBytes);
    }
    int prefix = MAGIC.length + 2 + lengthBytes;
    ByteBuffer b = ByteBuffer.allocate(prefix + padded).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) major).put((byte) 0);
    if (lengthBytes == 2) {
      b.putShort((short) padded);
    } else {
      b.putInt(padded);
    }
    b.put(text.getBytes(StandardCharsets.ISO_8859_1));
    while (b.position() < b.limit() - 1) {
      b.put((byte) ' ');
    }
    b.put((byte) '\n');
    return b.array();
  }

  private static int paddedLength(String text, int prefix) {
    int unpadded = prefix + text.length() + 1;
    int total = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
    return total - prefix;
  }

  /**
   * The reader behind both public variants.
   *
   * @param totalSize the file's size if known (then the data length is checked before reading it
   *     and trailing bytes are an error), or -1 for a stream
   */
  private static Tensor read(InputStream in, String source, long totalSize) throws IOException {
    byte[] magic = in.readNBytes(MAGIC.length);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new QforgeException(source + ": not a .npy file (it does not start with \\x93NUMPY)");
    }
    byte[] version = in.readNBytes(2);
    if (version.length < 2) {
      throw new QforgeException(source + ": truncated .npy header");
    }
    int major = version[0] & 0xff;
    int minor = version[1] & 0xff;
    if (minor != 0 || major < 1 || major > 3) {
      throw new QforgeException(source + ": unsupported .npy format version " + major + "." + minor
          + " (supported: 1.0, 2.0, 3.0)");
    }
    int lengthBytes = major == 1 ? 2 : 4;
    byte[] len = in.readNBytes(lengthBytes);
    if (len.length < lengthBytes) {
      throw new QforgeException(source + ": truncated .npy header");
    }
    ByteBuffer lb = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = lengthBytes == 2 ? lb.getShort() & 0xffffL : lb.getInt() & 0xffffffffL;
    if (headerLength > MAX_HEADER_BYTES) {
      throw new QforgeException(source + ": .npy header too long (" + headerLength
          + " bytes; the limit is " + MAX_HEADER_BYTES + ")");
    }
    byte[] headerRaw = in.readNBytes((int) headerLength);
    if (headerRaw.length < headerLength) {
      throw new QforgeException(source + ": truncated .npy header (declares " + headerLength
          + " bytes, found " + headerRaw.length + ")");
    }
    // Versions 1 and 2 store the header in latin-1; version 3 introduced UTF-8.
    String text = new String(headerRaw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    NpyHeader header = NpyHeader.parse(text, source);
    TensorType type = typeOf(header, source);

    long expected = type.byteSize();
    String expectation = "expected " + expected + " bytes of " + header.descr() + " data for shape "
        + header.shapeText();
    if (totalSize >= 0) {
      long found = totalSize - (MAGIC.length + 2 + lengthBytes + headerLength);
      if (found != expected) {
        throw new QforgeException(source + ": " + expectation + ", found " + Math.max(found, 0));
      }
    }
    // readNBytes grows its buffer as data arrives, so a header claiming a huge shape in front of
    // a short stream cannot make us allocate the claimed size.
    byte[] data = in.readNBytes((int) expected);
    if (data.length < expected) {
      throw new QforgeException(source + ": " + expectation + ", found " + data.length);
    }
    if (totalSize >= 0 && in.read() != -1) {
      // The file grew while we read it; report it rather than silently ignoring the rest.
      throw new QforgeException(source + ": " + expectation + ", found more");
    }
    return Tensor.fromLittleEndian(type, ByteBuffer.wrap(data));
  }

  private static TensorType typeOf(NpyHeader header, String source) {
    if (header.fortranOrder()) {
      throw new QforgeException(source + ": Fortran-order (column-major) arrays are not supported;"
          + " save np.ascontiguousarray(a) instead");
    }
    DType dtype = NpyDescr.toDType(header.descr())
        .orElseThrow(() -> new QforgeException(source + ": " + NpyDescr.whyUnsupported(header.descr())));
    int[] dims = new int[header.shape().size()];
    long numel = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = header.shape().get(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new QforgeException(source + ": invalid dimension " + d + " in shape " + header.shapeText());
      }
      dims[i] = (int) d;
      numel = d == 0 ? 0 : (numel > Long.MAX_VALUE / d ? Long.MAX_VALUE : numel * d);
    }
    // The data is read into one byte array, so its size in bytes is what is bounded.
    if (numel > (Integer.MAX_VALUE - 8) / dtype.byteSize()) {
      throw new QforgeException(source + ": array of shape " + header.shapeText() + " is too large"
          + " (at most " + (Integer.MAX_VALUE - 8) + " bytes of data are supported)");
    }
    return TensorType.of(dtype, dims);
  }
}
