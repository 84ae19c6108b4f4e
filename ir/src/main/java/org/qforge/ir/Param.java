package org.qforge.ir;

/**
 * One parameter of an op schema.
 *
 * @param name the parameter's name, as in PyTorch's schema (e.g. {@code stride})
 * @param type what it accepts
 * @param defaultValue the value used when a call omits it, or null if it is required
 */
public record Param(String name, ParamType type, Argument defaultValue) {

  public boolean isRequired() {
    return defaultValue == null;
  }

  @Override
  public String toString() {
    return type.schemaName() + " " + name + (defaultValue == null ? ""
        : "=" + (defaultValue instanceof Literal l ? l.toText() : defaultValue.toString()));
  }
}
