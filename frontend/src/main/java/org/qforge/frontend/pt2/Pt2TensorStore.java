package org.qforge.frontend.pt2;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;

/**
 * The weights and constants of one model in a {@code .pt2} archive, described by
 * {@code data/weights/model_weights_config.json} and {@code data/constants/model_constants_config.json}
 * ({@code {config: {fqn: {path_name, is_param, use_pickle, tensor_meta}}}}) and stored as raw
 * little-endian storages next to them.
 *
 * <p>Several tensors may share one storage file (views of one tensor); each is materialized as its
 * own contiguous copy. Pickled payloads are refused: nothing here ever unpickles.
 */
final class Pt2TensorStore {
  static final String WEIGHTS_DIR = "data/weights/";
  static final String CONSTANTS_DIR = "data/constants/";
  static final String WEIGHTS_CONFIG = WEIGHTS_DIR + "model_weights_config.json";
  static final String CONSTANTS_CONFIG = CONSTANTS_DIR + "model_constants_config.json";

  /** One tensor's entry in a config file. */
  private record Payload(String fqn, String dir, String pathName, boolean usePickle, TensorMeta meta) {
    String file() {
      return dir + pathName;
    }
  }

  private final Pt2Archive archive;
  private final String root;
  private final Pt2Limits limits;
  private final Map<String, Payload> weights;
  private final Map<String, Payload> constants;
  private final boolean hasWeightsConfig;
  private final boolean hasConstantsConfig;
  private final Map<String, Integer> sharers = new HashMap<>();
  private final Map<String, byte[]> sharedStorages = new HashMap<>();

  private Pt2TensorStore(Pt2Archive archive, String root, Pt2Limits limits) {
    this.archive = archive;
    this.root = root;
    this.limits = limits;
    this.hasWeightsConfig = archive.contains(root + WEIGHTS_CONFIG);
    this.hasConstantsConfig = archive.contains(root + CONSTANTS_CONFIG);
    this.weights = hasWeightsConfig ? readConfig(WEIGHTS_CONFIG, WEIGHTS_DIR) : Map.of();
    this.constants = hasConstantsConfig ? readConfig(CONSTANTS_CONFIG, CONSTANTS_DIR) : Map.of();
    for (Payload p : weights.values()) {
      sharers.merge(p.file(), 1, Integer::sum);
    }
    for (Payload p : constants.values()) {
      sharers.merge(p.file(), 1, Integer::sum);
    }
  }

  /** Reads the configs of the model rooted at {@code root} (ends with '/' or is empty). */
  static Pt2TensorStore open(Pt2Archive archive, String root, Pt2Limits limits) {
    return new Pt2TensorStore(archive, root, limits);
  }

  private Map<String, Payload> readConfig(String configEntry, String dir) {
    Pt2Json json = Pt2Json.parse(archive.source(), configEntry,
        archive.read(root + configEntry, limits.maxJsonBytes()));
    JsonNode config = json.object(json.root(), "config", "");
    Map<String, Payload> m = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : config.properties()) {
      String fqn = e.getKey();
      String where = "'" + fqn + "'";
      JsonNode v = e.getValue();
      String pathName = json.string(v, "path_name", where);
      if (pathName.isEmpty() || pathName.contains("/") || pathName.contains("\\")
          || pathName.equals(".") || pathName.equals("..")) {
        throw json.error(where, "path_name '" + pathName + "' is not a plain file name");
      }
      JsonNode pickle = v.get("use_pickle");
      boolean usePickle = pickle != null && pickle.isBoolean() && pickle.booleanValue();
      TensorMeta meta = TensorMeta.fromJson(json, json.object(v, "tensor_meta", where), where + ": tensor_meta");
      m.put(fqn, new Payload(fqn, dir, pathName, usePickle, meta));
    }
    return m;
  }

  /** The tensor of a parameter or buffer {@code fqn}, looked up among weights, then constants. */
  Tensor weight(String fqn, String where) {
    Payload p = weights.containsKey(fqn) ? weights.get(fqn) : constants.get(fqn);
    if (p == null) {
      throw missing(fqn, where, WEIGHTS_CONFIG, hasWeightsConfig);
    }
    return load(p);
  }

  /** The tensor of a lifted constant {@code fqn}, looked up among constants, then weights. */
  Tensor constant(String fqn, String where) {
    Payload p = constants.containsKey(fqn) ? constants.get(fqn) : weights.get(fqn);
    if (p == null) {
      throw missing(fqn, where, CONSTANTS_CONFIG, hasConstantsConfig);
    }
    return load(p);
  }

  private QforgeException missing(String fqn, String where, String config, boolean configExists) {
    return new QforgeException(archive.source() + ": " + where + " needs '" + fqn + "', but "
        + (configExists ? config + " has no entry for it" : "the archive has no " + config));
  }

  private Tensor load(Payload p) {
    String where = archive.source() + ": " + p.file() + " (" + p.fqn() + ")";
    if (p.usePickle()) {
      throw new QforgeException(where + ": is stored pickled (use_pickle=true), and qforge never"
          + " unpickles; re-export the model with a PyTorch version that stores raw tensors");
    }
    String entry = root + p.file();
    if (!archive.contains(entry)) {
      throw new QforgeException(where + ": the file is missing from the archive");
    }
    boolean exclusive = sharers.getOrDefault(p.file(), 0) <= 1;
    byte[] storage;
    if (exclusive) {
      storage = archive.read(entry, limits.maxEntryBytes());
    } else {
      // Shared storages are read once and kept for the other tensors that view them.
      storage = sharedStorages.computeIfAbsent(p.file(), f -> archive.read(entry, limits.maxEntryBytes()));
    }
    return p.meta().materialize(storage, exclusive, where);
  }
}
