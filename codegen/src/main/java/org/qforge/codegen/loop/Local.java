package org.qforge.codegen.loop;

/**
 * A local variable of a kernel.
 *
 * @param name a Java identifier, unique within the kernel
 * @param kind its type
 */
public record Local(String name, Kind kind) {}
