package org.qforge.codegen.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qforge.ir.Constant;
import org.qforge.ir.Graph;
import org.qforge.ir.Node;
import org.qforge.ir.QforgeException;
import org.qforge.ir.Tensor;
import org.qforge.ir.Value;

/**
 * A graph made ready for code generation: every value has a {@link Slot}; constants are laid out
 * in the weights arenas; intermediate values share scratch memory as the {@link MemoryPlanner}
 * decides (a value's lifetime runs from its producing step to its last use; the graph input and
 * output stay alive for the whole run).
 *
 * <p>A kernel may also ask for int and float workspaces of its own ({@link WorkspaceSizes}); each is planned
 * like a value that lives for that kernel's step only, and may store a constant that only it reads
 * in an order of its own ({@link ConstantLayouts}), and read a constant it derives from its node
 * at compile time ({@link DerivedConstants}: lookup tables, zero-point corrections).
 *
 * <p>Requires: a verified graph with one f32 input and one f32 output, static shapes, and tensors
 * of the dtypes {@link Arena} supports (f32, i8, u8, i32, i64).
 */
public final class ExecutionPlan {
  private final Graph graph;
  private final Map<Value, Slot> slots = new IdentityHashMap<>();
  private final Map<Arena, Map<Node, Integer>> workspaces = new EnumMap<>(Arena.class);
  private final Set<Value> relaidOut = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Node, Slot> derived = new IdentityHashMap<>();
  private final Map<Arena, Integer> sizes = new EnumMap<>(Arena.class);
  private final Map<Arena, List<Tensor>> weights = new EnumMap<>(Arena.class);
  private long peakScratchBytes;

  private ExecutionPlan(Graph graph) {
    this.graph = graph;
  }

  /** Plans {@code graph} for kernels that need no workspace. */
  public static ExecutionPlan of(Graph graph) {
    return of(graph, WorkspaceSizes.NONE);
  }

  /** Plans {@code graph}, with the workspaces its kernels ask for. */
  public static ExecutionPlan of(Graph graph, WorkspaceSizes workspaceSizes) {
    return of(graph, workspaceSizes, ConstantLayouts.NONE);
  }

  /** Plans {@code graph}, with the workspaces its kernels ask for and the constant orders they want. */
  public static ExecutionPlan of(Graph graph, WorkspaceSizes workspaceSizes, ConstantLayouts constantLayouts) {
    return of(graph, workspaceSizes, constantLayouts, DerivedConstants.NONE);
  }

  /**
   * Plans {@code graph}, with the workspaces its kernels ask for, the constant orders they want
   * and the constants they derive.
   */
  public static ExecutionPlan of(Graph graph, WorkspaceSizes workspaceSizes, ConstantLayouts constantLayouts,
      DerivedConstants derivedConstants) {
    if (graph.inputs().size() != 1 || graph.outputs().size() != 1) {
      throw new QforgeException("compiled models take one input and return one output; graph " + graph.name()
          + " has " + graph.inputs().size() + " and " + graph.outputs().size());
    }
    ExecutionPlan p = new ExecutionPlan(graph);
    p.layOutWeights(constantLayouts);
    p.layOutDerived(derivedConstants);
    p.planScratch(workspaceSizes);
    return p;
  }

  private void layOutWeights(ConstantLayouts constantLayouts) {
    Map<Arena, Integer> next = new EnumMap<>(Arena.class);
    for (Constant c : graph.constants().values()) {
      if (!c.value().hasUsers()) {
        continue;
      }
      Arena a = arena(c.value(), true);
      int offset = next.getOrDefault(a, 0);
      slots.put(c.value(), new Slot(a, offset, c.value().type()));
      Tensor stored = c.tensor();
      List<Node> users = c.value().users();
      if (users.size() == 1) {
        Tensor t = constantLayouts.relayout(users.get(0), c.value(), c.tensor());
        if (t != null) {
          if (t.dtype() != c.tensor().dtype() || t.numel() != c.tensor().numel()) {
            throw new IllegalStateException("a relaid-out %" + c.value().name() + " must keep its dtype and size");
          }
          stored = t;
          relaidOut.add(c.value());
        }
      }
      weights.computeIfAbsent(a, k -> new ArrayList<>()).add(stored);
      next.put(a, Math.addExact(offset, c.tensor().numel()));
    }
    sizes.putAll(next);
  }

  private void layOutDerived(DerivedConstants derivedConstants) {
    for (Node n : graph.nodes()) {
      Tensor t = derivedConstants.derive(n);
      if (t == null) {
        continue;
      }
      Arena a = switch (Arena.of(t.dtype(), true)) {
        case WEIGHTS_I8 -> Arena.TABLES_I8;
        case WEIGHTS_I32 -> Arena.WEIGHTS_I32;
        default -> throw new IllegalStateException("node %" + n.name() + " derives a constant of " + t.type()
            + "; derived constants are 8-bit tables or i32");
      };
      int offset = sizes.getOrDefault(a, 0);
      derived.put(n, new Slot(a, offset, t.type()));
      weights.computeIfAbsent(a, k -> new ArrayList<>()).add(t);
      sizes.put(a, Math.addExact(offset, t.numel()));
    }
  }

  private void planScratch(WorkspaceSizes workspaceSizes) {
    List<Node> nodes = graph.nodes();
    int steps = nodes.size();
    Map<Value, int[]> life = new java.util.LinkedHashMap<>();
    Value input = graph.inputs().get(0);
    life.put(input, new int[] {0, steps});
    for (int s = 0; s < steps; s++) {
      Node n = nodes.get(s);
      for (Value r : n.results()) {
        life.put(r, new int[] {s, s});
      }
      for (Value in : n.inputValues()) {
        int[] l = life.get(in);
        if (l != null) {
          l[1] = Math.max(l[1], s);
        }
      }
    }
    for (Value out : graph.outputs()) {
      life.get(out)[1] = steps;
    }
    Map<Arena, List<Interval>> byArena = new EnumMap<>(Arena.class);
    Map<Integer, Value> ids = new HashMap<>();
    int id = 0;
    for (Map.Entry<Value, int[]> e : life.entrySet()) {
      Arena a = arena(e.getKey(), false);
      ids.put(id, e.getKey());
      byArena.computeIfAbsent(a, k -> new ArrayList<>())
          .add(new Interval(id, e.getValue()[0], e.getValue()[1], e.getKey().type().numel()));
      id++;
    }
    Map<Integer, Node> workspaceIds = new HashMap<>();
    for (Arena a : List.of(Arena.SCRATCH_I32, Arena.SCRATCH_F32)) {
      for (int s = 0; s < steps; s++) {
        int elements = workspaceSizes.elements(nodes.get(s), a);
        if (elements > 0) {
          workspaceIds.put(id, nodes.get(s));
          byArena.computeIfAbsent(a, k -> new ArrayList<>()).add(new Interval(id, s, s, elements));
          id++;
        }
      }
    }
    MemoryPlanner planner = new MemoryPlanner(1);
    for (Map.Entry<Arena, List<Interval>> e : byArena.entrySet()) {
      // Deterministic order regardless of hashing: plan sorts by size, first use, then id.
      MemoryPlan plan = planner.plan(e.getValue());
      for (Interval i : e.getValue()) {
        Node owner = workspaceIds.get(i.id());
        if (owner != null) {
          workspaces.computeIfAbsent(e.getKey(), k -> new IdentityHashMap<>())
              .put(owner, Math.toIntExact(plan.offset(i.id())));
          continue;
        }
        Value v = ids.get(i.id());
        slots.put(v, new Slot(e.getKey(), Math.toIntExact(plan.offset(i.id())), v.type()));
      }
      sizes.put(e.getKey(), Math.toIntExact(plan.peakBytes()));
      peakScratchBytes += plan.peakBytes() * e.getKey().elementBytes();
    }
  }

  /** The arena of {@code v}, or a failure naming the value and its unsupported dtype. */
  private static Arena arena(Value v, boolean weights) {
    try {
      return Arena.of(v.type().dtype(), weights);
    } catch (QforgeException e) {
      throw new QforgeException("%" + v.name() + " is " + v.type() + ": " + e.getMessage());
    }
  }

  public Graph graph() {
    return graph;
  }

  /** Where {@code v} lives. */
  public Slot slot(Value v) {
    Slot s = slots.get(v);
    if (s == null) {
      throw new IllegalStateException("value %" + v.name() + " has no slot");
    }
    return s;
  }

  /** True if constant {@code v} is stored in its reader's order ({@link ConstantLayouts}), not the graph's. */
  public boolean relaidOut(Value v) {
    return relaidOut.contains(v);
  }

  /** Where the constant {@code node}'s kernel derived is, or null if it derived none ({@link DerivedConstants}). */
  public Slot derivedConstant(Node node) {
    return derived.get(node);
  }

  /** The element offset in {@link Arena#SCRATCH_I32} of {@code node}'s int workspace. */
  public int workspaceOffset(Node node) {
    return workspaceOffset(node, Arena.SCRATCH_I32);
  }

  /** The element offset in {@code arena} of {@code node}'s workspace there. */
  public int workspaceOffset(Node node, Arena arena) {
    Integer offset = workspaces.getOrDefault(arena, Map.of()).get(node);
    if (offset == null) {
      throw new IllegalStateException("node %" + node.name() + " has no workspace in " + arena);
    }
    return offset;
  }

  /** Elements in each arena (0 if unused). */
  public int size(Arena a) {
    return sizes.getOrDefault(a, 0);
  }

  /** The constants in a weights arena (the tables in {@link Arena#TABLES_I8}), in layout order. */
  public List<Tensor> weights(Arena a) {
    return weights.getOrDefault(a, List.of());
  }

  /**
   * Bytes the weights arenas hold once loaded (all instances share them): the graph's constants and
   * the i32 constants derived from them, lookup tables not included.
   */
  public long weightBytes() {
    long bytes = 0;
    for (Arena a : Arena.values()) {
      if (a.isWeights() && a != Arena.TABLES_I8) {
        bytes += (long) size(a) * a.elementBytes();
      }
    }
    return bytes;
  }

  /** Bytes of the 8-bit weights (the int8 arena) among {@link #weightBytes}. */
  public long int8WeightBytes() {
    return size(Arena.WEIGHTS_I8);
  }

  /** Bytes the lookup tables take ({@link DerivedConstants}, {@link Arena#TABLES_I8}). */
  public long lookupTableBytes() {
    return size(Arena.TABLES_I8);
  }

  /** Bytes of scratch memory one model instance needs. */
  public long peakScratchBytes() {
    return peakScratchBytes;
  }
}
