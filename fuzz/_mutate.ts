/**
 * Structure-aware mutation of hook inputs, deterministic by seed.
 *
 * Inputs are held as a JSON tree that keeps what `JSON.parse` loses:
 * duplicate keys, the exact text of numbers and of strings (escapes), and
 * raw byte tokens (invalid UTF-8, broken syntax). Each case starts from a
 * sample input of its hook and stacks one to four mutations: drop, duplicate
 * and retype fields, nulls everywhere, deep nesting, huge strings and
 * arrays, invalid UTF-8, bad base64 bodies, unicode edge cases, numbers at
 * the limits, unknown fields, escaped keys; sometimes a byte-level damage on
 * top. `generateCase(seed, index)` is a pure function of its arguments, so
 * any case can be regenerated from its number alone.
 *
 * @module
 */
import type { HookName } from "../lib/abi/abi.ts";
import { KIND_SAMPLES, SEED_POST_HOOK, SEED_PRE_HOOK } from "../lib/bench/inputs.ts";

// ---- PRNG ----

/** A small, fast, seedable PRNG (sfc32). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = 0) {
    this.#a = 0x9e3779b9;
    this.#b = seed >>> 0;
    this.#c = stream >>> 0;
    this.#d = 1;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---- the tree ----

/** A JSON value that keeps duplicate keys, the text of numbers and strings, and raw bytes. */
export type Node =
  | { k: "obj"; entries: [Str, Node][] }
  | { k: "arr"; items: Node[] }
  | Str
  | { k: "num"; raw: string }
  | { k: "lit"; raw: "true" | "false" | "null" }
  /** Bytes written verbatim: invalid UTF-8, broken syntax. */
  | { k: "bytes"; bytes: Uint8Array }
  /** `inner` nested `depth` times in arrays (`[`) or objects (`{"d":`), written without recursion. */
  | { k: "deep"; depth: number; open: "[" | "{"; inner: Node };

/** A string: its value, and the exact JSON text when it differs from `JSON.stringify(value)`. */
export type Str = { k: "str"; value: string; raw?: string };

const str = (value: string, raw?: string): Str => (raw === undefined ? { k: "str", value } : { k: "str", value, raw });
const num = (raw: string): Node => ({ k: "num", raw });
const NULL: Node = { k: "lit", raw: "null" };

/** The tree of a parsed JSON value. */
export function fromValue(v: unknown): Node {
  if (v === null) return NULL;
  if (typeof v === "boolean") return { k: "lit", raw: v ? "true" : "false" };
  if (typeof v === "number") return num(Object.is(v, -0) ? "-0" : String(v));
  if (typeof v === "string") return str(v);
  if (Array.isArray(v)) return { k: "arr", items: v.map(fromValue) };
  return { k: "obj", entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [str(k), fromValue(x)]) };
}

/** Layout of the written JSON. */
export type Style = "compact" | "spaced" | "pretty";

const encoder = new TextEncoder();

/** Writes a tree as bytes. */
export function serialize(node: Node, style: Style = "compact"): Uint8Array {
  const parts: (string | Uint8Array)[] = [];
  let text = "";
  const flush = () => {
    if (text) parts.push(text);
    text = "";
  };
  const colon = style === "compact" ? ":" : ": ";
  const comma = style === "compact" ? "," : style === "spaced" ? ", " : ",";
  const write = (n: Node, indent: string): void => {
    const inner = style === "pretty" ? `${indent}  ` : indent;
    const nl = style === "pretty" ? `\n${inner}` : "";
    const end = style === "pretty" ? `\n${indent}` : "";
    switch (n.k) {
      case "obj":
        text += "{";
        n.entries.forEach(([key, value], i) => {
          text += (i ? comma : "") + nl + (key.raw ?? JSON.stringify(key.value)) + colon;
          write(value, inner);
        });
        text += (n.entries.length ? end : "") + "}";
        return;
      case "arr":
        text += "[";
        n.items.forEach((item, i) => {
          text += (i ? comma : "") + nl;
          write(item, inner);
        });
        text += (n.items.length ? end : "") + "]";
        return;
      case "str":
        text += n.raw ?? JSON.stringify(n.value);
        return;
      case "num":
      case "lit":
        text += n.raw;
        return;
      case "bytes":
        flush();
        parts.push(n.bytes);
        return;
      case "deep":
        text += (n.open === "[" ? "[" : '{"d":').repeat(n.depth);
        write(n.inner, indent);
        text += (n.open === "[" ? "]" : "}").repeat(n.depth);
        return;
    }
  };
  write(node, "");
  flush();
  const chunks = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---- the corpus ----

const SEED_HTTP_PRE = {
  context: { request_id: "abc-123" },
  request: {
    method: "POST",
    path: "/v1/chat/completions",
    headers: { "Content-Type": "application/json" },
    query: {},
    body: "eyJtb2RlbCI6Im9wZW5haS9ncHQtNCJ9",
  },
};

const HTTP_POST = {
  context: { "request-id": "9f1c", http_intercepted: true },
  request: SEED_HTTP_PRE.request,
  response: {
    status_code: 200,
    headers: { "content-type": "application/json", "x-request-id": "9f1c" },
    body: "eyJpZCI6ImNoYXRjbXBsLTEifQ==",
  },
};

const CHUNK = {
  context: { request_id: "abc-123" },
  request: { method: "POST", path: "/v1/chat/completions", headers: null, query: null, body: null },
  chunk: {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o",
    choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }],
  },
};

const FIXTURES = new URL("../testdata/hello_world/", import.meta.url);

function fixture(name: string): unknown {
  return JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, FIXTURES)));
}

/** Sample inputs of each hook: the Rust example's, the hello-world fixtures, every request kind, and a few shaped to reach every branch. */
export function corpus(): Record<HookName, unknown[]> {
  const mock = structuredClone(SEED_PRE_HOOK);
  mock.request.model = "mock-model";
  const limited = structuredClone(SEED_PRE_HOOK);
  limited.request.model = "rate-limited-model";
  const postError = fixture("post_hook_error");
  return {
    http_pre_hook: [SEED_HTTP_PRE, fixture("http_pre_hook")],
    http_intercept: [SEED_HTTP_PRE],
    http_post_hook: [HTTP_POST],
    http_stream_chunk_hook: [CHUNK, fixture("stream_chunk")],
    pre_hook: [SEED_PRE_HOOK, fixture("pre_hook_rich"), mock, limited, ...KIND_SAMPLES.pre_hook],
    post_hook: [SEED_POST_HOOK, fixture("post_hook_rich"), postError, ...KIND_SAMPLES.post_hook],
  };
}

// ---- mutations ----

/** A place in the tree: the node, and how to replace or remove it. */
interface Site {
  path: string;
  node: Node;
  set(n: Node): void;
  remove?(): void;
  /** The key, when the node is an object member's value. */
  key?: Str;
  /** The containing object's entries, when the node is a member's value. */
  siblings?: [Str, Node][];
}

/** Up to `limit` sites, sampled evenly over a pre-order walk (the elements of huge arrays are not sites). */
function sites(root: { value: Node }, limit = 400): Site[] {
  const out: Site[] = [];
  const visit = (node: Node, path: string, set: (n: Node) => void, extra: Partial<Site>) => {
    out.push({ path, node, set, ...extra });
    if (out.length > limit * 4) return;
    if (node.k === "obj") {
      node.entries.forEach((entry) => {
        visit(entry[1], `${path}.${entry[0].value}`, (n) => (entry[1] = n), {
          remove: () => node.entries.splice(node.entries.indexOf(entry), 1),
          key: entry[0],
          siblings: node.entries,
        });
      });
    } else if (node.k === "arr" && node.items.length <= 64) {
      // Huge arrays repeat one item by reference: a change inside one would change them all.
      for (let i = 0; i < node.items.length; i++) {
        const item = node.items[i]!;
        visit(item, `${path}[${i}]`, (n) => (node.items[node.items.indexOf(item)] = n), {
          remove: () => node.items.splice(node.items.indexOf(item), 1),
        });
      }
    }
  };
  visit(root.value, "$", (n) => (root.value = n), {});
  if (out.length <= limit) return out;
  const step = out.length / limit;
  return Array.from({ length: limit }, (_, i) => out[Math.floor(i * step)]!);
}

const NUMBERS = [
  "0",
  "-0",
  "-0.0",
  "1e308",
  "1.7976931348623157e308",
  "1e309",
  "-1e309",
  "5e-324",
  "1e-400",
  "9007199254740993",
  "12345678901234567890",
  "-9223372036854775809",
  "1E+2",
  "0.1e1",
  "123456789012345678901234567890.5e-3",
  "1".repeat(400),
  "2147483648",
  "-2147483649",
  "4294967296",
];

/** Strings at the edges of Unicode and of JSON escaping, with the raw JSON text where escapes matter. */
const UNICODE: [string, string?][] = [
  ["\ud800", '"\\ud800"'],
  ["\udfff", '"\\udfff"'],
  ["a\udc00b", '"a\\udc00b"'],
  ["\ud83d\ude80", '"\\ud83d\\ude80"'],
  ["🚀 emoji 👩‍👩‍👧 flags 🇫🇷"],
  ["nul \u0000 inside", '"nul \\u0000 inside"'],
  ["\u0000"],
  ["rtl \u202e override \u202c and \u200f mark"],
  ["bom \ufeff and \uffff and \ufffe"],
  ["line \u2028 para \u2029"],
  ["combining e\u0301\u0301\u0301"],
  ["A", '"\\u0041"'],
  ["/", '"\\/"'],
  ['quote " backslash \\ tab \t cr \r'],
  ["\u{10ffff} max"],
  ["日本語のテキスト"],
  [""],
  ["a/b", '"a\\/b"'],
  ['abc"def😀 failed'],
  ["\n😀"],
  ["x\t😀😀😀😀😀😀😀😀"],
  ['"😀"'],
  ["\\😀\\👍🏽"],
];

/** Byte sequences that are not UTF-8. */
const INVALID_UTF8: number[][] = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
  [0xfe],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];

const BAD_BASE64 = ["!!", "abc", "ab=c", "====", " YWJj", "YWJj\n", "YW Jj", "YWJj====", "-_-_", "Zg", "Zg="];

const MODELS = ["mock-model", "rate-limited-model", "mock-model ", "Mock-Model", "gpt-4o", ""];

/** Bifrost's request types the SDK knows, and some it does not. */
const REQUEST_TYPES = [
  "chat_completion",
  "chat_completion_stream",
  "text_completion",
  "text_completion_stream",
  "responses",
  "responses_stream",
  "embedding",
  "list_models",
  "speech",
  "",
];
const REQUEST_WRAPPERS = [
  "chat_request",
  "TextCompletionRequest",
  "responses_request",
  "EmbeddingRequest",
  "list_models_request",
];
const RESPONSE_WRAPPERS = [
  "chat_response",
  "text_completion_response",
  "ResponsesResponse",
  "embedding_response",
  "list_models_response",
];

const ODD_KEYS = ["", "__proto__", "constructor", "Context", "context ", "ключ", "🔑", "a.b", "x\u0000y", "toString"];

/** A random small JSON value, of any kind. */
function randomValue(rng: Rng, depth = 0): Node {
  switch (rng.int(depth > 2 ? 5 : 7)) {
    case 0:
      return NULL;
    case 1:
      return { k: "lit", raw: rng.chance(0.5) ? "true" : "false" };
    case 2:
      return num(rng.pick(NUMBERS));
    case 3: {
      const [value, raw] = rng.pick(UNICODE);
      return str(value, raw);
    }
    case 4:
      return str(`s${rng.int(1000)}`);
    case 5:
      return { k: "arr", items: Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1)) };
    default:
      return {
        k: "obj",
        entries: Array.from({ length: rng.int(4) }, (_, i) => [str(`k${i}`), randomValue(rng, depth + 1)]),
      };
  }
}

function kindOf(n: Node): string {
  return n.k === "lit" ? (n.raw === "null" ? "null" : "bool") : n.k;
}

/** A value of another kind than `n`. */
function otherKind(rng: Rng, n: Node): Node {
  for (let i = 0; i < 10; i++) {
    const v = randomValue(rng);
    if (kindOf(v) !== kindOf(n)) return v;
  }
  return n.k === "str" ? num("1") : str("x");
}

/** A long string: plain, multi-byte, escape-heavy or mixed. */
function hugeString(rng: Rng, size: number): Str {
  const unit = rng.pick(["abcdefgh", "é中🚀", 'q"\\\n\u0000', "x\u00e9 \ud83d\ude00 \t"]);
  const value = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  return str(value);
}

type Mutator = (rng: Rng, root: { value: Node }, hook: HookName) => string | undefined;

/** Picks a site, preferring ones that pass `want`. */
function pickSite(rng: Rng, root: { value: Node }, want: (s: Site) => boolean = () => true): Site | undefined {
  const all = sites(root);
  const good = all.filter(want);
  return good.length ? rng.pick(good) : undefined;
}

/** A site at `path` (dotted keys from the root), when it exists. */
function at(root: { value: Node }, path: string): Site | undefined {
  return sites(root, 100_000).find((s) => s.path === path);
}

const MUTATORS: Record<string, Mutator> = {
  drop(rng, root) {
    const s = pickSite(rng, root, (x) => x.remove !== undefined);
    s?.remove?.();
    return s && `drop ${s.path}`;
  },
  duplicate(rng, root) {
    const s = pickSite(rng, root, (x) => x.siblings !== undefined);
    if (!s?.siblings || !s.key) return undefined;
    const value = rng.chance(0.5) ? s.node : randomValue(rng);
    const i = s.siblings.findIndex((e) => e[1] === s.node);
    s.siblings.splice(rng.chance(0.5) ? i : i + 1, 0, [s.key, value]);
    return `duplicate ${s.path}`;
  },
  retype(rng, root) {
    const s = pickSite(rng, root);
    s?.set(otherKind(rng, s.node));
    return s && `retype ${s.path}`;
  },
  nullify(rng, root) {
    const s = pickSite(rng, root, (x) => x.path !== "$");
    s?.set(NULL);
    return s && `null ${s.path}`;
  },
  nullsEverywhere(rng, root) {
    for (const s of sites(root, 100_000)) if (s.path !== "$" && rng.chance(0.5)) s.set(NULL);
    return "nulls everywhere";
  },
  deepNest(rng, root) {
    const s = pickSite(rng, root);
    if (!s) return undefined;
    const depth = rng.pick([2, 50, 510, 511, 512, 513, 600, 5000, 100_000]);
    s.set({ k: "deep", depth, open: rng.chance(0.5) ? "[" : "{", inner: s.node });
    return `nest ${s.path} ${depth} deep`;
  },
  hugeString(rng, root) {
    const size = rng.pick([4096, 65_536, 300_000, 1 << 20, 3 << 20]);
    const s = pickSite(rng, root, (x) => x.node.k === "str") ?? pickSite(rng, root, (x) => x.path !== "$");
    s?.set(hugeString(rng, size));
    return s && `huge string (${size} chars) at ${s.path}`;
  },
  hugeArray(rng, root) {
    const s = pickSite(rng, root, (x) => x.node.k === "arr") ?? pickSite(rng, root, (x) => x.path !== "$");
    if (!s) return undefined;
    const first = s.node.k === "arr" ? s.node.items[0] : undefined;
    // A small item only: a huge string repeated 200,000 times is no longer a test of the plugin.
    const item = first && serialize(first).length <= 256 ? first : randomValue(rng, 3);
    // At most ~20 MB: a large input whose size is in its items, not one string (hugeInput grows strings to 100 MiB),
    // short of what the fuzzer's memory cap can hold. The SDK takes inputs of up to 512 MiB by default.
    const n = Math.min(rng.pick([1000, 20_000, 200_000]), Math.floor(20e6 / (serialize(item).length + 1)));
    s.set({ k: "arr", items: Array.from({ length: n }, () => item) });
    return `huge array (${n}) at ${s.path}`;
  },
  hugeInput(rng, root) {
    // Inputs as large as Bifrost's default 100 MiB request limit: one string grown to most of the input.
    const bytes = rng.pick([17 << 20, 40 << 20, 100 << 20]);
    const s = pickSite(rng, root, (x) => x.node.k === "str") ?? pickSite(rng, root, (x) => x.path !== "$");
    if (!s) return undefined;
    // 8 bytes of ASCII per repeat, or 9 of UTF-8 (2, 3 and 4-byte sequences).
    s.set(str(rng.chance(0.5) ? "abcdefgh".repeat(bytes >> 3) : "é中🚀".repeat(Math.floor(bytes / 9))));
    return `huge input (a ${bytes >> 20} MiB string at ${s.path})`;
  },
  unicode(rng, root) {
    const s = pickSite(rng, root, (x) => x.node.k === "str" || x.key !== undefined);
    if (!s) return undefined;
    const [value, raw] = rng.pick(UNICODE);
    if (s.key && (s.node.k !== "str" || rng.chance(0.3))) {
      const entry = s.siblings!.find((e) => e[1] === s.node)!;
      entry[0] = str(s.key.value + value); // JSON.stringify escapes lone surrogates and controls
      return `unicode key at ${s.path}`;
    }
    const base = s.node.k === "str" ? s.node.value : "";
    s.set(raw === undefined ? str(base + value) : str(base + value, JSON.stringify(base).slice(0, -1) + raw.slice(1)));
    return `unicode ${JSON.stringify(value).slice(0, 20)} at ${s.path}`;
  },
  invalidUtf8(rng, root) {
    const s = pickSite(rng, root, (x) => x.node.k === "str") ?? pickSite(rng, root);
    if (!s) return undefined;
    const bad = rng.pick(INVALID_UTF8);
    const text = s.node.k === "str" ? s.node.value : "x";
    const cut = rng.int(text.length + 1);
    const before = encoder.encode(JSON.stringify(text.slice(0, cut)).slice(0, -1));
    const after = encoder.encode(JSON.stringify(text.slice(cut)).slice(1));
    s.set({ k: "bytes", bytes: new Uint8Array([...before, ...bad, ...after]) });
    return `invalid UTF-8 ${bad.map((b) => b.toString(16)).join(" ")} at ${s.path}`;
  },
  numbers(rng, root) {
    const s = pickSite(rng, root, (x) => x.node.k === "num") ?? pickSite(rng, root, (x) => x.path !== "$");
    const raw = rng.pick(NUMBERS);
    s?.set(num(raw));
    return s && `number ${raw.slice(0, 24)} at ${s.path}`;
  },
  unknownFields(rng, root) {
    const s = pickSite(rng, root, (x) => x.node.k === "obj");
    if (!s || s.node.k !== "obj") return undefined;
    const key = rng.chance(0.5) ? rng.pick(ODD_KEYS) : `unknown_${rng.int(100)}`;
    s.node.entries.splice(rng.int(s.node.entries.length + 1), 0, [str(key), randomValue(rng)]);
    return `unknown field ${JSON.stringify(key)} in ${s.path}`;
  },
  escapedKey(rng, root) {
    const s = pickSite(rng, root, (x) => x.key !== undefined && /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(x.key.value));
    if (!s?.key) return undefined;
    const entry = s.siblings!.find((e) => e[1] === s.node)!;
    const chars = [...s.key.value];
    const i = rng.int(chars.length);
    const escaped = chars.map((c, j) => (j === i ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c));
    entry[0] = str(s.key.value, `"${escaped.join("")}"`);
    return `escaped key ${s.path}`;
  },
  badBase64(rng, root, hook) {
    const paths = hook === "http_post_hook" ? ["$.response.body", "$.request.body"] : ["$.request.body"];
    const s = at(root, rng.pick(paths));
    if (!s) return undefined;
    s.set(rng.chance(0.8) ? str(rng.pick(BAD_BASE64)) : otherKind(rng, s.node));
    return `bad base64 at ${s.path}`;
  },
  /** The signals the SDK tells a request's kind by: the context's request type, a wrapper key, a RequestType field. */
  kind(rng, root, hook) {
    if (hook !== "pre_hook" && hook !== "post_hook") return undefined;
    const field = hook === "pre_hook" ? "request" : "response";
    const target = at(root, `$.${field}`);
    const context = at(root, "$.context");
    const op = rng.int(3);
    if (op === 0 && context?.node.k === "obj") {
      const value = rng.chance(0.8) ? str(rng.pick(REQUEST_TYPES)) : randomValue(rng);
      context.node.entries.push([str("bifrost-http-request-type"), value]);
      return `kind: request type ${
        serialize(value).length > 40 ? "(long)" : new TextDecoder().decode(serialize(value))
      }`;
    }
    if (!target || target.node.k !== "obj") return undefined;
    if (op === 1) {
      const key = rng.pick(hook === "pre_hook" ? REQUEST_WRAPPERS : RESPONSE_WRAPPERS);
      target.set({ k: "obj", entries: [[str(key), target.node]] });
      return `kind: wrap in ${key}`;
    }
    target.node.entries.unshift([str(rng.chance(0.5) ? "RequestType" : "request_type"), str(rng.pick(REQUEST_TYPES))]);
    return "kind: RequestType field";
  },
  model(rng, root, hook) {
    if (hook !== "pre_hook") return undefined;
    // The model where the request's fields are: flat, or under a wrapper key.
    const s = pickSite(rng, root, (x) => /^\$\.request(\.[A-Za-z_]+)?\.model$/.test(x.path));
    const model = rng.pick(MODELS);
    s?.set(rng.chance(0.3) ? str(model, JSON.stringify(model).replace("-", "\\u002d")) : str(model));
    const id = at(root, "$.context.request_id");
    if (id && rng.chance(0.5)) id.set(rng.chance(0.5) ? randomValue(rng) : hugeString(rng, 1000));
    return s && `model ${JSON.stringify(model)}`;
  },
  /** Unicode and escapes in the strings the plugin reads and writes back. */
  readFields(rng, root, hook) {
    const paths = hook === "pre_hook"
      ? ["$.request.model", "$.context.request_id", "$.context.request-id"]
      : hook === "post_hook"
      ? [...RESPONSE_WRAPPERS.map((w) => `$.response.${w}.model`), "$.response.model", "$.error.error.message"]
      : ["$.context.request_id"];
    const s = at(root, rng.pick(paths));
    if (!s) return undefined;
    const parts = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(UNICODE));
    const prefix = "x".repeat(rng.int(9));
    const value = prefix + parts.map(([v]) => v).join("");
    const raw = `"${prefix}${parts.map(([v, r]) => (r ?? JSON.stringify(v)).slice(1, -1)).join("")}"`;
    s.set(str(value, raw));
    return `unicode in ${s.path}`;
  },
  postOutcome(rng, root, hook) {
    if (hook !== "post_hook") return undefined;
    const flag = at(root, "$.has_error");
    flag?.set(rng.pick<Node>([{ k: "lit", raw: "true" }, { k: "lit", raw: "false" }, NULL, str("true"), num("1")]));
    const error = at(root, "$.error");
    error?.set(
      rng.pick<Node>([
        fromValue({}),
        NULL,
        fromValue({ error: null }),
        fromValue({ error: { message: 5 } }),
        fromValue({ error: { message: "boom", type: "x", code: "500" }, status_code: 503 }),
        fromValue({ error: "text" }),
        randomValue(rng),
      ]),
    );
    return "post outcome";
  },
};

const MUTATOR_NAMES = Object.keys(MUTATORS);
/** The heavy mutators run rarely: each case stays cheap on average. */
const HEAVY = new Set(["hugeString", "hugeArray", "hugeInput"]);
/** Of the heavy ones, inputs of tens of MiB more rarely still (about one case in 2,000). */
const HUGE_INPUT_CHANCE = 0.1;

/** Damage at the byte level, after serialising. */
function damageBytes(rng: Rng, bytes: Uint8Array): [Uint8Array, string] {
  const at = rng.int(bytes.length + 1);
  switch (rng.int(6)) {
    case 0:
      return [bytes.slice(0, at), `truncate at ${at}`];
    case 1: {
      const out = bytes.slice();
      const i = Math.min(at, out.length - 1);
      if (out.length) out[i] = out[i]! ^ (1 << rng.int(8));
      return [out, `flip a bit at ${at}`];
    }
    case 2: {
      const bad = rng.pick(INVALID_UTF8);
      return [new Uint8Array([...bytes.slice(0, at), ...bad, ...bytes.slice(at)]), `insert invalid UTF-8 at ${at}`];
    }
    case 3:
      return [new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]), "byte order mark"];
    case 4:
      return [
        new Uint8Array([...bytes, ...encoder.encode(rng.pick([" ", "\n", "x", "}", ",{}", "\u0000"]))]),
        "trailing",
      ];
    default:
      return [new Uint8Array([...bytes.slice(0, at), rng.int(0x20), ...bytes.slice(at)]), `control byte at ${at}`];
  }
}

/** One generated case. */
export interface FuzzCase {
  index: number;
  hook: HookName;
  /** The mutations applied, in order. */
  mutations: string[];
  tree: Node;
  style: Style;
  /** The input bytes (the tree serialised, then damaged when `mutations` says so). */
  input: Uint8Array;
}

/** Hooks by weight: the legacy alias rarely (it is the same function as http_pre_hook). */
const HOOKS: HookName[] = [
  "pre_hook",
  "pre_hook",
  "post_hook",
  "post_hook",
  "http_pre_hook",
  "http_post_hook",
  "http_stream_chunk_hook",
  "pre_hook",
  "post_hook",
  "http_stream_chunk_hook",
  "http_pre_hook",
  "http_intercept",
];

let cachedCorpus: Record<HookName, unknown[]> | undefined;

/** Case `index` of the run seeded with `seed`. */
export function generateCase(seed: number, index: number): FuzzCase {
  const rng = new Rng(seed, index);
  const hook = rng.pick(HOOKS);
  cachedCorpus ??= corpus();
  const root = { value: fromValue(structuredClone(rng.pick(cachedCorpus[hook]))) };
  const mutations: string[] = [];
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    let name = rng.pick(MUTATOR_NAMES);
    if (HEAVY.has(name) && !rng.chance(0.1)) name = rng.pick(MUTATOR_NAMES.filter((m) => !HEAVY.has(m)));
    else if (name === "hugeInput" && !rng.chance(HUGE_INPUT_CHANCE)) name = "hugeString";
    const done = MUTATORS[name]!(rng, root, hook);
    if (done) mutations.push(done);
  }
  const style = rng.pick<Style>(["compact", "compact", "spaced", "pretty"]);
  let input: Uint8Array;
  try {
    input = serialize(root.value, style);
  } catch (e) {
    throw new Error(`${(e as Error).message} after ${mutations.join(" | ")}`, { cause: e });
  }
  if (rng.chance(0.08)) {
    const [damaged, what] = damageBytes(rng, input);
    input = damaged;
    mutations.push(what);
  }
  return { index, hook, mutations, tree: root.value, style, input };
}
