package org.qforge.cli;

import picocli.CommandLine;

/** The version string: from the jar manifest when packaged, else "development". */
final class Version implements CommandLine.IVersionProvider {
  static String current() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v != null ? v : "development";
  }

  @Override
  public String[] getVersion() {
    return new String[] {"qforge " + current()};
  }
}
