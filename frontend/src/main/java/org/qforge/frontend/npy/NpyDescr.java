package org.qforge.frontend.npy;

import java.util.Optional;
import org.qforge.ir.DType;

/**
 * The NumPy type strings ({@code descr}) this project reads and writes, and their {@link DType}s.
 *
 * <p>Only little-endian data is supported: every machine the JVM runs on here is little-endian and
 * NumPy writes the machine's order, so big-endian files are rare enough to reject with a message.
 */
final class NpyDescr {
  private NpyDescr() {}

  /** The dtype a descr such as {@code <f4} or {@code |i1} stands for, if supported. */
  static Optional<DType> toDType(String descr) {
    if (descr.length() < 2) {
      return Optional.empty();
    }
    char order = descr.charAt(0);
    String kind = descr.substring(1);
    boolean oneByte = kind.equals("i1") || kind.equals("u1") || kind.equals("b1");
    // One-byte types have no byte order; NumPy writes '|' but '<' and '>' are harmless there.
    if (!(order == '<' || (oneByte && (order == '|' || order == '>')))) {
      return Optional.empty();
    }
    return switch (kind) {
      case "f4" -> Optional.of(DType.F32);
      case "f8" -> Optional.of(DType.F64);
      case "f2" -> Optional.of(DType.F16);
      case "i1" -> Optional.of(DType.I8);
      case "u1" -> Optional.of(DType.U8);
      case "b1" -> Optional.of(DType.BOOL);
      case "i2" -> Optional.of(DType.I16);
      case "i4" -> Optional.of(DType.I32);
      case "i8" -> Optional.of(DType.I64);
      default -> Optional.empty();
    };
  }

  /** The descr NumPy writes for {@code dtype}, if NumPy has that type. */
  static Optional<String> fromDType(DType dtype) {
    return switch (dtype) {
      case F32 -> Optional.of("<f4");
      case F64 -> Optional.of("<f8");
      case F16 -> Optional.of("<f2");
      case I8 -> Optional.of("|i1");
      case U8 -> Optional.of("|u1");
      case BOOL -> Optional.of("|b1");
      case I16 -> Optional.of("<i2");
      case I32 -> Optional.of("<i4");
      case I64 -> Optional.of("<i8");
      case BF16 -> Optional.empty();
    };
  }

  /** Why {@code descr} is not supported, as the end of an error message. */
  static String whyUnsupported(String descr) {
    if (descr.startsWith(">")) {
      return "big-endian data (" + descr + ") is not supported; save it little-endian, e.g. with"
          + " a.astype(a.dtype.newbyteorder('<'))";
    }
    if (descr.length() >= 2 && descr.charAt(1) == 'O') {
      return "object arrays (" + descr + ") are not supported: they hold pickled Python objects";
    }
    return "dtype " + descr + " is not supported (supported: <f4 <f8 <f2 |i1 |u1 |b1 <i2 <i4 <i8)";
  }
}
