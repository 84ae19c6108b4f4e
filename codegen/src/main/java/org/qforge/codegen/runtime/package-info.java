/**
 * Support classes copied into every compiled jar (relocated into the model's package): they must
 * depend on nothing but the JDK. The {@code .java} files are also shipped as resources so that
 * {@code --emit-source} can write them beside the generated model.
 */
package org.qforge.codegen.runtime;
