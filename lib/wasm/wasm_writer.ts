/**
 * Writes WebAssembly binaries from a small JS description: the counterpart
 * of `wasm_binary.ts`, which reads them. The benchmark writes its host-floor
 * plugin with it; tests write modules that break the plugin ABI in one
 * precise way (`testing/wasm_builder.ts`).
 *
 * ```ts
 * import { i64Const, WasmBuilder } from "./wasm_writer.ts";
 * import { parseWasm } from "./wasm_binary.ts";
 * import assert from "node:assert/strict";
 * const bytes = new WasmBuilder()
 *   .memory(1, 2)
 *   .func("pre_hook", ["i32", "i32"], ["i64"], [i64Const(0)])
 *   .build();
 * assert.deepEqual(parseWasm(bytes).exports.map((e) => e.name), ["memory", "pre_hook"]);
 * ```
 *
 * @module
 */
import type { Signature, ValType } from "../abi/abi.ts";
import { sleb128 as sleb, uleb128 as uleb } from "./wasm_binary.ts";

// ---------------------------------------------------------------------------
// Encoding primitives
// ---------------------------------------------------------------------------

/** LEB128 encoders, re-exported under short names for function bodies. */
export { sleb, uleb };

/** A UTF-8 string as a wasm `name`: length then bytes. */
export function str(text: string): number[] {
  const b = new TextEncoder().encode(text);
  return [...uleb(b.length), ...b];
}

/** A wasm vector: count then the concatenated items. */
export function vec(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A section: id, byte size, payload. */
export function section(id: number, payload: readonly number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** The 8-byte module header (magic and version 1). */
export const HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Binary codes of the value types. */
export const VALTYPE: Record<ValType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};

// ---------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------

/** The few opcodes the bodies written here need. Multi-byte ones are arrays. */
export const op = {
  unreachable: 0x00,
  nop: 0x01,
  block: [0x02, 0x40], // with empty block type
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  global_get: 0x23,
  global_set: 0x24,
  i32_load: [0x28, 0x02, 0x00], // align 4, offset 0
  i32_store: [0x36, 0x02, 0x00],
  i32_store8: [0x3a, 0x00, 0x00],
  memory_size: [0x3f, 0x00],
  memory_grow: [0x40, 0x00],
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_ne: 0x47,
  i32_le_u: 0x4d,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_and: 0x71,
  i32_shl: 0x74,
  i32_shr_u: 0x76,
  i64_or: 0x84,
  i64_shl: 0x86,
  i64_extend_i32_u: 0xad,
} as const;

/** One instruction (or several) as bytes. */
export type Instr = number | readonly number[];
/** A function body without its final `end` (the builder appends it). */
export type Body = readonly Instr[];

/** `i32.const n`. */
export const i32Const = (n: number): number[] => [op.i32_const, ...sleb(n | 0)];
/** `i64.const n`. */
export const i64Const = (n: number | bigint): number[] => [op.i64_const, ...sleb(BigInt.asIntN(64, BigInt(n)))];
/** `local.get i`. */
export const localGet = (i: number): number[] => [op.local_get, ...uleb(i)];
/** `local.set i`. */
export const localSet = (i: number): number[] => [op.local_set, ...uleb(i)];
/** `global.get i`. */
export const globalGet = (i: number): number[] => [op.global_get, ...uleb(i)];
/** `global.set i`. */
export const globalSet = (i: number): number[] => [op.global_set, ...uleb(i)];
/** `call f`. */
export const call = (f: number): number[] => [op.call, ...uleb(f)];
/** A body that never returns: `loop br 0 end`. */
export const loopForever: Body = [op.loop, op.br, 0, op.end];

function flatten(body: Body): number[] {
  return body.flatMap((i) => (typeof i === "number" ? [i] : [...i]));
}

// ---------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------

/** Memory or table limits. */
export interface Limits {
  min: number | bigint;
  max?: number | bigint;
  shared?: boolean;
  memory64?: boolean;
}

/** What an import brings in. */
export type ImportDesc =
  | { kind: "func"; params: ValType[]; results: ValType[] }
  | ({ kind: "memory" } & Limits)
  | ({ kind: "table"; ref?: "funcref" | "externref" } & Limits)
  | { kind: "global"; type: ValType; mutable?: boolean };

/** Export kinds and their binary codes. */
export const EXTERN_KIND = { func: 0, table: 1, memory: 2, global: 3 } as const;
export type ExternKind = keyof typeof EXTERN_KIND;

interface FuncDef {
  name: string;
  type: number;
  locals: ValType[];
  body: Body;
}

/** Options of {@link WasmBuilder.func}. */
export interface FuncOptions {
  /** Extra locals after the params. */
  locals?: ValType[];
  /** Export name; `false` keeps the function internal. Default: its name. */
  export?: string | false;
}

/**
 * Builds a module. Imports must come before defined functions (their
 * indices come first); everything else may be added in any order.
 * Function, memory and global indices are assigned in call order.
 */
export class WasmBuilder {
  #types: Signature[] = [];
  #imports: number[][] = [];
  #importedFuncs = 0;
  #importedGlobals = 0;
  #importedMemories = 0;
  #importedTables = 0;
  #funcs: FuncDef[] = [];
  #funcNames: string[] = [];
  #tables: number[][] = [];
  #memories: number[][] = [];
  #globals: number[][] = [];
  #exports: number[][] = [];
  #start: number | undefined;
  #elems: number[][] = [];
  #datas: number[][] = [];
  #dataCount = false;
  #customs: number[][] = [];

  /** Returns the index of a function type, adding it when new. */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    const i = this.#types.findIndex((t) => t.params.join() === params.join() && t.results.join() === results.join());
    if (i >= 0) return i;
    this.#types.push({ params: [...params], results: [...results] });
    return this.#types.length - 1;
  }

  /** Adds an import of any kind. */
  import(module: string, name: string, desc: ImportDesc): this {
    let tail: number[];
    switch (desc.kind) {
      case "func":
        if (this.#funcs.length) throw new Error(`WasmBuilder: import "${module}.${name}" after a defined function`);
        tail = [0x00, ...uleb(this.type(desc.params, desc.results))];
        this.#funcNames.push(`${module}.${name}`);
        this.#importedFuncs++;
        break;
      case "table":
        tail = [0x01, VALTYPE[desc.ref ?? "funcref"], ...limits(desc)];
        this.#importedTables++;
        break;
      case "memory":
        tail = [0x02, ...limits(desc)];
        this.#importedMemories++;
        break;
      case "global":
        tail = [0x03, VALTYPE[desc.type], desc.mutable ? 1 : 0];
        this.#importedGlobals++;
        break;
    }
    this.#imports.push([...str(module), ...str(name), ...tail]);
    return this;
  }

  /** Imports a function. */
  importFunc(module: string, name: string, params: ValType[], results: ValType[]): this {
    return this.import(module, name, { kind: "func", params, results });
  }

  /** Imports a memory. */
  importMemory(module: string, name: string, min: number, max?: number): this {
    return this.import(module, name, { kind: "memory", min, ...(max === undefined ? {} : { max }) });
  }

  /** Defines a function (exported under `name` unless `opts.export` says otherwise). */
  func(name: string, params: ValType[], results: ValType[], body: Body, opts: FuncOptions = {}): this {
    const index = this.#importedFuncs + this.#funcs.length;
    this.#funcs.push({ name, type: this.type(params, results), locals: opts.locals ?? [], body });
    this.#funcNames.push(name);
    const exportName = opts.export ?? name;
    if (exportName !== false) this.export(exportName, "func", index);
    return this;
  }

  /** The index of a function by its name (imports are named `module.name`). */
  indexOf(name: string): number {
    const i = this.#funcNames.indexOf(name);
    if (i < 0) throw new Error(`WasmBuilder: no function "${name}"`);
    return i;
  }

  /** Defines a memory, exported as `memory` unless `opts.export` says otherwise. */
  memory(
    min: number,
    max?: number,
    opts: { shared?: boolean; memory64?: boolean; export?: string | false } = {},
  ): this {
    const index = this.#importedMemories + this.#memories.length;
    const { export: exportName = "memory", ...flags } = opts;
    this.#memories.push(limits({ min, ...(max === undefined ? {} : { max }), ...flags }));
    if (exportName !== false) this.export(exportName, "memory", index);
    return this;
  }

  /** Defines a funcref table. */
  table(min: number, max?: number): this {
    this.#tables.push([VALTYPE.funcref, ...limits({ min, ...(max === undefined ? {} : { max }) })]);
    return this;
  }

  /** Defines a global; `init` is a constant expression without its `end`. See {@link nextGlobalIndex}. */
  global(type: ValType, mutable: boolean, init: Body): this {
    this.#globals.push([VALTYPE[type], mutable ? 1 : 0, ...flatten(init), op.end]);
    return this;
  }

  /** The index the next defined global will get. */
  get nextGlobalIndex(): number {
    return this.#importedGlobals + this.#globals.length;
  }

  /** Adds an export of any kind by index. */
  export(name: string, kind: ExternKind, index: number): this {
    this.#exports.push([...str(name), EXTERN_KIND[kind], ...uleb(index)]);
    return this;
  }

  /** Sets the start function. */
  start(funcName: string): this {
    this.#start = this.indexOf(funcName);
    return this;
  }

  /** An active element segment of table 0 at `offset`. */
  elem(offset: number, funcNames: string[]): this {
    this.#elems.push([0x00, ...i32Const(offset), op.end, ...vec(funcNames.map((n) => uleb(this.indexOf(n))))]);
    return this;
  }

  /** An active data segment of memory 0 at `offset`. */
  data(offset: number, bytes: Uint8Array | string): this {
    const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    this.#datas.push([0x00, ...i32Const(offset), op.end, ...uleb(b.length), ...b]);
    return this;
  }

  /** Emits a datacount section (section 12). */
  dataCount(): this {
    this.#dataCount = true;
    return this;
  }

  /** Appends a custom section (after every other section). */
  custom(name: string, bytes: Uint8Array | readonly number[] = []): this {
    this.#customs.push(section(0, [...str(name), ...bytes]));
    return this;
  }

  /** The module's bytes; `names: true` adds a `name` section with function names. */
  build(opts: { names?: boolean } = {}): Uint8Array {
    const out: number[] = [...HEADER];
    const add = (id: number, items: number[][]) => {
      if (items.length) out.push(...section(id, vec(items)));
    };
    add(
      1,
      this.#types.map((
        t,
      ) => [0x60, ...vec(t.params.map((p) => [VALTYPE[p]])), ...vec(t.results.map((r) => [VALTYPE[r]]))]),
    );
    add(2, this.#imports);
    add(3, this.#funcs.map((f) => uleb(f.type)));
    add(4, this.#tables);
    add(5, this.#memories);
    add(6, this.#globals);
    add(7, this.#exports);
    if (this.#start !== undefined) out.push(...section(8, uleb(this.#start)));
    add(9, this.#elems);
    if (this.#dataCount) out.push(...section(12, uleb(this.#datas.length)));
    add(
      10,
      this.#funcs.map((f) => {
        const code = [...vec(f.locals.map((l) => [1, VALTYPE[l]])), ...flatten(f.body), op.end];
        return [...uleb(code.length), ...code];
      }),
    );
    add(11, this.#datas);
    if (opts.names) {
      const names = vec(this.#funcNames.map((n, i) => [...uleb(i), ...str(n)]));
      out.push(...section(0, [...str("name"), 1, ...uleb(names.length), ...names]));
    }
    for (const c of this.#customs) out.push(...c);
    return new Uint8Array(out);
  }
}

function limits(l: Limits): number[] {
  const flags = (l.max === undefined ? 0 : 1) | (l.shared ? 2 : 0) | (l.memory64 ? 4 : 0);
  return [flags, ...uleb(l.min), ...(l.max === undefined ? [] : uleb(l.max))];
}
