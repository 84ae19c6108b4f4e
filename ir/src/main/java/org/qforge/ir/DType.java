package org.qforge.ir;

import java.util.Locale;
import java.util.Optional;

/**
 * Element types of tensors, named as in the text IR ({@code f32}, {@code i8}, ...).
 *
 * <p>{@link #F16} and {@link #BF16} are storage types: the interpreter keeps their raw bits and
 * converts to f32 for arithmetic. The torch code is PyTorch's serialized {@code ScalarType}
 * ({@code torch/_export/serde/schema.py}), used by the importers and the IR's own data section.
 */
public enum DType {
  F32("f32", 4, true, 7),
  F64("f64", 8, true, 8),
  F16("f16", 2, true, 6),
  BF16("bf16", 2, true, 13),
  I8("i8", 1, false, 2),
  U8("u8", 1, false, 1),
  I16("i16", 2, false, 3),
  I32("i32", 4, false, 4),
  I64("i64", 8, false, 5),
  BOOL("bool", 1, false, 12);

  private final String irName;
  private final int byteSize;
  private final boolean floating;
  private final int torchCode;

  DType(String irName, int byteSize, boolean floating, int torchCode) {
    this.irName = irName;
    this.byteSize = byteSize;
    this.floating = floating;
    this.torchCode = torchCode;
  }

  /** The name in the text IR, e.g. {@code f32}. */
  public String irName() {
    return irName;
  }

  /** Bytes per element in storage. */
  public int byteSize() {
    return byteSize;
  }

  /** True for f32, f64, f16 and bf16. */
  public boolean isFloatingPoint() {
    return floating;
  }

  /** True for the signed and unsigned integer types (not bool). */
  public boolean isInteger() {
    return !floating && this != BOOL;
  }

  /** PyTorch's serialized {@code ScalarType} code. */
  public int torchCode() {
    return torchCode;
  }

  /** Smallest representable value of an integer type, as a long. */
  public long minValue() {
    return switch (this) {
      case I8 -> Byte.MIN_VALUE;
      case U8, BOOL -> 0;
      case I16 -> Short.MIN_VALUE;
      case I32 -> Integer.MIN_VALUE;
      case I64 -> Long.MIN_VALUE;
      default -> throw new IllegalStateException(this + " is not an integer type");
    };
  }

  /** Largest representable value of an integer type, as a long. */
  public long maxValue() {
    return switch (this) {
      case I8 -> Byte.MAX_VALUE;
      case U8 -> 255;
      case BOOL -> 1;
      case I16 -> Short.MAX_VALUE;
      case I32 -> Integer.MAX_VALUE;
      case I64 -> Long.MAX_VALUE;
      default -> throw new IllegalStateException(this + " is not an integer type");
    };
  }

  /** The dtype whose text-IR name is {@code name}, if any. */
  public static Optional<DType> fromIrName(String name) {
    for (DType t : values()) {
      if (t.irName.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** The dtype with PyTorch's serialized {@code ScalarType} code, if we support it. */
  public static Optional<DType> fromTorchCode(int code) {
    for (DType t : values()) {
      if (t.torchCode == code) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return irName.toLowerCase(Locale.ROOT);
  }
}
