package org.qforge.ir;

/**
 * A problem with what the user gave us (a model, a file, an argument), as opposed to a bug. The
 * message is one sentence for the user: what is wrong, where, and if possible what to do. The
 * command-line tool prints it as {@code qforge: error: <message>} and exits with status 1.
 */
public class QforgeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QforgeException(String message) {
    super(message);
  }

  public QforgeException(String message, Throwable cause) {
    super(message, cause);
  }
}
