package org.qforge.frontend.pt2;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.qforge.ir.Graph;
import org.qforge.ir.QforgeException;
import org.qforge.ir.ops.OpRegistry;
import org.qforge.ir.verify.VerificationException;
import org.qforge.ir.verify.Verifier;

/**
 * Imports a {@code torch.export.save} archive ({@code .pt2}, schema 8.x) into a verified IR
 * {@link Graph}.
 *
 * <p>Reads {@code <root>/models/model.json}, the weight and constant configs and the raw tensor
 * files they name; never unpickles and skips everything else ({@code sample_inputs/*.pt}, ...).
 * The graph is named after the archive's file name without extension. Every problem with the
 * archive is a {@link QforgeException} naming the file and the entry or node at fault.
 */
public final class Pt2Importer {
  private final Pt2Limits limits;
  private final OpRegistry registry;

  /** An importer with {@link Pt2Limits#DEFAULT} limits and the standard op registry. */
  public Pt2Importer() {
    this(Pt2Limits.DEFAULT, OpRegistry.standard());
  }

  /** An importer with the given bounds, resolving ops in {@code registry}. */
  public Pt2Importer(Pt2Limits limits, OpRegistry registry) {
    this.limits = limits;
    this.registry = registry;
  }

  /** Imports {@code archive} with the default limits and the standard registry. */
  public static Graph importFile(Path archive) {
    return new Pt2Importer().importArchive(archive);
  }

  /**
   * Imports and verifies the program in {@code file}.
   *
   * @throws QforgeException (a {@link VerificationException} if the graph breaks an IR invariant)
   *     naming the file and what is wrong
   */
  public Graph importArchive(Path file) {
    try (Pt2Archive archive = Pt2Archive.open(file, limits)) {
      String source = archive.source();
      String modelEntry = findModel(archive);
      String root = modelEntry.substring(0, modelEntry.length() - Pt2GraphReader.MODEL_JSON.length());
      checkByteOrder(archive, root);
      Pt2Json json = Pt2Json.parse(source, Pt2GraphReader.MODEL_JSON,
          archive.read(modelEntry, limits.maxJsonBytes()));
      Pt2TensorStore store = Pt2TensorStore.open(archive, root, limits);
      Graph graph = Pt2GraphReader.read(source, json, store, registry, graphName(file));
      try {
        Verifier.verify(graph);
      } catch (VerificationException e) {
        VerificationException named = new VerificationException(source + ": " + e.getMessage());
        named.initCause(e);
        throw named;
      }
      return graph;
    }
  }

  /** The single {@code <root>/models/model.json} entry. */
  private static String findModel(Pt2Archive archive) {
    String suffix = "/" + Pt2GraphReader.MODEL_JSON;
    List<String> found = archive.names().stream()
        .filter(n -> n.equals(Pt2GraphReader.MODEL_JSON) || n.endsWith(suffix))
        .toList();
    if (found.isEmpty()) {
      throw new QforgeException(archive.source() + ": no models/model.json in the archive; is it a"
          + " torch.export.save file?");
    }
    if (found.size() > 1) {
      throw new QforgeException(archive.source() + ": several models/model.json entries " + found
          + "; expected exactly one");
    }
    return found.get(0);
  }

  /** The weights are raw storages in the writer's byte order, which the archive records. */
  private static void checkByteOrder(Pt2Archive archive, String root) {
    String entry = root + "byteorder";
    if (!archive.contains(entry)) {
      return;
    }
    String order = new String(archive.read(entry, 64), StandardCharsets.US_ASCII).trim();
    if (!order.equals("little")) {
      throw new QforgeException(archive.source() + ": byteorder says '" + order
          + "'; only little-endian archives are supported");
    }
  }

  /** The file name without its extension: {@code model.pt2} gives {@code model}. */
  static String graphName(Path file) {
    Path name = file.getFileName();
    String n = name == null ? "model" : name.toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }
}
