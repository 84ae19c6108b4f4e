package org.qforge.cli;

import java.io.PrintWriter;
import org.qforge.ir.QforgeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code qforge} command line: parses arguments, runs one subcommand, and maps failures to the
 * contract's exit statuses (0 success, 2 usage error, 1 anything wrong with the inputs), printing a
 * single {@code qforge: error: ...} line unless {@code --debug} asks for the stack trace.
 */
@Command(
    name = "qforge",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT, // every subcommand gets --help and --version too
    versionProvider = Version.class,
    description = "Quantize PyTorch models the way PT2E does and compile them to dependency-free jars.",
    subcommands = {InspectCommand.class, RunCommand.class, QuantizeCommand.class, CompileCommand.class,
        DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces for errors.")
  boolean debug;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line and returns the exit status (for tests: no System.exit). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    boolean debug = java.util.Arrays.asList(args).contains("--debug");
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("qforge: error: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (debug) {
        ex.printStackTrace(err);
      }
      if (ex instanceof QforgeException) {
        err.println("qforge: error: " + ex.getMessage());
      } else {
        err.println("qforge: error: internal error: " + ex
            + (debug ? "" : " (run again with --debug for the stack trace, and please report it)"));
      }
      return 1;
    });
    int status = cl.execute(args);
    out.flush();
    err.flush();
    return status;
  }
}
