package org.qforge.ir.text;

import org.qforge.ir.QforgeException;

/** Text IR that does not parse, or that parses into a graph the verifier rejects; names file, line and column. */
public final class ParseException extends QforgeException {
  private static final long serialVersionUID = 1L;

  public ParseException(String message) {
    super(message);
  }
}
