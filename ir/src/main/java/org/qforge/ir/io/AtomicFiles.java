package org.qforge.ir.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.qforge.ir.QforgeException;

/**
 * Writes files so that readers see either the old file or the complete new one, never a torn
 * write: content goes to a temporary sibling, which is moved over the target only on success.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Produces a file's content on a stream. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes {@code bytes} to {@code file} atomically. */
  public static void write(Path file, byte[] bytes) {
    write(file, out -> out.write(bytes));
  }

  /** Writes what {@code content} produces to {@code file} atomically; on failure the target is untouched. */
  public static void write(Path file, Content content) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      if (dir != null && !Files.isDirectory(dir)) {
        throw new QforgeException(file + ": cannot write: directory " + dir + " does not exist");
      }
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
        content.writeTo(out);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new QforgeException(file + ": cannot write: " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The original failure is the one worth reporting.
        }
      }
    }
  }
}
