package org.qforge.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.qforge.frontend.pt2.Pt2Importer;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.text.QirFiles;

/** Loads a MODEL argument by its extension: a {@code torch.export} archive or a saved program. */
final class ModelLoader {
  private ModelLoader() {}

  static Graph load(Path model) {
    if (!Files.isRegularFile(model)) {
      throw new QforgeException(model + ": no such file");
    }
    String name = model.getFileName().toString();
    if (name.endsWith(".pt2")) {
      return Pt2Importer.importFile(model);
    }
    if (name.endsWith(".qir")) {
      return QirFiles.read(model);
    }
    if (name.endsWith(".jar")) {
      throw new QforgeException(model + ": a compiled jar can only be run (qforge run, or java -jar)");
    }
    if (name.endsWith(".onnx")) {
      throw new QforgeException(model + ": ONNX import is not supported yet; export the model with "
          + "torch.export.save to a .pt2 archive");
    }
    throw new QforgeException(model + ": unknown model format; expected a .pt2 (torch.export.save) or .qir file");
  }
}
