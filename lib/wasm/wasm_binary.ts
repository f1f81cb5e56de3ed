/**
 * Reads the structure of a WebAssembly binary: header, sections, types,
 * imports, exports, memories, function names. It decodes; it does not
 * validate instructions (`WebAssembly.Module` does that).
 *
 * @module
 */
import type { Signature, ValType } from "../abi/abi.ts";
import { AbiError } from "../errors.ts";

/** What an import or export refers to. */
export type ExternKind = "func" | "table" | "memory" | "global" | "tag";

/** Limits and flags of a memory, in 64 KiB pages. */
export interface MemoryType {
  min: number;
  /** Absent when the memory may grow to the engine's limit. */
  max?: number;
  shared: boolean;
  memory64: boolean;
}

/** A table's element type and limits. */
export interface TableType {
  ref: ValType;
  min: number;
  max?: number;
}

/** A global's type. */
export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

interface ImportBase {
  module: string;
  name: string;
  /** Index in the function, table, memory, global or tag index space. */
  index: number;
}

/** One import, by kind. */
export type WasmImport =
  | ImportBase & { kind: "func"; typeIndex: number; signature: Signature }
  | ImportBase & { kind: "table"; table: TableType }
  | ImportBase & { kind: "memory"; memory: MemoryType }
  | ImportBase & { kind: "global"; global: GlobalType }
  | ImportBase & { kind: "tag"; typeIndex: number };

/** One export; `signature` is set for functions. */
export interface WasmExport {
  name: string;
  kind: ExternKind;
  index: number;
  signature?: Signature;
}

/** A function of the function index space (imported ones first). */
export interface WasmFunction {
  index: number;
  typeIndex: number;
  signature: Signature;
  imported: boolean;
}

/** A memory of the memory index space, with where it comes from and its export names. */
export interface WasmMemory extends MemoryType {
  index: number;
  /** `module.name` when imported. */
  importedFrom?: string;
  exportedAs: string[];
}

/** Where a section sits in the file. */
export interface WasmSection {
  id: number;
  /** `type`, `import`, ..., `custom`. */
  kind: string;
  /** Byte offset of the section id. */
  offset: number;
  /** Byte offset of the payload. */
  payloadOffset: number;
  /** Payload size in bytes. */
  size: number;
  /** The name of a custom section. */
  name?: string;
}

/** Everything {@link parseWasm} reads from a module. */
export interface WasmInfo {
  version: number;
  size: number;
  sections: WasmSection[];
  types: Signature[];
  imports: WasmImport[];
  functions: WasmFunction[];
  tables: TableType[];
  memories: WasmMemory[];
  globals: GlobalType[];
  exports: WasmExport[];
  /** Index of the start function. */
  start?: number;
  elementSegments: number;
  dataSegments: number;
  /** Function names from the `name` custom section (when present and well formed). */
  functionNames: Map<number, string>;
  /** Names of the custom sections, in file order. */
  customSections: string[];
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Version field of a component-model binary (layer 1, version 0x0d). */
const COMPONENT_VERSION = 0x0001_000d;

const SECTION_KINDS: Record<number, string> = {
  0: "custom",
  1: "type",
  2: "import",
  3: "function",
  4: "table",
  5: "memory",
  6: "global",
  7: "export",
  8: "start",
  9: "element",
  10: "code",
  11: "data",
  12: "datacount",
  13: "tag",
};
/** Where each known section may appear (custom sections anywhere). */
const SECTION_ORDER: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const EXTERN_KINDS: readonly ExternKind[] = ["func", "table", "memory", "global", "tag"];

/** A cursor over the bytes that reports errors with the source name and offset. */
class Reader {
  pos: number;
  context = "header";
  constructor(readonly bytes: Uint8Array, readonly source: string, pos = 0, public end = bytes.length) {
    this.pos = pos;
  }

  fail(message: string, at = this.pos): never {
    throw new AbiError(`Cannot read ${this.source}: ${message} (${this.context}, byte ${at})`);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail("unexpected end of data");
    return this.bytes[this.pos++]!;
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`unexpected end of data: ${n} bytes needed, ${this.end - this.pos} left`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An unsigned LEB128 of at most `bits` bits, as a bigint. */
  uleb(bits: number): bigint {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (i === maxBytes - 1 && b >> (bits - 7 * i) !== 0) this.fail(`integer too large for u${bits}`, start);
        return result;
      }
    }
    return this.fail(`integer representation too long (more than ${maxBytes} bytes for u${bits})`, start);
  }

  /** A signed LEB128 of at most `bits` bits. */
  sleb(bits: number): bigint {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (i === maxBytes - 1) {
          // The unused high bits of the last byte must all equal the sign bit.
          const used = bits - 7 * i;
          const rest = (b & 0x7f) >> (used - 1);
          if (rest !== 0 && rest !== 0x7f >> (used - 1)) this.fail(`integer too large for s${bits}`, start);
        }
        return BigInt.asIntN(bits, (b & 0x40) ? result - (1n << BigInt(7 * (i + 1))) : result);
      }
    }
    return this.fail(`integer representation too long (more than ${maxBytes} bytes for s${bits})`, start);
  }

  u32(): number {
    return Number(this.uleb(32));
  }

  /** A u64 that must fit a JS number (memory64 limits). */
  u64(): number {
    const at = this.pos;
    const v = this.uleb(64);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`value ${v} is too large`, at);
    return Number(v);
  }

  /** A count of items that each take at least one byte, checked against what is left. */
  count(what: string): number {
    const at = this.pos;
    const n = this.u32();
    if (n > this.end - this.pos) this.fail(`${what} count ${n} exceeds the ${this.end - this.pos} bytes left`, at);
    return n;
  }

  name(): string {
    const at = this.pos;
    const bytes = this.take(this.u32());
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return this.fail("name is not valid UTF-8", at);
    }
  }

  valtype(): ValType {
    const at = this.pos;
    const code = this.byte();
    return VALTYPES[code] ?? this.fail(`unsupported value type 0x${hex(code)}`, at);
  }

  reftype(): ValType {
    const at = this.pos;
    const t = this.valtype();
    if (t !== "funcref" && t !== "externref") this.fail(`expected a reference type, found ${t}`, at);
    return t;
  }

  limits(allowed: number): { min: number; max?: number; shared: boolean; memory64: boolean } {
    const at = this.pos;
    const flags = this.byte();
    if ((flags & ~allowed) !== 0) this.fail(`unsupported limits flags 0x${hex(flags)}`, at);
    const memory64 = (flags & 4) !== 0;
    const read = () => (memory64 ? this.u64() : this.u32());
    const min = read();
    const max = flags & 1 ? read() : undefined;
    if (max !== undefined && max < min) this.fail(`limits maximum ${max} is below minimum ${min}`, at);
    return { min, ...(max === undefined ? {} : { max }), shared: (flags & 2) !== 0, memory64 };
  }

  memtype(): MemoryType {
    const at = this.pos;
    const l = this.limits(0b111);
    if (l.shared && l.max === undefined) this.fail("shared memory without a maximum", at);
    return l;
  }

  tabletype(): TableType {
    const ref = this.reftype();
    const { min, max } = this.limits(0b101);
    return { ref, min, ...(max === undefined ? {} : { max }) };
  }

  globaltype(): GlobalType {
    const type = this.valtype();
    const at = this.pos;
    const m = this.byte();
    if (m > 1) this.fail(`invalid global mutability 0x${hex(m)}`, at);
    return { type, mutable: m === 1 };
  }

  /** Skips a constant expression up to and including its `end`. */
  constExpr(): void {
    for (;;) {
      const at = this.pos;
      const opcode = this.byte();
      switch (opcode) {
        case 0x0b: // end
          return;
        case 0x41: // i32.const
          this.sleb(32);
          break;
        case 0x42: // i64.const
          this.sleb(64);
          break;
        case 0x43: // f32.const
          this.take(4);
          break;
        case 0x44: // f64.const
          this.take(8);
          break;
        case 0x23: // global.get
        case 0xd2: // ref.func
          this.u32();
          break;
        case 0xd0: // ref.null
          this.reftype();
          break;
        case 0x6a: // extended-const i32.add, i32.sub, i32.mul, i64.add, i64.sub, i64.mul
        case 0x6b:
        case 0x6c:
        case 0x7c:
        case 0x7d:
        case 0x7e:
          break;
        case 0xfd: // v128.const
          if (this.u32() !== 12) this.fail("unsupported instruction in a constant expression", at);
          this.take(16);
          break;
        default:
          this.fail(`unsupported instruction 0x${hex(opcode)} in a constant expression`, at);
      }
    }
  }

  expectEnd(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unread bytes at the end of the section`);
  }
}

/**
 * Encodes an unsigned LEB128 integer, as wasm writes sizes, counts and indices.
 *
 * @example
 * ```ts
 * import { uleb128 } from "./wasm_binary.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(uleb128(624485), [0xe5, 0x8e, 0x26]);
 * assert.deepEqual(uleb128(0), [0]);
 * ```
 */
export function uleb128(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError(`Cannot encode "${v}" as unsigned LEB128: it is negative`);
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
  return out;
}

/**
 * Encodes a signed LEB128 integer, as wasm writes `i32.const` and `i64.const`.
 *
 * @example
 * ```ts
 * import { sleb128 } from "./wasm_binary.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(sleb128(-123456), [0xc0, 0xbb, 0x78]);
 * assert.deepEqual(sleb128(63), [0x3f]);
 * assert.deepEqual(sleb128(64), [0xc0, 0x00]);
 * ```
 */
export function sleb128(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n; // arithmetic: keeps the sign
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function sourceLabel(source: string | undefined): string {
  return source === undefined ? "WebAssembly module" : `"${source}"`;
}

/** Checks the header and splits the file into sections. */
function readSections(bytes: Uint8Array, source: string | undefined): { version: number; sections: WasmSection[] } {
  const label = sourceLabel(source);
  const r = new Reader(bytes, label);
  const magicMatches = MAGIC.every((m, i) => i >= bytes.length || bytes[i] === m);
  if (!magicMatches || bytes.length === 0) {
    throw new AbiError(`Cannot read ${label}: not a WebAssembly module (bad magic)`);
  }
  if (bytes.length < 8) throw new AbiError(`Cannot read ${label}: truncated header (${bytes.length} of 8 bytes)`);
  const version = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
  if (version === COMPONENT_VERSION) {
    throw new AbiError(`Cannot read ${label}: a WebAssembly component, not a core module`);
  }
  if (version !== 1) {
    throw new AbiError(`Cannot read ${label}: unsupported WebAssembly version ${version} (expected 1)`);
  }
  r.pos = 8;
  const sections: WasmSection[] = [];
  let lastOrder = 0;
  while (r.pos < bytes.length) {
    const offset = r.pos;
    r.context = "section header";
    const id = r.byte();
    const kind = SECTION_KINDS[id] ?? r.fail(`unknown section id ${id}`, offset);
    r.context = `${kind} section`;
    const size = r.u32();
    const payloadOffset = r.pos;
    if (size > bytes.length - payloadOffset) {
      r.fail(
        `section claims ${size} bytes but only ${bytes.length - payloadOffset} remain (truncated module?)`,
        offset,
      );
    }
    if (id !== 0) {
      const order = SECTION_ORDER[id]!;
      if (order <= lastOrder) r.fail(`${kind} section is duplicated or out of order`, offset);
      lastOrder = order;
    }
    const section: WasmSection = { id, kind, offset, payloadOffset, size };
    if (id === 0) {
      const sub = new Reader(bytes, label, payloadOffset, payloadOffset + size);
      sub.context = "custom section";
      section.name = sub.name();
    }
    sections.push(section);
    r.pos = payloadOffset + size;
  }
  return { version, sections };
}

/** Reads a `name` section's function names; a malformed one is ignored, as engines do. */
function readFunctionNames(r: Reader): Map<number, string> {
  const names = new Map<number, string>();
  try {
    r.name();
    while (r.pos < r.end) {
      const id = r.byte();
      const size = r.u32();
      const end = r.pos + size;
      if (id === 1) {
        for (let n = r.count("name"); n > 0; n--) names.set(r.u32(), r.name());
      }
      r.pos = end;
    }
  } catch (e) {
    if (!(e instanceof AbiError)) throw e;
  }
  return names;
}

/**
 * Parses a WebAssembly binary's structure. Throws {@link AbiError} when the
 * bytes are not a well-formed module; `source` names it in messages.
 *
 * @example
 * ```ts
 * import { parseWasm } from "./wasm_binary.ts";
 * import assert from "node:assert/strict";
 * // (module (memory (export "memory") 1 2))
 * const bytes = new Uint8Array([
 *   0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 1, 1, 2, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0,
 * ]);
 * const info = parseWasm(bytes);
 * assert.deepEqual(info.exports, [{ name: "memory", kind: "memory", index: 0 }]);
 * assert.equal(info.memories[0]?.max, 2);
 * assert.throws(() => parseWasm(new TextEncoder().encode("hello"), "x.wasm"), {
 *   message: 'Cannot read "x.wasm": not a WebAssembly module (bad magic)',
 * });
 * ```
 */
export function parseWasm(bytes: Uint8Array, source?: string): WasmInfo {
  const { version, sections } = readSections(bytes, source);
  const info: WasmInfo = {
    version,
    size: bytes.length,
    sections,
    types: [],
    imports: [],
    functions: [],
    tables: [],
    memories: [],
    globals: [],
    exports: [],
    elementSegments: 0,
    dataSegments: 0,
    functionNames: new Map(),
    customSections: [],
  };
  const label = sourceLabel(source);
  let codeCount: number | undefined;
  let dataCount: number | undefined;
  let tags = 0;
  const signatureOf = (r: Reader, typeIndex: number, at: number): Signature =>
    info.types[typeIndex] ?? r.fail(`type index ${typeIndex} is out of range (${info.types.length} types)`, at);

  for (const s of sections) {
    const r = new Reader(bytes, label, s.payloadOffset, s.payloadOffset + s.size);
    r.context = `${s.kind} section`;
    switch (s.id) {
      case 0:
        info.customSections.push(s.name!);
        if (s.name === "name") info.functionNames = readFunctionNames(r);
        continue; // custom payloads are not checked for trailing bytes
      case 1:
        for (let n = r.count("type"); n > 0; n--) {
          const at = r.pos;
          const form = r.byte();
          if (form !== 0x60) r.fail(`unsupported type form 0x${hex(form)} (only function types are read)`, at);
          const params = Array.from({ length: r.count("parameter") }, () => r.valtype());
          const results = Array.from({ length: r.count("result") }, () => r.valtype());
          info.types.push({ params, results });
        }
        break;
      case 2:
        for (let n = r.count("import"); n > 0; n--) {
          const module = r.name();
          const name = r.name();
          const at = r.pos;
          const kind = EXTERN_KINDS[r.byte()] ?? r.fail(`unknown import kind 0x${hex(r.bytes[at]!)}`, at);
          switch (kind) {
            case "func": {
              const typeAt = r.pos;
              const typeIndex = r.u32();
              const signature = signatureOf(r, typeIndex, typeAt);
              const index = info.functions.length;
              info.functions.push({ index, typeIndex, signature, imported: true });
              info.imports.push({ module, name, index, kind, typeIndex, signature });
              break;
            }
            case "table": {
              const table = r.tabletype();
              info.imports.push({ module, name, index: info.tables.length, kind, table });
              info.tables.push(table);
              break;
            }
            case "memory": {
              const memory = r.memtype();
              const index = info.memories.length;
              info.imports.push({ module, name, index, kind, memory });
              info.memories.push({ ...memory, index, importedFrom: `${module}.${name}`, exportedAs: [] });
              break;
            }
            case "global": {
              const global = r.globaltype();
              info.imports.push({ module, name, index: info.globals.length, kind, global });
              info.globals.push(global);
              break;
            }
            case "tag": {
              r.byte(); // attribute: 0 = exception
              info.imports.push({ module, name, index: tags++, kind, typeIndex: r.u32() });
              break;
            }
          }
        }
        break;
      case 3:
        for (let n = r.count("function"); n > 0; n--) {
          const at = r.pos;
          const typeIndex = r.u32();
          const signature = signatureOf(r, typeIndex, at);
          info.functions.push({ index: info.functions.length, typeIndex, signature, imported: false });
        }
        break;
      case 4:
        for (let n = r.count("table"); n > 0; n--) info.tables.push(r.tabletype());
        break;
      case 5:
        for (let n = r.count("memory"); n > 0; n--) {
          info.memories.push({ ...r.memtype(), index: info.memories.length, exportedAs: [] });
        }
        break;
      case 6:
        for (let n = r.count("global"); n > 0; n--) {
          info.globals.push(r.globaltype());
          r.constExpr();
        }
        break;
      case 7:
        for (let n = r.count("export"); n > 0; n--) {
          const name = r.name();
          const at = r.pos;
          const kind = EXTERN_KINDS[r.byte()] ?? r.fail(`unknown export kind 0x${hex(r.bytes[at]!)}`, at);
          const indexAt = r.pos;
          const index = r.u32();
          const spaces: Partial<Record<ExternKind, unknown[]>> = {
            func: info.functions,
            table: info.tables,
            memory: info.memories,
            global: info.globals,
          };
          if (index >= (spaces[kind]?.length ?? Infinity)) {
            r.fail(`export "${name}" refers to ${kind} ${index}, which does not exist`, indexAt);
          }
          const e: WasmExport = { name, kind, index };
          if (kind === "func") e.signature = info.functions[index]!.signature;
          if (kind === "memory") info.memories[index]!.exportedAs.push(name);
          info.exports.push(e);
        }
        break;
      case 8: {
        const at = r.pos;
        info.start = r.u32();
        if (info.start >= info.functions.length) r.fail(`start function ${info.start} does not exist`, at);
        break;
      }
      case 9:
        for (let n = r.count("element segment"); n > 0; n--) {
          readElementSegment(r);
          info.elementSegments++;
        }
        break;
      case 10: {
        codeCount = r.count("function body");
        for (let n = codeCount; n > 0; n--) r.take(r.u32());
        const defined = info.functions.filter((f) => !f.imported).length;
        if (codeCount !== defined) {
          r.fail(`${codeCount} function bodies for ${defined} declared functions`, s.payloadOffset);
        }
        break;
      }
      case 11:
        for (let n = r.count("data segment"); n > 0; n--) {
          readDataSegment(r);
          info.dataSegments++;
        }
        if (dataCount !== undefined && dataCount !== info.dataSegments) {
          r.fail(`${info.dataSegments} data segments but the datacount section says ${dataCount}`, s.payloadOffset);
        }
        break;
      case 12:
        dataCount = r.u32();
        break;
      case 13:
        for (let n = r.count("tag"); n > 0; n--) {
          r.byte();
          r.u32();
        }
        break;
    }
    r.expectEnd();
  }
  if (codeCount === undefined && info.functions.some((f) => !f.imported)) {
    throw new AbiError(`Cannot read ${label}: functions are declared but the code section is missing`);
  }
  return info;
}

function readElementSegment(r: Reader): void {
  const at = r.pos;
  const form = r.u32();
  if (form > 7) r.fail(`unknown element segment form ${form}`, at);
  if (form === 2 || form === 6) r.u32(); // table index
  if ((form & 1) === 0) r.constExpr(); // active: offset
  const exprs = (form & 4) !== 0;
  if ((form & 3) !== 0) {
    if (exprs) r.reftype();
    else if (r.byte() !== 0) r.fail("unknown element kind", r.pos - 1);
  }
  for (let n = r.count("element"); n > 0; n--) {
    if (exprs) r.constExpr();
    else r.u32();
  }
}

function readDataSegment(r: Reader): void {
  const at = r.pos;
  const form = r.u32();
  if (form > 2) r.fail(`unknown data segment form ${form}`, at);
  if (form === 2) r.u32(); // memory index
  if (form !== 1) r.constExpr();
  r.take(r.u32());
}

/**
 * Returns a copy of the module whose first defined memory has maximum
 * `pages` (64 KiB each), whatever its maximum was. A host uses it to cap
 * a plugin's memory. Throws {@link AbiError} when the module defines no
 * memory (an imported one is the host's to size) or its minimum exceeds
 * `pages`.
 *
 * @example
 * ```ts
 * import { parseWasm, withMemoryMaximum } from "./wasm_binary.ts";
 * import assert from "node:assert/strict";
 * // (module (memory 1))
 * const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
 * const capped = withMemoryMaximum(bytes, 300);
 * assert.equal(parseWasm(capped).memories[0]?.max, 300);
 * assert.equal(parseWasm(bytes).memories[0]?.max, undefined);
 * ```
 */
export function withMemoryMaximum(bytes: Uint8Array, pages: number, source?: string): Uint8Array {
  const label = sourceLabel(source);
  if (!Number.isSafeInteger(pages) || pages < 0) {
    throw new AbiError(`Cannot cap the memory of ${label}: "${pages}" is not a page count`);
  }
  const info = parseWasm(bytes, source);
  const section = info.sections.find((s) => s.id === 5);
  const memory = info.memories.find((m) => m.importedFrom === undefined);
  if (!section || !memory) throw new AbiError(`Cannot cap the memory of ${label}: it defines no memory`);
  if (memory.min > pages) {
    throw new AbiError(`Cannot cap the memory of ${label} at ${pages} pages: it needs at least ${memory.min}`);
  }
  const r = new Reader(bytes, label, section.payloadOffset, section.payloadOffset + section.size);
  r.u32(); // count
  const entryStart = r.pos;
  r.memtype();
  const entryEnd = r.pos;
  const flags = 1 | (memory.shared ? 2 : 0) | (memory.memory64 ? 4 : 0);
  const entry = [flags, ...uleb128(memory.min), ...uleb128(pages)];
  const payload = concat(
    bytes.subarray(section.payloadOffset, entryStart),
    new Uint8Array(entry),
    bytes.subarray(entryEnd, section.payloadOffset + section.size),
  );
  return concat(
    bytes.subarray(0, section.offset),
    new Uint8Array([5, ...uleb128(payload.length)]),
    payload,
    bytes.subarray(section.payloadOffset + section.size),
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
