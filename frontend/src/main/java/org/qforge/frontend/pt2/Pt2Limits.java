package org.qforge.frontend.pt2;

/**
 * Bounds on what the {@code .pt2} importer reads, so that a hostile or corrupt archive fails with
 * a message instead of exhausting memory.
 *
 * @param maxJsonBytes largest JSON entry ({@code model.json}, the weight configs)
 * @param maxEntryBytes largest single entry of any kind (one weight file); at most what fits in
 *     one Java array
 * @param maxTotalBytes most bytes read from the archive in total, after decompression
 * @param maxEntries most entries the archive may list
 */
public record Pt2Limits(long maxJsonBytes, long maxEntryBytes, long maxTotalBytes, int maxEntries) {

  /** 64 MiB of JSON, 2 GiB per entry (one Java array), 4 GiB in total, 100000 entries. */
  public static final Pt2Limits DEFAULT =
      new Pt2Limits(64L << 20, Integer.MAX_VALUE - 8, 4L << 30, 100_000);

  public Pt2Limits {
    if (maxJsonBytes <= 0 || maxEntryBytes <= 0 || maxTotalBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (maxEntryBytes > Integer.MAX_VALUE - 8 || maxJsonBytes > maxEntryBytes) {
      throw new IllegalArgumentException("an entry must fit in one Java array");
    }
  }
}
