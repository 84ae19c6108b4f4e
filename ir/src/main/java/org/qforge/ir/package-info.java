/** The typed SSA intermediate representation. */
package org.qforge.ir;
