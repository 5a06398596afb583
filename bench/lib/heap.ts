// Sums a V8 heap snapshot by what its objects are: constructor name for objects, the node type for the
// rest (strings, closures, code, arrays…), by self size. Enough to say which kind of object grows with
// tenants; DevTools opens the .heapsnapshot itself for retainers.
import { readFileSync } from 'node:fs';

export interface HeapSummary {
  totalMiB: number;
  nodes: number;
  /** The 40 largest groups by self size. */
  top: { name: string; count: number; selfMiB: number }[];
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export function summarizeHeap(file: string): HeapSummary {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const width = fields.length;
  const groups = new Map<string, { count: number; self: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const size = snap.nodes[i + sizeAt];
    total += size;
    const name = type === 'object' || type === 'native' ? `${type === 'native' ? 'native ' : ''}${snap.strings[snap.nodes[i + nameAt]]}` : `(${type})`;
    const g = groups.get(name) ?? { count: 0, self: 0 };
    g.count++;
    g.self += size;
    groups.set(name, g);
  }
  const MiB = 1024 * 1024;
  const top = [...groups]
    .sort((a, b) => b[1].self - a[1].self)
    .slice(0, 40)
    .map(([name, g]) => ({ name, count: g.count, selfMiB: Math.round((g.self / MiB) * 100) / 100 }));
  return { totalMiB: Math.round((total / MiB) * 10) / 10, nodes: snap.nodes.length / width, top };
}
