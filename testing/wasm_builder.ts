/**
 * Test support: `abiModule()` writes a complete, runnable plugin (bump
 * `malloc`, no-op `free`, `get_name` and every hook answering fixed JSON
 * from data segments) that tests then break with overrides. The module
 * writer under it, `lib/wasm/wasm_writer.ts`, is re-exported for tests that
 * write a module by hand.
 *
 * @module
 */
import { EXPORT_SIGNATURES, HOOK_NAMES, type HookName, packPtrLen, PROFILES, type ValType } from "../lib/abi/abi.ts";
import {
  type Body,
  globalGet,
  globalSet,
  i32Const,
  i64Const,
  type ImportDesc,
  localGet,
  localSet,
  op,
  WasmBuilder,
} from "../lib/wasm/wasm_writer.ts";

export * from "../lib/wasm/wasm_writer.ts";

// ---------------------------------------------------------------------------
// A minimal, runnable ABI module
// ---------------------------------------------------------------------------

/** What an {@link abiModule} function body may use. */
export interface AbiContext {
  /** Places `text` in a data segment and returns where it is. */
  data(text: string | Uint8Array): { ptr: number; len: number; packed: bigint };
  /** Index of the mutable i32 global holding the bump allocator's next free address. */
  readonly heapGlobal: number;
}

/** A function of {@link abiModule}: a signature and a body (or a body built from the context). */
export interface AbiFunc {
  params: ValType[];
  results: ValType[];
  body: Body | ((ctx: AbiContext) => Body);
  locals?: ValType[];
}

/** Overrides of {@link abiModule}. */
export interface AbiModuleOptions {
  /** What `get_name` returns. Default `"test-plugin"`. */
  name?: string;
  /** Which HTTP hooks to export. Default `"both"`. */
  profile?: "legacy" | "current" | "both";
  /** Memory limits in pages, or `false` for no memory at all. Default `{min: 1}` (no maximum). */
  memory?: { min: number; max?: number; shared?: boolean } | false;
  /** Export the memory as `memory`. Default `true`. */
  exportMemory?: boolean;
  /** Arity of `free`. Default 2. */
  freeArity?: 1 | 2;
  /** The fixed JSON a hook returns. Defaults are empty "no change" answers. */
  outputs?: Partial<Record<HookName, string>>;
  /** Replaces or adds exported functions (e.g. a hook that traps, a wrong signature). */
  funcs?: Record<string, AbiFunc>;
  /** Exports to leave out (e.g. `["malloc"]`, `["memory"]`). */
  omit?: string[];
  /** Imports, added before everything else. */
  imports?: { module: string; name: string; desc: ImportDesc }[];
  /** Custom sections to append. */
  customs?: Record<string, Uint8Array>;
  /**
   * Called last, before the data segments: adds what the options do not
   * cover (a global exported as `malloc`, a start function, a second memory).
   */
  extend?: (b: WasmBuilder) => void;
}

/** The "no change" answer of each hook. */
export const DEFAULT_OUTPUTS: Record<HookName, string> = {
  http_intercept: `{"context":{},"request":null,"response":null,"has_response":false,"error":""}`,
  http_pre_hook: `{"context":{},"request":null,"response":null,"has_response":false,"error":""}`,
  http_post_hook: `{"context":{},"response":null,"error":""}`,
  http_stream_chunk_hook: `{"context":{},"chunk":null,"has_chunk":false,"skip":false,"error":""}`,
  pre_hook: `{"context":{},"request":null,"short_circuit":null,"has_short_circuit":false,"error":""}`,
  post_hook: `{"context":{},"response":null,"error":null,"has_error":false,"hook_error":""}`,
};

/** Where the data segments start; low memory stays zero so 0 is never a valid output pointer. */
const DATA_BASE = 16;

/**
 * Bump allocator: 8-byte aligned, grows memory when needed, traps when it
 * cannot. Param 0 = size, local 1 = old heap, local 2 = new heap.
 */
function mallocBody(heap: number): Body {
  const memBytes = [op.memory_size, i32Const(16), op.i32_shl];
  return [
    globalGet(heap),
    [op.local_tee, 1],
    localGet(0),
    op.i32_add,
    i32Const(7),
    op.i32_add,
    i32Const(-8),
    op.i32_and,
    localSet(2),
    op.block,
    localGet(2),
    ...memBytes,
    op.i32_le_u,
    [op.br_if, 0],
    localGet(2),
    ...memBytes,
    op.i32_sub,
    i32Const(0xffff),
    op.i32_add,
    i32Const(16),
    op.i32_shr_u,
    op.memory_grow,
    i32Const(-1),
    op.i32_ne,
    [op.br_if, 0],
    op.unreachable,
    op.end,
    localGet(2),
    globalSet(heap),
    localGet(1),
  ];
}

/**
 * A complete plugin that a host can load and call: exports `memory`,
 * `malloc` (bump allocator), `free` (no-op), `get_name`, `init` and
 * `cleanup` (return 0), and every hook of `profile` plus `pre_hook` and
 * `post_hook`, each returning its fixed JSON output. `funcs` replaces or
 * adds exports, `omit` removes them. With `memory: false` there is no
 * memory and no data: `malloc` returns 0 and outputs point nowhere.
 *
 * ```ts
 * import { abiModule, op } from "./wasm_builder.ts";
 * import assert from "node:assert/strict";
 * const bytes = abiModule({ funcs: { pre_hook: { params: ["i32", "i32"], results: ["i64"], body: [op.unreachable] } } });
 * const { instance } = await WebAssembly.instantiate(bytes as BufferSource);
 * const preHook = instance.exports.pre_hook as (ptr: number, len: number) => bigint;
 * assert.throws(() => preHook(0, 0), WebAssembly.RuntimeError);
 * ```
 */
export function abiModule(options: AbiModuleOptions = {}): Uint8Array {
  const b = new WasmBuilder();
  const imports = options.imports ?? [];
  for (const i of imports) b.import(i.module, i.name, i.desc);
  const importsMemory = imports.some((i) => i.desc.kind === "memory");

  const segments: { ptr: number; bytes: Uint8Array }[] = [];
  let next = DATA_BASE;
  const heapGlobal = b.nextGlobalIndex;
  const ctx: AbiContext = {
    heapGlobal,
    data(text) {
      const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
      const ptr = next;
      segments.push({ ptr, bytes });
      next = (next + bytes.length + 7) & ~7;
      return { ptr, len: bytes.length, packed: packPtrLen(ptr, bytes.length) };
    },
  };
  const constant = (packed: bigint): Body => [i64Const(packed)];

  const profile = options.profile ?? "both";
  const hooks = HOOK_NAMES.filter((h) =>
    h === "pre_hook" || h === "post_hook" ||
    (profile === "both" ? true : PROFILES[profile].includes(h))
  );
  const hasMemory = options.memory !== false || importsMemory;
  const funcs: Record<string, AbiFunc> = {
    malloc: hasMemory
      ? { ...EXPORT_SIGNATURES.malloc!, locals: ["i32", "i32"], body: mallocBody(heapGlobal) }
      : { ...EXPORT_SIGNATURES.malloc!, body: [i32Const(0)] },
    free: { params: options.freeArity === 1 ? ["i32"] : ["i32", "i32"], results: [], body: [] },
    get_name: { ...EXPORT_SIGNATURES.get_name!, body: (c) => constant(c.data(options.name ?? "test-plugin").packed) },
    init: { ...EXPORT_SIGNATURES.init!, body: [i32Const(0)] },
    cleanup: { ...EXPORT_SIGNATURES.cleanup!, body: [i32Const(0)] },
  };
  for (const h of hooks) {
    funcs[h] = {
      ...EXPORT_SIGNATURES[h]!,
      body: (c) => constant(c.data(options.outputs?.[h] ?? DEFAULT_OUTPUTS[h]).packed),
    };
  }
  Object.assign(funcs, options.funcs);
  const omit = new Set(options.omit ?? []);

  for (const [name, f] of Object.entries(funcs)) {
    if (omit.has(name)) continue;
    const body = typeof f.body === "function" ? f.body(ctx) : f.body;
    b.func(name, f.params, f.results, body, f.locals ? { locals: f.locals } : {});
  }

  const heapBase = (next + 7) & ~7;
  b.global("i32", true, [i32Const(heapBase)]);
  if (options.memory !== false && !importsMemory) {
    const { min = 1, max, shared = false } = options.memory ?? {};
    const exported = options.exportMemory !== false && !omit.has("memory");
    b.memory(min, max, { shared, ...(exported ? {} : { export: false }) });
  } else if (importsMemory && options.exportMemory !== false && !omit.has("memory")) {
    b.export("memory", "memory", 0);
  }
  options.extend?.(b);
  if (hasMemory) { for (const s of segments) b.data(s.ptr, s.bytes); }
  for (const [name, bytes] of Object.entries(options.customs ?? {})) b.custom(name, bytes);
  return b.build({ names: true });
}

/**
 * A `free(ptr, size)` for {@link abiModule}'s `funcs` that traps when given
 * the pointer it was given last, as dlmalloc does on a double free (it keeps
 * the last pointer at address 8, below the data segments).
 */
export const TRAP_ON_DOUBLE_FREE: AbiFunc = {
  params: ["i32", "i32"],
  results: [],
  body: [
    localGet(0),
    i32Const(8),
    op.i32_load,
    op.i32_ne,
    op.i32_eqz,
    op.if,
    op.unreachable,
    op.end,
    i32Const(8),
    localGet(0),
    op.i32_store,
  ],
};
