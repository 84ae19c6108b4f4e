package org.qforge.passes.quant.xnnpack;

import java.util.ArrayList;
import java.util.List;
import org.qforge.ir.Node;
import org.qforge.ir.Value;

/**
 * The XNNPACK quantizer's node filters over {@code nn_module_stack}: by module name
 * ({@code _get_module_name_filter}), by module type ({@code _get_module_type_filter}), and "in
 * none of these" for the global config. Graph inputs and constants have no module stack, as
 * placeholder nodes have none in exported graphs.
 */
@FunctionalInterface
public interface ModuleFilter {

  /** Whether a node (or leaf value) with this module stack passes. */
  boolean test(List<StackEntry> stack);

  /**
   * One {@code nn_module_stack} entry.
   *
   * @param path the module path, e.g. {@code layer1.0.conv1} ({@code L['self'].} stripped)
   * @param type the module's type, e.g. {@code torch.nn.modules.conv.Conv2d}
   */
  record StackEntry(String path, String type) {}

  ModuleFilter ALL = stack -> true;

  default boolean test(Node n) {
    return test(stackOf(n.metadata().getOrDefault("nn_module_stack", "")));
  }

  default boolean test(Value v) {
    return v.producer() != null ? test(v.producer()) : test(List.of());
  }

  /** Nodes inside the module at exactly this path. */
  static ModuleFilter moduleName(String name) {
    return stack -> stack.stream().anyMatch(e -> e.path().equals(name));
  }

  /** Nodes inside a module of this fully qualified type. */
  static ModuleFilter moduleType(String type) {
    return stack -> stack.stream().anyMatch(e -> e.type().equals(type));
  }

  /** Nodes in none of the given module types and names. */
  static ModuleFilter notIn(List<String> types, List<String> names) {
    return stack -> stack.stream().noneMatch(e -> types.contains(e.type()) || names.contains(e.path()));
  }

  /**
   * Parses the serialized stack {@code key,path,type;key,path,type;...} that the {@code .pt2}
   * importer keeps in node metadata.
   */
  static List<StackEntry> stackOf(String serialized) {
    List<StackEntry> out = new ArrayList<>();
    if (serialized.isEmpty()) {
      return out;
    }
    for (String entry : serialized.split(";")) {
      String[] f = entry.split(",", 3);
      if (f.length < 3) {
        continue;
      }
      String path = f[1].startsWith("L['self'].") ? f[1].substring("L['self'].".length()) : f[1];
      out.add(new StackEntry(path, f[2]));
    }
    return out;
  }
}
