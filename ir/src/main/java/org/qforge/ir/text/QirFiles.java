package org.qforge.ir.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;

/**
 * Reads and writes {@code .qir} files: a whole program as UTF-8 text, the graph as
 * {@link IrPrinter} prints it followed by its data section. Writes go to a temporary file in the
 * target's directory and are moved into place, so a failed write never leaves half a file.
 */
public final class QirFiles {
  /** Upper bound on a .qir file we agree to read (the text of a 1 GiB model in base64, with room). */
  static final long MAX_BYTES = 1L << 31;

  private QirFiles() {}

  /** Reads and verifies a saved program. */
  public static Graph read(Path file) {
    return IrParser.parse(readText(file), file.toString());
  }

  /** The file's text, checked to be UTF-8 and of sane size. */
  public static String readText(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new QforgeException(file + ": " + size + " bytes is more than a .qir file may have");
      }
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      throw new QforgeException(file + ": no such file");
    } catch (CharacterCodingException e) {
      throw new QforgeException(file + ": not a text IR file (not UTF-8)");
    } catch (IOException e) {
      throw new QforgeException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The graph part of a saved program's text: everything before the data section. */
  public static String graphSection(String qirText) {
    int i = qirText.startsWith("data ") ? 0 : qirText.indexOf("\ndata ");
    return i < 0 ? qirText : qirText.substring(0, i == 0 ? 0 : i + 1);
  }

  /** Writes the whole program to {@code file}, atomically. */
  public static void write(Graph g, Path file) {
    writeAtomically(file, IrPrinter.printWithData(g).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes bytes to {@code file} through a temporary sibling and a move. */
  public static void writeAtomically(Path file, byte[] bytes) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new QforgeException(file + ": cannot write: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
