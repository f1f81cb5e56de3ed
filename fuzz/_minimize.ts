/**
 * Delta debugging of failing inputs: the smallest input that still fails
 * the same way, within a budget of attempts.
 *
 * `minimizeTree` works on the JSON tree: it removes members and elements,
 * replaces values with null or an empty value, halves strings, arrays and
 * nesting depths, greedily, restarting after every success. `minimizeBytes`
 * is classic ddmin over bytes, for inputs whose damage lives below the tree
 * (a truncation, a flipped bit).
 *
 * @module
 */
import { type Node, serialize, type Style } from "./_mutate.ts";

/** Whether a candidate still fails the same way. */
export type StillFails = (input: Uint8Array) => Promise<boolean>;

/** Result of a minimisation. */
export interface Minimized<T> {
  value: T;
  input: Uint8Array;
  attempts: number;
}

type Step = number | "inner";

/** The node at `path` under `root`. */
function nodeAt(root: Node, path: readonly Step[]): Node {
  let n = root;
  for (const s of path) {
    if (s === "inner") n = (n as Extract<Node, { k: "deep" }>).inner;
    else if (n.k === "obj") n = n.entries[s]![1];
    else n = (n as Extract<Node, { k: "arr" }>).items[s]!;
  }
  return n;
}

/** Every path in the tree, parents before children (huge arrays as a whole only). */
function paths(root: Node): Step[][] {
  const out: Step[][] = [];
  const walk = (n: Node, path: Step[]) => {
    out.push(path);
    if (out.length > 5000) return;
    if (n.k === "obj") n.entries.forEach((e, i) => walk(e[1], [...path, i]));
    else if (n.k === "arr" && n.items.length <= 64) n.items.forEach((item, i) => walk(item, [...path, i]));
    else if (n.k === "deep") walk(n.inner, [...path, "inner"]);
  };
  walk(root, []);
  return out;
}

/** Simpler versions of the node at `path`, each as a function that edits a copy of the root. */
function edits(root: Node, path: Step[]): ((copy: Node) => Node)[] {
  const n = nodeAt(root, path);
  const out: ((copy: Node) => Node)[] = [];
  const replace = (make: (old: Node) => Node) => (copy: Node): Node => {
    if (path.length === 0) return make(copy);
    const parent = nodeAt(copy, path.slice(0, -1));
    const last = path.at(-1)!;
    if (last === "inner") (parent as Extract<Node, { k: "deep" }>).inner = make(nodeAt(copy, path));
    else if (parent.k === "obj") parent.entries[last]![1] = make(parent.entries[last]![1]);
    else (parent as Extract<Node, { k: "arr" }>).items[last] = make(nodeAt(copy, path));
    return copy;
  };
  const last = path.at(-1);
  if (typeof last === "number") {
    out.push((copy) => {
      const parent = nodeAt(copy, path.slice(0, -1));
      if (parent.k === "obj") parent.entries.splice(last, 1);
      else (parent as Extract<Node, { k: "arr" }>).items.splice(last, 1);
      return copy;
    });
  }
  if (n.k === "deep") {
    out.push(replace((o) => (o as Extract<Node, { k: "deep" }>).inner));
    if (n.depth > 1) out.push(replace((o) => ({ ...(o as Extract<Node, { k: "deep" }>), depth: n.depth >> 1 })));
    if (n.depth > 1) out.push(replace((o) => ({ ...(o as Extract<Node, { k: "deep" }>), depth: n.depth - 1 })));
  }
  if (n.k === "arr" && n.items.length > 1) {
    out.push(replace(() => ({ k: "arr", items: n.items.slice(0, n.items.length >> 1) })));
    out.push(replace(() => ({ k: "arr", items: n.items.slice(n.items.length >> 1) })));
  }
  if (n.k === "str") {
    // Edits write the value with JSON.stringify: a raw escape survives only while nothing else works.
    if (n.raw !== undefined) out.push(replace(() => ({ k: "str", value: n.value })));
    const chars = [...n.value];
    if (chars.length > 1) {
      out.push(replace(() => ({ k: "str", value: chars.slice(0, chars.length >> 1).join("") })));
      out.push(replace(() => ({ k: "str", value: chars.slice(chars.length >> 1).join("") })));
    }
    if (chars.length > 1 && chars.length <= 64) {
      chars.forEach((_, i) =>
        out.push(replace(() => ({ k: "str", value: [...chars.slice(0, i), ...chars.slice(i + 1)].join("") })))
      );
    }
  }
  if (!(n.k === "lit" && n.raw === "null")) out.push(replace(() => ({ k: "lit", raw: "null" })));
  if (n.k === "obj" && n.entries.length) out.push(replace(() => ({ k: "obj", entries: [] })));
  if (n.k === "arr" && n.items.length) out.push(replace(() => ({ k: "arr", items: [] })));
  return out;
}

/** Shrinks `tree` (written in `style`) while `stillFails`; at most `budget` attempts. */
export async function minimizeTree(
  tree: Node,
  style: Style,
  stillFails: StillFails,
  budget = 2000,
): Promise<Minimized<Node>> {
  let current = tree;
  let attempts = 0;
  let progress = true;
  while (progress && attempts < budget) {
    progress = false;
    scan: for (const path of paths(current)) {
      for (const edit of edits(current, path)) {
        if (attempts >= budget) break scan;
        const candidate = edit(structuredClone(current));
        attempts++;
        if (await stillFails(serialize(candidate, style))) {
          current = candidate;
          progress = true;
          break scan;
        }
      }
    }
  }
  return { value: current, input: serialize(current, style), attempts };
}

/** ddmin over bytes: removes ever smaller chunks while `stillFails`; at most `budget` attempts. */
export async function minimizeBytes(
  input: Uint8Array,
  stillFails: StillFails,
  budget = 2000,
): Promise<Minimized<Uint8Array>> {
  let current = input;
  let chunks = 2;
  let attempts = 0;
  while (current.length > 1 && attempts < budget) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length && attempts < budget; start += size) {
      const candidate = new Uint8Array(current.length - Math.min(size, current.length - start));
      candidate.set(current.subarray(0, start));
      candidate.set(current.subarray(start + size), start);
      attempts++;
      if (await stillFails(candidate)) {
        current = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size === 1) break;
      chunks = Math.min(chunks * 2, current.length);
    }
  }
  return { value: current, input: current, attempts };
}
