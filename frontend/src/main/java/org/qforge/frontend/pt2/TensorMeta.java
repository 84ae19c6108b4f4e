package org.qforge.frontend.pt2;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qforge.ir.DType;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.TensorType;

/**
 * A serialized {@code TensorMeta} of {@code torch.export}: dtype, sizes, strides, storage offset and
 * layout, as found in {@code tensor_values} and in the weight configs.
 *
 * @param dtype the element type
 * @param sizes the dimensions
 * @param strides elements to skip per step along each dimension, in the storage
 * @param storageOffset index of the first element in the storage, in elements
 * @param layout PyTorch's serialized layout code; {@link #STRIDED} is the only one supported
 */
public record TensorMeta(DType dtype, List<Integer> sizes, List<Long> strides, long storageOffset, int layout) {

  /** The serialized code of {@code torch.strided}. */
  public static final int STRIDED = 7;

  /** Names of PyTorch's serialized {@code ScalarType} codes we do not support, for messages. */
  private static final Map<Integer, String> UNSUPPORTED_DTYPES = Map.ofEntries(
      Map.entry(0, "unknown"), Map.entry(9, "complex32"), Map.entry(10, "complex64"),
      Map.entry(11, "complex128"), Map.entry(14, "uint16"), Map.entry(15, "float8_e4m3fn"),
      Map.entry(16, "float8_e5m2"), Map.entry(17, "float8_e4m3fnuz"), Map.entry(18, "float8_e5m2fnuz"));

  public TensorMeta {
    sizes = List.copyOf(sizes);
    strides = List.copyOf(strides);
  }

  /** The IR type: dtype and sizes. */
  public TensorType type() {
    return new TensorType(dtype, sizes);
  }

  /**
   * Reads a {@code TensorMeta} object. Dynamic (symbolic) sizes, unknown dtypes and malformed fields
   * are errors naming {@code where}.
   */
  static TensorMeta fromJson(Pt2Json json, JsonNode meta, String where) {
    int code = Math.toIntExact(Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE,
        json.integer(meta, "dtype", where))));
    DType dtype = DType.fromTorchCode(code).orElseThrow(() -> json.error(where, "dtype "
        + UNSUPPORTED_DTYPES.getOrDefault(code, "code " + code) + " is not supported"));
    List<Integer> sizes = new ArrayList<>();
    for (JsonNode s : json.array(meta, "sizes", where)) {
      long d = symInt(json, s, where + ": sizes");
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw json.error(where, "invalid size " + d);
      }
      sizes.add((int) d);
    }
    long numel = 1;
    for (int d : sizes) {
      // Dimensions are ints, so this only overflows for absurd ranks; refuse rather than wrap.
      numel = numel == 0 || d == 0 ? 0 : (numel > Long.MAX_VALUE / d ? -1 : numel * d);
      if (numel < 0) {
        throw json.error(where, "sizes " + sizes + " have too many elements");
      }
    }
    List<Long> strides = new ArrayList<>();
    JsonNode st = meta.get("strides");
    if (st != null && !st.isNull()) {
      if (!st.isArray()) {
        throw json.error(where, "field 'strides' must be an array");
      }
      for (JsonNode s : st) {
        strides.add(symInt(json, s, where + ": strides"));
      }
    } else {
      strides.addAll(contiguousStrides(sizes));
    }
    if (strides.size() != sizes.size()) {
      throw json.error(where, "has " + sizes.size() + " sizes but " + strides.size() + " strides");
    }
    JsonNode off = meta.get("storage_offset");
    long offset = off == null || off.isNull() ? 0 : symInt(json, off, where + ": storage_offset");
    JsonNode lay = meta.get("layout");
    int layout = lay == null || lay.isNull() ? STRIDED : (int) json.longValue(lay, where + ": layout");
    return new TensorMeta(dtype, sizes, strides, offset, layout);
  }

  /** A serialized {@code SymInt}: {@code {"as_int": n}}; symbolic ones are not supported. */
  private static long symInt(Pt2Json json, JsonNode node, String where) {
    if (node.isIntegralNumber()) {
      return json.longValue(node, where);
    }
    String key = json.unionKey(node, where);
    if (!key.equals("as_int")) {
      throw json.error(where, "dynamic (symbolic) sizes are not supported; export with static shapes"
          + " (got " + Pt2Json.brief(node) + ")");
    }
    return json.longValue(node.get(key), where);
  }

  private static List<Long> contiguousStrides(List<Integer> sizes) {
    Long[] s = new Long[sizes.size()];
    long acc = 1;
    for (int i = sizes.size() - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= Math.max(sizes.get(i), 1);
    }
    return List.of(s);
  }

  /** True if the elements are laid out row-major without gaps (strides of size-1 dims ignored). */
  public boolean isContiguous() {
    long expected = 1;
    for (int i = sizes.size() - 1; i >= 0; i--) {
      int d = sizes.get(i);
      if (d != 1 && strides.get(i) != expected) {
        return false;
      }
      expected *= d;
    }
    return true;
  }

  /**
   * Builds a dense row-major tensor from a raw little-endian storage, honouring strides and the
   * storage offset.
   *
   * @param storage the bytes of the whole storage
   * @param exclusive true if no other tensor shares this storage; then a contiguous tensor at offset
   *     0 must fill it exactly, which catches a truncated or padded weight file
   * @param where names the tensor and its file in messages, e.g.
   *     {@code model.pt2: data/weights/weight_0 (conv1.weight)}
   */
  public Tensor materialize(byte[] storage, boolean exclusive, String where) {
    if (layout != STRIDED) {
      throw new QforgeException(where + ": layout " + layout + " is not supported (only strided"
          + " dense tensors, layout 7, are)");
    }
    TensorType type = type();
    int elem = dtype.byteSize();
    long numel = type.numel();
    if (numel > (Integer.MAX_VALUE - 8) / elem) {
      throw new QforgeException(where + ": " + type + " is too large for one array");
    }
    if (storageOffset < 0) {
      throw new QforgeException(where + ": negative storage offset " + storageOffset);
    }
    long last = storageOffset;
    try {
      for (int i = 0; i < sizes.size(); i++) {
        if (strides.get(i) < 0) {
          throw new QforgeException(where + ": negative stride " + strides.get(i));
        }
        if (sizes.get(i) > 0) {
          last = Math.addExact(last, Math.multiplyExact((long) sizes.get(i) - 1, strides.get(i)));
        }
      }
      Math.multiplyExact(last + 1, elem);
    } catch (ArithmeticException e) {
      throw new QforgeException(where + ": strides " + strides + " and storage offset "
          + storageOffset + " reach beyond any storage");
    }
    if (numel == 0) {
      return Tensor.zeros(type);
    }
    boolean dense = isContiguous() && storageOffset == 0;
    long needed = dense && exclusive ? numel * elem : (last + 1) * elem;
    if (dense && exclusive ? storage.length != needed : storage.length < needed) {
      throw new QforgeException(where + ": has " + storage.length + " bytes, but " + type
          + (dense ? "" : " with strides " + strides + " and storage offset " + storageOffset)
          + " needs " + needed);
    }
    if (isContiguous()) {
      return Tensor.fromLittleEndian(type, ByteBuffer.wrap(storage, (int) (storageOffset * elem),
          (int) (numel * elem)));
    }
    return Tensor.fromLittleEndian(type, ByteBuffer.wrap(gather(storage, elem, (int) numel)));
  }

  /** Copies the strided elements into row-major order. */
  private byte[] gather(byte[] storage, int elem, int numel) {
    byte[] out = new byte[numel * elem];
    int rank = sizes.size();
    int[] size = sizes.stream().mapToInt(Integer::intValue).toArray();
    long[] stride = strides.stream().mapToLong(Long::longValue).toArray();
    int[] index = new int[rank];
    long src = storageOffset;
    for (int k = 0; k < numel; k++) {
      System.arraycopy(storage, (int) (src * elem), out, k * elem, elem);
      // Advance the multi-index like an odometer, adjusting the storage position incrementally.
      for (int d = rank - 1; d >= 0; d--) {
        index[d]++;
        src += stride[d];
        if (index[d] < size[d]) {
          break;
        }
        src -= (long) index[d] * stride[d];
        index[d] = 0;
      }
    }
    return out;
  }
}
