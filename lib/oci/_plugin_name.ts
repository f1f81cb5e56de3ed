/**
 * Reading a plugin's `get_name()` without a host, for `package`, `push` and
 * `pull` (which reads it only when the image has no name annotation). The
 * module is untrusted, so code runs only when it must: a `get_name` whose
 * body is one constant pointing into a data segment is read statically;
 * anything else runs in a child process with a deadline and a memory cap,
 * killed past the deadline. Private to lib/oci.
 *
 * @module
 */
import { unpackPtrLen } from "../abi/abi.ts";
import { parseWasm, withMemoryMaximum } from "../wasm/wasm_binary.ts";
import { InputError } from "../errors.ts";

/** How long reading a name may run (instantiation, the start function and `get_name`): the hook budget's default. */
export const NAME_TIMEOUT_MS = 10_000;
/** The memory a module may grow to while its name is read: 128 MiB, or its initial size when larger. */
export const NAME_MEMORY_PAGES = 2048;

/** Options of {@link readPluginName}. */
export interface ReadNameOptions {
  /** Default {@link NAME_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default {@link NAME_MEMORY_PAGES}. */
  memoryPages?: number;
}

/**
 * The name a plugin registers under: read from the module when `get_name`
 * returns a constant, else by calling it in a child process (imports
 * stubbed to throw, `init` not called, so a plugin needing real config still
 * packages). Throws a {@link InputError} naming `label` when that does not
 * work: a trap, a missing export, a deadline or memory cap passed.
 */
export async function readPluginName(wasm: Uint8Array, label: string, options: ReadNameOptions = {}): Promise<string> {
  const fail = (why: string) => new InputError(`Cannot read the plugin name of "${label}": ${why}`, "wasm");
  const found = staticName(wasm);
  if (found !== undefined) return decodeName(found, fail);
  let capped: Uint8Array;
  try {
    const info = parseWasm(wasm, label);
    const memory = info.memories.find((m) => m.exportedAs.includes("memory"));
    if (!memory) throw fail(`export "get_name" or "memory" is missing`);
    if (memory.importedFrom !== undefined) throw fail(`its memory is imported from "${memory.importedFrom}"`);
    capped = withMemoryMaximum(wasm, Math.max(memory.min, options.memoryPages ?? NAME_MEMORY_PAGES), label);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw fail((e as Error).message);
  }
  const timeoutMs = options.timeoutMs ?? NAME_TIMEOUT_MS;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--no-config", WORKER.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(capped).catch(() => {});
    await writer.close().catch(() => {});
    const out = new TextDecoder().decode((await child.output()).stdout);
    if (timedOut) throw fail(`instantiating it and calling get_name() ran past ${timeoutMs} ms (stopped)`);
    let reply: { name?: number[]; error?: string };
    try {
      reply = JSON.parse(out);
    } catch {
      throw fail("the process reading it ended without an answer");
    }
    if (reply.error !== undefined) throw fail(reply.error);
    return decodeName(new Uint8Array(reply.name ?? []), fail);
  } finally {
    clearTimeout(timer);
  }
}

const WORKER = new URL("./_plugin_name_worker.ts", import.meta.url);

function decodeName(bytes: Uint8Array, fail: (why: string) => Error): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw fail("get_name() returned invalid UTF-8");
  }
}

/**
 * Calls `get_name()` in this thread and returns the bytes it points at, or
 * why not. Only the worker process runs it: the call has no deadline here.
 */
export function callGetName(wasm: Uint8Array): { name: Uint8Array } | { error: string } {
  let exports: WebAssembly.Exports;
  try {
    const module = new WebAssembly.Module(wasm as BufferSource);
    const imports: Record<string, Record<string, () => never>> = {};
    for (const i of WebAssembly.Module.imports(module).filter((i) => i.kind === "function")) {
      (imports[i.module] ??= {})[i.name] = () => {
        throw new Error(`import "${i.module}.${i.name}" was called`);
      };
    }
    exports = new WebAssembly.Instance(module, imports).exports;
    if (typeof exports._initialize === "function") (exports._initialize as () => void)();
  } catch (e) {
    return { error: (e as Error).message };
  }
  const { get_name: getName, memory } = exports;
  if (typeof getName !== "function" || !(memory instanceof WebAssembly.Memory)) {
    return { error: `export "get_name" or "memory" is missing` };
  }
  let packed: bigint;
  try {
    packed = BigInt.asUintN(64, BigInt((getName as () => bigint)()));
  } catch (e) {
    return { error: `get_name() failed: ${(e as Error).message}` };
  }
  const { ptr, len } = unpackPtrLen(packed);
  if (len === 0 || ptr + len > memory.buffer.byteLength) {
    return { error: "get_name() returned an empty or out-of-bounds name" };
  }
  return { name: new Uint8Array(memory.buffer, ptr, len).slice() };
}

// ---- the static read ----

/**
 * The name's bytes when `get_name` is `i64.const C` alone and `C` points
 * into an active data segment of memory 0; `undefined` otherwise (anything
 * else needs the code to run). Never throws: a malformed module only means
 * no static answer.
 */
export function staticName(wasm: Uint8Array): Uint8Array | undefined {
  try {
    const info = parseWasm(wasm);
    const exported = info.exports.find((e) => e.name === "get_name" && e.kind === "func");
    const fn = exported && info.functions[exported.index];
    if (!fn || fn.imported) return undefined;
    const code = info.sections.find((s) => s.kind === "code");
    const data = info.sections.find((s) => s.kind === "data");
    if (!code || !data) return undefined;
    const defined = exported.index - info.functions.filter((f) => f.imported).length;
    const r = new Leb(wasm, code.payloadOffset);
    for (let n = r.u32(), i = 0; i < n; i++) {
      const size = r.u32();
      if (i !== defined) {
        r.pos += size;
        continue;
      }
      const end = r.pos + size;
      for (let groups = r.u32(); groups > 0; groups--) r.u32(), r.pos++;
      if (wasm[r.pos++] !== 0x42) return undefined; // i64.const
      const packed = BigInt.asUintN(64, r.s64());
      if (wasm[r.pos++] !== 0x0b || r.pos !== end) return undefined; // end, and nothing else
      const { ptr, len } = unpackPtrLen(packed);
      return len === 0 ? undefined : segmentBytes(wasm, data.payloadOffset, ptr, len);
    }
  } catch { /* no static answer */ }
  return undefined;
}

/** `len` bytes at `ptr` when one active data segment of memory 0 at a constant offset holds them all. */
function segmentBytes(wasm: Uint8Array, offset: number, ptr: number, len: number): Uint8Array | undefined {
  const r = new Leb(wasm, offset);
  for (let n = r.u32(); n > 0; n--) {
    const form = r.u32();
    const memory = form === 2 ? r.u32() : 0;
    let at: number | undefined;
    if (form !== 1) {
      at = wasm[r.pos++] === 0x41 ? Number(r.s64()) : undefined; // i32.const
      if (at === undefined || wasm[r.pos++] !== 0x0b) return undefined;
    }
    const size = r.u32();
    const start = r.pos;
    r.pos += size;
    if (at !== undefined && memory === 0 && ptr >= at && ptr + len <= at + size) {
      return wasm.slice(start + ptr - at, start + ptr - at + len);
    }
  }
  return undefined;
}

/** LEB128 reading over a module's bytes; bounds are checked by the callers' catch. */
class Leb {
  constructor(readonly bytes: Uint8Array, public pos: number) {}
  u32(): number {
    return Number(this.#read(false));
  }
  s64(): bigint {
    return this.#read(true);
  }
  #read(signed: boolean): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.bytes[this.pos++];
      if (byte === undefined || shift > 63n) throw new RangeError("bad LEB128");
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) {
        if (signed && (byte & 0x40) !== 0) result -= 1n << shift;
        return result;
      }
    }
  }
}
