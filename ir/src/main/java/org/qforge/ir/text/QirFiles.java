package org.qforge.ir.text;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.io.AtomicFiles;

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
    AtomicFiles.write(file, IrPrinter.printWithData(g).getBytes(StandardCharsets.UTF_8));
  }
}
