package org.qforge.codegen.loop;

/**
 * An array parameter of a kernel.
 *
 * @param name a Java identifier
 * @param kind the array type
 */
public record ArrayParam(String name, ArrayKind kind) {}
