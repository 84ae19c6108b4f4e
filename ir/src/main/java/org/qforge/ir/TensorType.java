package org.qforge.ir;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A tensor type with a static shape, printed {@code f32[1,16,8,8]}; a scalar tensor is {@code f32[]}.
 *
 * @param dtype the element type
 * @param shape the dimensions, outermost first; every entry is non-negative
 */
public record TensorType(DType dtype, List<Integer> shape) {

  public TensorType {
    checkArgument(dtype != null, "dtype is required");
    shape = List.copyOf(shape);
    for (int d : shape) {
      checkArgument(d >= 0, "dimensions must be non-negative, got %s", shape);
    }
  }

  /** A tensor type from a dtype and dimensions. */
  public static TensorType of(DType dtype, int... dims) {
    return new TensorType(dtype, Arrays.stream(dims).boxed().toList());
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.size();
  }

  /** Size of dimension {@code i}; negative {@code i} counts from the end as in PyTorch. */
  public int dim(int i) {
    return shape.get(normalizeDim(i));
  }

  /** Maps a possibly negative dimension index to {@code [0, rank)}, rejecting anything outside. */
  public int normalizeDim(int i) {
    // PyTorch lets a 0-dim tensor be indexed as if it had one dimension (dim 0 or -1).
    int r = Math.max(rank(), 1);
    int n = i < 0 ? i + r : i;
    checkArgument(n >= 0 && n < r, "dimension %s out of range for rank %s", i, rank());
    return n;
  }

  /** The dimensions as an int array. */
  public int[] dims() {
    return shape.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Total number of elements. */
  public long numel() {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** Number of elements as an int, failing clearly if the tensor is too large for one Java array. */
  public int numelInt() {
    long n = numel();
    checkArgument(n <= Integer.MAX_VALUE - 8, "tensor %s has too many elements for one array", this);
    return (int) n;
  }

  /** Storage size in bytes. */
  public long byteSize() {
    return numel() * dtype.byteSize();
  }

  /** The same shape with another element type. */
  public TensorType withDType(DType other) {
    return new TensorType(other, shape);
  }

  /** The same element type with another shape. */
  public TensorType withShape(List<Integer> newShape) {
    return new TensorType(dtype, newShape);
  }

  @Override
  public String toString() {
    return dtype.irName()
        + shape.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
  }
}
