package org.qforge.ir;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The definition of one op: its name (PyTorch's, e.g. {@code aten.conv2d}), its argument schema
 * with defaults, how many results it has, its shape and dtype inference, and its interpreter kernel,
 * side by side so that adding an op is one place to look.
 *
 * <p>Build with {@link #builder(String)}.
 */
public final class OpDef {
  private final String name;
  private final List<Param> params;
  private final Map<String, Integer> paramIndex;
  private final ShapeFunction shapeFunction;
  private final Kernel kernel;
  private final Set<Integer> mutatedParams;
  private final String doc;

  private OpDef(Builder b) {
    this.name = b.name;
    this.params = List.copyOf(b.params);
    this.paramIndex = new HashMap<>();
    for (int i = 0; i < params.size(); i++) {
      paramIndex.put(params.get(i).name(), i);
    }
    this.shapeFunction = b.shapeFunction;
    this.kernel = b.kernel;
    this.mutatedParams = Set.copyOf(b.mutatedParams);
    this.doc = b.doc;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The op's name, e.g. {@code aten.conv2d}. */
  public String name() {
    return name;
  }

  public List<Param> params() {
    return params;
  }

  /** Index of parameter {@code paramName}; fails if there is none. */
  public int paramIndex(String paramName) {
    Integer i = paramIndex.get(paramName);
    checkArgument(i != null, "%s has no parameter '%s'", name, paramName);
    return i;
  }

  public boolean hasParam(String paramName) {
    return paramIndex.containsKey(paramName);
  }

  public ShapeFunction shapeFunction() {
    return shapeFunction;
  }

  public Kernel kernel() {
    return kernel;
  }

  /** Parameters whose tensors the op modifies in place (PyTorch's {@code Tensor(a!)}). */
  public Set<Integer> mutatedParams() {
    return mutatedParams;
  }

  /** One line on what the op computes. */
  public String doc() {
    return doc;
  }

  /**
   * Binds a call's positional and named arguments to the schema, fills in defaults and applies the
   * implicit conversions of {@link ParamType#coerce}. The result has one entry per parameter.
   *
   * @throws IllegalArgumentException naming the parameter when an argument is missing, unknown,
   *     given twice or of the wrong kind
   */
  public List<Argument> bind(List<? extends Argument> positional, Map<String, ? extends Argument> named) {
    checkArgument(positional.size() <= params.size(),
        "%s takes at most %s arguments, got %s", name, params.size(), positional.size());
    Argument[] bound = new Argument[params.size()];
    for (int i = 0; i < positional.size(); i++) {
      bound[i] = positional.get(i);
    }
    for (Map.Entry<String, ? extends Argument> e : named.entrySet()) {
      Integer i = paramIndex.get(e.getKey());
      checkArgument(i != null, "%s has no parameter '%s' (parameters: %s)", name, e.getKey(),
          params.stream().map(Param::name).collect(Collectors.joining(", ")));
      checkArgument(bound[i] == null, "%s: parameter '%s' given twice", name, e.getKey());
      bound[i] = e.getValue();
    }
    List<Argument> out = new ArrayList<>(params.size());
    for (int i = 0; i < bound.length; i++) {
      Param p = params.get(i);
      Argument a = bound[i] != null ? bound[i] : p.defaultValue();
      checkArgument(a != null, "%s: missing required argument '%s'", name, p.name());
      Argument c = p.type().coerce(a);
      checkArgument(c != null, "%s: argument '%s' must be %s, got %s", name, p.name(),
          p.type().schemaName(), a instanceof Literal l ? l.toText() : a);
      out.add(c);
    }
    return out;
  }

  /** The schema in PyTorch's notation, e.g. {@code aten.relu(Tensor self)}. */
  public String signature() {
    return name + params.stream().map(Param::toString).collect(Collectors.joining(", ", "(", ")"));
  }

  @Override
  public String toString() {
    return signature();
  }

  /** Builds an {@link OpDef}; parameters are declared in schema order. */
  public static final class Builder {
    private final String name;
    private final List<Param> params = new ArrayList<>();
    private ShapeFunction shapeFunction;
    private Kernel kernel;
    private final Set<Integer> mutatedParams = new HashSet<>();
    private String doc = "";

    private Builder(String name) {
      checkArgument(name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+"),
          "op names are dotted identifiers like aten.relu, got '%s'", name);
      this.name = name;
    }

    /** A required parameter. */
    public Builder param(String paramName, ParamType type) {
      return param(paramName, type, null);
    }

    /** A parameter with a default. */
    public Builder param(String paramName, ParamType type, Argument defaultValue) {
      checkArgument(params.stream().noneMatch(p -> p.name().equals(paramName)),
          "%s: duplicate parameter %s", name, paramName);
      params.add(new Param(paramName, type, defaultValue));
      return this;
    }

    /** An int-list parameter with a default, e.g. {@code stride=[1, 1]}. */
    public Builder ints(String paramName, int... defaults) {
      return param(paramName, ParamType.INT_LIST, Literal.IntList.of(defaults));
    }

    /** Declares that the op writes into the tensors of these parameters. */
    public Builder mutates(String... paramNames) {
      for (String p : paramNames) {
        int i = -1;
        for (int k = 0; k < params.size(); k++) {
          if (params.get(k).name().equals(p)) {
            i = k;
          }
        }
        checkArgument(i >= 0, "%s: unknown parameter %s in mutates(%s)", name, p, Arrays.toString(paramNames));
        mutatedParams.add(i);
      }
      return this;
    }

    public Builder shape(ShapeFunction f) {
      this.shapeFunction = f;
      return this;
    }

    public Builder kernel(Kernel k) {
      this.kernel = k;
      return this;
    }

    public Builder doc(String text) {
      this.doc = text;
      return this;
    }

    public OpDef build() {
      checkArgument(shapeFunction != null, "%s needs a shape function", name);
      checkArgument(kernel != null, "%s needs a kernel", name);
      return new OpDef(this);
    }
  }
}
