package org.qforge.ir.verify;

import org.qforge.ir.QforgeException;

/** A graph breaks an IR invariant; the message names the node (or input/output) at fault. */
public final class VerificationException extends QforgeException {
  private static final long serialVersionUID = 1L;

  public VerificationException(String message) {
    super(message);
  }
}
