/**
 * Graph-to-graph transformations and the machinery to run them: {@link org.qforge.passes.Pass},
 * {@link org.qforge.passes.PassPipeline}; the pattern matcher and rewriter live in
 * {@code org.qforge.passes.pattern}.
 */
package org.qforge.passes;
