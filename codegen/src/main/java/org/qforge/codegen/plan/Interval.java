package org.qforge.codegen.plan;

/**
 * A value's lifetime in a straight-line program: it is written by step {@code first} and last read
 * by step {@code last} (inclusive), and needs {@code bytes} of scratch memory meanwhile.
 *
 * @param id caller's identifier for the value
 * @param first step that produces it
 * @param last last step that reads it (at least {@code first})
 * @param bytes size in bytes
 */
public record Interval(int id, int first, int last, long bytes) {
  public Interval {
    if (first < 0 || last < first) {
      throw new IllegalArgumentException("bad lifetime [" + first + ", " + last + "] for value " + id);
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("negative size for value " + id);
    }
  }

  /** True if both values are alive at some step. */
  public boolean overlaps(Interval o) {
    return first <= o.last && o.first <= last;
  }
}
