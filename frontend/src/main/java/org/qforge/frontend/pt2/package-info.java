/**
 * The {@code torch.export} ({@code .pt2}) importer: safe zip access, JSON decoding of the exported
 * program, weights, and graph construction. The entry point is {@link org.qforge.frontend.pt2.Pt2Importer}.
 */
package org.qforge.frontend.pt2;
