package org.qforge.ir;

/**
 * One argument of a {@link Node}, as in a {@code torch.fx} call: a tensor {@link Value}, a list of
 * tensor values ({@link ValueList}, e.g. the inputs of {@code aten.cat}) or a {@link Literal}.
 */
public sealed interface Argument permits Value, ValueList, Literal {}
