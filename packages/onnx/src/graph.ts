import { OnnxError } from './errors.ts';
import { int64ToNumber, type GraphProto, type Int64, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';

function graphOf(model: ModelProto): GraphProto {
  if (!model.graph) throw new OnnxError('BAD_GRAPH', 'model has no graph');
  return model.graph;
}

/** Map from tensor name to the node that produces it (graph inputs and initializers have none). */
export function producers(graph: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) m.set(o, n);
  return m;
}

/** Map from tensor name to the nodes that read it (in graph order). */
export function consumers(graph: GraphProto): Map<string, NodeProto[]> {
  const m = new Map<string, NodeProto[]>();
  for (const n of graph.node ?? []) {
    for (const i of n.input ?? []) {
      if (!i) continue;
      const list = m.get(i);
      if (list) { if (!list.includes(n)) list.push(n); } else m.set(i, [n]);
    }
  }
  return m;
}

/** Map from initializer name to TensorProto. */
export function initializerMap(graph: GraphProto): Map<string, TensorProto> {
  return new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
}

/** Graph inputs that are not initializers (the real model inputs). */
export function realInputs(graph: GraphProto): ValueInfoProto[] {
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? []).filter((i) => !inits.has(i.name));
}

/**
 * Nodes in topological order (Kahn's algorithm, stable with respect to the graph's own order).
 * @throws OnnxError BAD_GRAPH when the graph has a cycle or a node reads a tensor nothing defines.
 */
export function topologicalOrder(graph: GraphProto): NodeProto[] {
  const nodes = graph.node ?? [];
  const available = new Set<string>(['']);
  for (const i of graph.input ?? []) available.add(i.name ?? '');
  for (const t of graph.initializer ?? []) available.add(t.name ?? '');
  const prod = producers(graph);
  const pending = new Map<NodeProto, number>();
  const waiting = new Map<string, NodeProto[]>();
  const ready: NodeProto[] = [];
  for (const n of nodes) {
    let missing = 0;
    for (const i of new Set(n.input ?? [])) {
      if (available.has(i)) continue;
      if (!prod.has(i)) throw new OnnxError('BAD_GRAPH', `node '${n.name}' (${n.opType}) reads '${i}', which no node, input or initializer defines`);
      missing++;
      const w = waiting.get(i);
      if (w) w.push(n); else waiting.set(i, [n]);
    }
    pending.set(n, missing);
    if (missing === 0) ready.push(n);
  }
  const order: NodeProto[] = [];
  const index = new Map(nodes.map((n, i) => [n, i]));
  while (ready.length) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const n = ready.shift()!;
    order.push(n);
    for (const o of n.output ?? []) {
      for (const c of waiting.get(o) ?? []) {
        const left = pending.get(c)! - 1;
        pending.set(c, left);
        if (left === 0) ready.push(c);
      }
    }
  }
  if (order.length !== nodes.length) throw new OnnxError('BAD_GRAPH', `graph has a cycle: ${nodes.length - order.length} nodes never become ready`);
  return order;
}

/**
 * Adds tensors as extra graph outputs (e.g. to read activations during calibration). Tensors that are
 * already outputs are left alone. The element type is taken from value_info when known, else float32.
 */
export function addGraphOutputs(model: ModelProto, names: readonly string[]): void {
  const graph = graphOf(model);
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const infos = new Map((graph.valueInfo ?? []).map((v) => [v.name, v]));
  graph.output = graph.output ?? [];
  for (const name of names) {
    if (existing.has(name)) continue;
    graph.output.push(infos.get(name) ?? { name, type: { tensorType: { elemType: 1 } } });
    existing.add(name);
  }
}

/** Adds or replaces an initializer by name. */
export function setInitializer(graph: GraphProto, tensor: TensorProto): void {
  const list = (graph.initializer ?? []).filter((t) => t.name !== tensor.name);
  list.push(tensor);
  graph.initializer = list;
  // An initializer that is also listed as a graph input keeps that listing (IR < 4 style); nothing to do.
}

/** Removes initializers that no node reads and that are not graph outputs; returns how many were removed. */
export function removeUnusedInitializers(graph: GraphProto): number {
  const used = new Set<string>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) used.add(i);
  for (const o of graph.output ?? []) used.add(o.name ?? '');
  const all = graph.initializer ?? [];
  const removed = new Set(all.filter((t) => !used.has(t.name ?? '')).map((t) => t.name));
  graph.initializer = all.filter((t) => !removed.has(t.name));
  // An initializer also listed as a graph input (IR < 4 style) loses that listing too.
  graph.input = (graph.input ?? []).filter((i) => !removed.has(i.name));
  return removed.size;
}

/** Shape of a value as dims (number for fixed, string for symbolic, null for unknown); undefined when no type is recorded. */
export function valueShape(v: ValueInfoProto): (number | string | null)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? int64ToNumber(d.dimValue as Int64) : null));
}

/** Returns a name not used by any tensor or node in the graph, based on `base`. */
export function uniqueNamer(graph: GraphProto): (base: string) => string {
  const used = new Set<string>();
  for (const n of graph.node ?? []) {
    if (n.name) used.add(n.name);
    for (const x of [...(n.input ?? []), ...(n.output ?? [])]) used.add(x);
  }
  for (const t of graph.initializer ?? []) used.add(t.name ?? '');
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) used.add(v.name ?? '');
  return (base: string) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}
