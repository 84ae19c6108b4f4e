/** Reading and writing NumPy {@code .npy} files as IR tensors. */
package org.qforge.frontend.npy;
