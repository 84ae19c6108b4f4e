package org.qforge.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qforge.ir.Graph;
import org.qforge.ir.text.IrPrinter;
import org.qforge.ir.text.QirFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qforge inspect MODEL}: the program as text IR. */
@Command(name = "inspect", description = "Print the program as text IR on stdout.")
final class InspectCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MODEL", description = "A .pt2 archive or a .qir program.")
  Path model;

  @Option(names = "--data", description = "Also print the constants' data section.")
  boolean data;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    String text;
    if (model.getFileName().toString().endsWith(".qir")) {
      // A saved program prints exactly as saved; it is parsed first so that a broken file is reported.
      String saved = QirFiles.readText(model);
      QirFiles.read(model);
      text = data ? saved : QirFiles.graphSection(saved);
    } else {
      Graph g = ModelLoader.load(model);
      text = data ? IrPrinter.printWithData(g) : IrPrinter.print(g);
    }
    spec.commandLine().getOut().print(text);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
