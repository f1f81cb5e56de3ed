/**
 * The synchronous core of the conformance host: one plugin instance driven
 * through the ABI exactly as Bifrost would (instantiate with WASI only,
 * `init`, `get_name`, then per call `malloc`, write, hook, free per policy,
 * read), turning traps into typed errors and re-instantiating after one.
 * `PluginHost` runs it in-thread, or in a child process when calls have a
 * time budget (`_host_worker.ts`).
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import { unpackPtrLen } from "../abi/abi.ts";
import {
  PluginContractError,
  PluginError,
  PluginInputTooLargeError,
  PluginMemoryError,
  PluginTimeoutError,
  PluginTrapError,
  type TrapKind,
} from "../errors.ts";
import { createWasi, ProcExit, type WasiShim } from "./_wasi.ts";
import { demangle } from "../wasm/demangle.ts";
import type { FreePolicy } from "../abi/free_policy.ts";
import type { CallStats } from "./types.ts";
import type { ByteWriter } from "../internal/json_pieces.ts";
import { decodeUtf8 } from "../internal/utf8.ts";

/**
 * A hook input's bytes: UTF-8 bytes, or something that writes them straight
 * into the plugin's memory without a whole copy in between (an ASCII text,
 * JSON in pieces: inputs of tens of MiB).
 */
export type HookBytes = Uint8Array | ByteWriter;

/** Everything needed to (re-)instantiate a plugin. */
export interface RunnerOptions {
  module: WebAssembly.Module;
  /** The source's label (file name) for load errors, before the plugin has a name. */
  label: string;
  /** The JSON text given to `init`. */
  config: string;
  freePolicy: FreePolicy;
  /** Function names by index: the name section, else export names. */
  functionNames: Map<number, string>;
  /** The page count memory cannot grow past (the host's cap or the module's maximum). */
  memoryLimitPages: number | undefined;
  /** Time the hook export alone too (`CallStats.hookUs`). */
  timeHook: boolean;
}

/** One call's raw result: the output text (`null` for a 0 return) and its stats. */
export interface RawCall {
  text: string | null;
  stats: Omit<CallStats, "highWaterPages">;
}

type Phase = "malloc" | "call" | "free";
type Exports = Record<string, WebAssembly.ExportValue>;

const PHASE_TEXT: Record<Phase, string> = {
  malloc: " (in malloc, for its input)",
  call: "",
  free: " (in free)",
};

/** How many times each policy frees the input and the output buffer. */
const FREES: Record<FreePolicy, { input: number; output: number }> = {
  both: { input: 1, output: 1 },
  input: { input: 1, output: 0 },
  none: { input: 0, output: 0 },
  double: { input: 2, output: 2 },
};

// Outputs are decoded by decodeUtf8: Deno's fatal decoder costs ~0.6 µs per call on small buffers, the lenient one
// it tries first ~0.1 µs. The fatal one checks small pieces (names, a character).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Hook results are i64 pointer/length pairs: read through a 64-bit cell as two 32-bit halves, with no BigInt
// arithmetic.
const packedCell = new BigUint64Array(1);
const packedHalves = new Uint32Array(packedCell.buffer);

const encoder = new TextEncoder();

/** One instantiated plugin. Throws PluginError when it cannot be loaded. */
class Instance {
  readonly exports: Exports;
  readonly memory: WebAssembly.Memory;
  readonly #wasi: WasiShim;
  readonly #malloc: (size: number) => number;
  readonly #free: (ptr: number, size: number) => void;
  #name: string | undefined;
  #view: Uint8Array = new Uint8Array(0);
  /** The largest input the plugin takes (its max_input_size export, the memory cap): refused above, unwritten. */
  #maxInput = Infinity;
  #maxInputWhy = "";
  readonly #frees: { input: number; output: number };

  constructor(readonly opts: RunnerOptions, onLog: (line: string) => void) {
    this.#wasi = createWasi(onLog);
    this.#frees = FREES[opts.freePolicy];
    const fail = (reason: string, cause?: unknown) =>
      new PluginError(`Cannot load plugin "${opts.label}": ${reason}`, cause === undefined ? {} : { cause });
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(opts.module, this.#wasi.imports);
    } catch (e) {
      if (e instanceof ProcExit || e instanceof WebAssembly.RuntimeError) {
        throw trapError(e, opts, "start", "call", undefined);
      }
      throw fail((e as Error).message, e);
    }
    this.exports = instance.exports;
    this.memory = this.exports.memory as WebAssembly.Memory;
    this.#wasi.bind(this.memory);
    this.#malloc = this.exports.malloc as (size: number) => number;
    const free = this.exports.free as (ptr: number, size?: number) => void;
    this.#free = free.length >= 2 ? free : (ptr) => free(ptr);

    // WASI reactors initialise in _initialize; wazero runs _start by default (proc_exit(0) there is a normal end).
    for (const start of ["_initialize", "_start"]) {
      const f = this.exports[start];
      if (typeof f !== "function") continue;
      try {
        this.#guard(start, "call", f as () => void);
      } catch (e) {
        if (!(e instanceof PluginTrapError && e.kind === "proc_exit" && e.cause instanceof ProcExit && !e.cause.code)) {
          throw e;
        }
      }
    }
    const init = this.exports.init as ((ptr: number, len: number) => number) | undefined;
    if (typeof init === "function") {
      const config = encoder.encode(opts.config);
      const ptr = this.#guard("init", "malloc", () => this.#write(config, "init"), config.length);
      const code = this.#guard("init", "call", () => init(ptr, config.length));
      this.#guard("init", "free", () => this.#release(ptr, config.length, "input"));
      if (code !== 0) {
        const lastError = this.exports.last_error;
        const reason = typeof lastError === "function"
          ? this.#readString(this.#guard("last_error", "call", lastError as () => bigint), "last_error")
          : "";
        throw fail(
          `init returned ${code}${reason ? `: ${reason}` : " (the plugin exports no last_error with a reason)"}`,
        );
      }
    }
    const name = this.#readString(this.#guard("get_name", "call", this.exports.get_name as () => bigint), "get_name");
    if (!name) throw fail("get_name returned an empty name (Bifrost registers the plugin under it)");
    this.#name = name;
    const declared = this.exports.max_input_size;
    if (typeof declared === "function") {
      this.#maxInput = this.#guard("max_input_size", "call", declared as () => number) >>> 0;
      this.#maxInputWhy = `takes inputs of at most ${size(this.#maxInput)}`;
    }
    const cap = opts.memoryLimitPages;
    if (cap !== undefined && cap * 65536 < this.#maxInput) {
      this.#maxInput = cap * 65536;
      this.#maxInputWhy = `has at most ${size(this.#maxInput)} of memory (${cap} pages)`;
    }
  }

  /** The largest input the plugin takes, in bytes (Infinity when it does not say and memory is not capped). */
  get maxInputBytes(): number {
    return this.#maxInput;
  }

  /** The name from get_name (the source label until it is known). */
  get name(): string {
    return this.#name ?? this.opts.label;
  }

  get pages(): number {
    return this.memory.buffer.byteLength / 65536;
  }

  /**
   * One hook call: malloc, write, call, free the input, read the output, free the output. The hot path of every
   * benchmark: one try for the whole call (the phase names where a trap happened), no closures, no BigInt
   * arithmetic, one cached view of memory.
   */
  call(hook: string, input: HookBytes): RawCall {
    const fn = this.exports[hook] as (ptr: number, len: number) => bigint;
    const len = input.length;
    if (len > this.#maxInput) {
      const fix = this.#maxInputWhy.startsWith("takes")
        ? ` (a bifrost-as plugin takes more when built with bifrost-as build --max-input-mb ${Math.ceil(len / MIB)})`
        : " (raise the host's memory cap)";
      throw new PluginInputTooLargeError(
        `${this.#who()} ${this.#maxInputWhy}: this ${hook} input is ${size(len)}${fix}`,
        hook,
        len,
        this.#maxInput,
      );
    }
    const pagesBefore = this.pages;
    let phase: Phase = "malloc";
    let text: string | null = null;
    let outputBytes = 0;
    let hookUs: number | undefined;
    const started = performance.now();
    try {
      const ptr = this.#write(input, hook);
      phase = "call";
      // A clock read costs ~0.08 µs, a quarter of the host's own share: only when asked.
      const hookStarted = this.opts.timeHook ? performance.now() : 0;
      const packed = fn(ptr, len);
      if (this.opts.timeHook) hookUs = (performance.now() - hookStarted) * 1000;
      // Input first, then read: plugins that reuse the input buffer for their output must survive this order.
      phase = "free";
      this.#release(ptr, len, "input");
      if (packed !== 0n) {
        packedCell[0] = packed;
        const outPtr = packedHalves[1]!;
        outputBytes = packedHalves[0]!;
        text = this.#read(outPtr, outputBytes, hook);
        this.#release(outPtr, outputBytes, "output");
      }
    } catch (e) {
      if (e instanceof PluginError || !isTrap(e)) throw e;
      throw trapError(e, this.opts, hook, phase, this, phase === "malloc" ? len : 0);
    } finally {
      this.#wasi.flush();
    }
    const durationUs = (performance.now() - started) * 1000;
    return {
      text,
      stats: {
        durationUs,
        ...(hookUs === undefined ? {} : { hookUs }),
        inputBytes: len,
        outputBytes,
        pagesBefore,
        pagesAfter: this.pages,
      },
    };
  }

  cleanup(): number {
    const f = this.exports.cleanup;
    return typeof f === "function" ? this.#guard("cleanup", "call", f as () => number) : 0;
  }

  /** Runs `f`, turning a trap into a PluginTrapError; `wanted` is what malloc was asked for, in bytes. */
  #guard<T>(hook: string, phase: Phase, f: () => T, wanted = 0): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof PluginError || !isTrap(e)) throw e;
      throw trapError(e, this.opts, hook, phase, this, wanted);
    } finally {
      this.#wasi.flush();
    }
  }

  /** The plugin's memory as bytes, covering at least `end` when memory is that large (growth detaches old views). */
  #bytes(end: number): Uint8Array {
    let view = this.#view;
    if (end > view.length) this.#view = view = new Uint8Array(this.memory.buffer);
    return view;
  }

  /** malloc(len) and copy `bytes` there (encode an ASCII text there); a 0 or out-of-bounds pointer is an error. */
  #write(bytes: HookBytes, hook: string): number {
    const ptr = this.#malloc(bytes.length) >>> 0;
    const memory = this.#bytes(ptr + bytes.length);
    if (ptr === 0 || ptr + bytes.length > memory.length) {
      const size = memory.length;
      const what = `malloc(${bytes.length}) returned ${ptr}${ptr ? `, outside its ${size}-byte memory` : ""}`;
      const limit = this.opts.memoryLimitPages ?? WASM32_MAX_PAGES;
      if (this.pages >= limit) {
        throw new PluginMemoryError(
          `${this.#who()} ran out of memory in ${hook}: ${what} at its ${limit}-page limit`,
          hook,
          "malloc",
          limit,
        );
      }
      throw new PluginContractError(`${this.#who()} cannot take the ${hook} input: ${what}`, hook, [what]);
    }
    if (bytes instanceof Uint8Array) memory.set(bytes, ptr);
    else bytes.writeInto(memory.subarray(ptr, ptr + bytes.length));
    return ptr;
  }

  /** Frees a buffer as the policy says (`free` gets the size when it takes two parameters). */
  #release(ptr: number, len: number, buffer: "input" | "output"): void {
    const n = this.#frees[buffer];
    this.#freeing = buffer;
    for (let i = 1; i <= n; i++) {
      this.#freeNth = i;
      this.#free(ptr, len);
    }
  }

  /** The buffer being freed and which free of it this is, for a trap there. */
  #freeing: "input" | "output" = "input";
  #freeNth = 1;

  /** Which free of which buffer trapped, e.g. `the host's second free of init's config buffer (...)`. */
  freeStep(hook: string): string {
    const owner = hook === "init" ? "init's config buffer" : `the ${hook} ${this.#freeing} buffer`;
    const probe = this.#freeNth === 2 && this.opts.freePolicy === "double"
      ? ' (free policy "double", a probe: Bifrost does not free a buffer twice)'
      : "";
    return `the host's ${this.#freeNth === 2 ? "second " : ""}free of ${owner}${probe}`;
  }

  /** The name from get_name, once known. */
  get knownName(): string | undefined {
    return this.#name;
  }

  /** Reads packed ptr/len as strict UTF-8, checking it lies inside memory. */
  #readString(packed: bigint, hook: string): string {
    const { ptr, len } = unpackPtrLen(packed);
    return this.#read(ptr, len, hook);
  }

  /** Reads [ptr, ptr+len) as strict UTF-8, checking it lies inside memory. */
  #read(ptr: number, len: number, hook: string): string {
    const memory = this.#bytes(ptr + len);
    const fail = (what: string) => new PluginContractError(`${this.#who()} ${hook} ${what}`, hook, [what]);
    if (ptr + len > memory.length) {
      throw fail(`returned pointer ${ptr} and length ${len}, outside its ${memory.length}-byte memory`);
    }
    const bytes = memory.subarray(ptr, ptr + len);
    const text = decodeUtf8(bytes);
    if (text !== undefined) return text;
    const at = firstInvalidUtf8(bytes);
    throw fail(`returned invalid UTF-8 (byte ${at}: 0x${bytes[at]?.toString(16).padStart(2, "0")})`);
  }

  #who(): string {
    return `Plugin "${this.name}"`;
  }
}

const MIB = 1 << 20;

/** The most pages a wasm32 memory can have (4 GiB): the limit of a module with no maximum and no host cap. */
const WASM32_MAX_PAGES = 65536;
/** Near the wasm32 ceiling, a trap is taken for a failed allocation: within the SDK's largest input (1 GiB) of it. */
const CEILING_MARGIN_PAGES = 16384;

/** A size for messages: MiB with bytes, or bytes alone when small. */
function size(bytes: number): string {
  const exact = `${bytes.toLocaleString("en-US")} bytes`;
  return bytes < MIB ? exact : `${Math.round((bytes / MIB) * 10) / 10} MiB (${exact})`;
}

/** The offset of the first byte that is not part of a valid UTF-8 sequence (error path only). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > b.length) return i;
    try {
      if (n > 1) utf8.decode(b.subarray(i, i + n)); // rejects overlongs and surrogates
    } catch {
      return i;
    }
    i += n;
  }
  return b.length;
}

function isTrap(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError || e instanceof ProcExit ||
    (e instanceof RangeError && /call stack/i.test(e.message));
}

const TRAP_KINDS: [RegExp, TrapKind, string][] = [
  [/unreachable/, "unreachable", "unreachable executed (an AssemblyScript abort or a Rust panic)"],
  [/call stack|stack overflow/i, "stack_overflow", "call stack exhausted"],
  [/memory access out of bounds|out of bounds memory/, "out_of_bounds", "memory access out of bounds"],
  [/divide by zero|remainder by zero/, "divide_by_zero", "integer divide by zero"],
  [/unrepresentable|integer overflow/, "integer_overflow", "integer overflow"],
  [/float unrepresentable|invalid conversion/, "invalid_conversion", "invalid conversion to integer"],
  [/table index|null function|signature mismatch|indirect call/, "indirect_call", "invalid indirect call"],
];

/** Builds the typed error of a trap: its kind, the wasm function from the stack, and memory exhaustion. */
function trapError(
  e: unknown,
  opts: RunnerOptions,
  hook: string,
  phase: Phase,
  instance: Instance | undefined,
  wanted = 0,
): PluginTrapError {
  // A trap while loading comes before get_name: ask a fresh instance for the name, to name the plugin.
  const name = instance?.knownName ?? (hook === "init" ? probeName(opts) : undefined) ?? opts.label;
  const who = `Plugin "${name}"`;
  const cause = { cause: e };
  if (e instanceof ProcExit) {
    return new PluginTrapError(`${who} called proc_exit(${e.code}) in ${hook}`, hook, "proc_exit", "proc_exit", cause);
  }
  const message = (e as Error).message;
  const [, kind, text] = TRAP_KINDS.find(([re]) => re.test(message)) ?? [/./, "other", message];
  const fn = trappedFunction(e as Error, opts.functionNames);
  const where = `${PHASE_TEXT[phase]}: ${text}${fn ? ` in function "${fn}"` : ""}`;
  const limit = opts.memoryLimitPages ?? WASM32_MAX_PAGES;
  const pages = instance?.pages;
  // A failed memory.grow is invisible to the host: judge by memory at its limit, or a request that cannot fit under
  // it; at the wasm32 ceiling (no cap, no maximum), by memory near it, where a plugin's next allocation cannot fit.
  const margin = opts.memoryLimitPages === undefined ? CEILING_MARGIN_PAGES : 0;
  if (pages !== undefined && pages + Math.ceil(wanted / 65536) + margin >= limit) {
    const at = pages >= limit ? "at" : `${pages} pages, near`;
    const ceiling = limit === WASM32_MAX_PAGES ? ": 4 GiB, the most a wasm32 module can have" : "";
    const bare = `${PHASE_TEXT[phase]}: ${kind === "unreachable" ? "unreachable executed" : text}${
      fn ? ` in function "${fn}"` : ""
    }`;
    return new PluginMemoryError(
      `${who} ran out of memory in ${hook}${bare} (its memory is ${at} the ${limit}-page limit${ceiling})`,
      hook,
      fn,
      limit,
      cause,
    );
  }
  // A trap while instantiating leaves no memory to look at; a limit is the likely culprit.
  const limited = instance === undefined && opts.memoryLimitPages !== undefined
    ? ` (its memory is limited to ${limit} pages)`
    : "";
  if (phase === "free" && instance !== undefined) {
    const step = instance.freeStep(hook);
    return new PluginTrapError(
      `${who} trapped in free, ${step}: ${text}${fn ? ` in function "${fn}"` : ""}`,
      "free",
      kind,
      fn,
      cause,
    );
  }
  return new PluginTrapError(`${who} trapped in ${hook}${where}${limited}`, hook, kind, fn, cause);
}

/** The plugin's name from `get_name` on a fresh instance (no `init`), or `undefined` when that fails too. */
function probeName(opts: RunnerOptions): string | undefined {
  try {
    const instance = new WebAssembly.Instance(opts.module, createWasi(() => {}).imports);
    const getName = instance.exports.get_name as () => bigint;
    const memory = instance.exports.memory as WebAssembly.Memory;
    const { ptr, len } = unpackPtrLen(getName());
    const name = utf8.decode(new Uint8Array(memory.buffer, ptr, len));
    return name === "" ? undefined : name;
  } catch {
    return undefined;
  }
}

/**
 * The wasm function at the top of a trap's stack (Rust names demangled). Deno's own stack text
 * misprints wasm function indices, so the frames are read through V8's
 * structured stack (`prepareStackTrace`), installed only while this
 * error's stack is first formatted.
 */
function trappedFunction(e: Error, names: Map<number, string>): string | undefined {
  const E = Error as unknown as { prepareStackTrace: ((e: Error, frames: CallSite[]) => unknown) | undefined };
  const saved = E.prepareStackTrace;
  let found: string | undefined;
  E.prepareStackTrace = (err, frames) => {
    for (const f of frames) {
      const m = String(f).match(/wasm-function\[(\d+)\]/);
      if (!m) continue;
      found = demangle(f.getFunctionName() ?? names.get(Number(m[1])) ?? `wasm-function[${m[1]}]`);
      break;
    }
    return [String(err), ...frames.map((f) => `    at ${f}`)].join("\n");
  };
  try {
    void e.stack;
  } finally {
    E.prepareStackTrace = saved;
  }
  return found;
}

interface CallSite {
  getFunctionName(): string | null;
  toString(): string;
}

/**
 * An instance that recovers: after a trap it re-instantiates the plugin
 * (re-running `init`) before rethrowing, so the next call works.
 */
export class Runner {
  #instance: Instance;
  #broken: PluginError | undefined;

  constructor(readonly opts: RunnerOptions, readonly onLog: (line: string) => void) {
    this.#instance = new Instance(opts, onLog);
  }

  get name(): string {
    return this.#instance.name;
  }

  get pages(): number {
    return this.#instance.pages;
  }

  /** Export names of the module. */
  get exports(): string[] {
    return Object.keys(this.#instance.exports);
  }

  call(hook: string, input: HookBytes): RawCall {
    return this.#recovering(() => this.#instance.call(hook, input));
  }

  cleanup(): number {
    return this.#recovering(() => this.#instance.cleanup());
  }

  #recovering<T>(f: () => T): T {
    if (this.#broken) throw this.#broken;
    try {
      return f();
    } catch (e) {
      if (e instanceof PluginTrapError) this.#reinstantiate(e);
      throw e;
    }
  }

  #reinstantiate(reason: PluginTrapError): void {
    try {
      this.#instance = new Instance(this.opts, this.onLog);
      this.onLog(`host: re-instantiated plugin "${this.name}" after: ${reason.message}`);
    } catch (e) {
      this.#broken = new PluginError(
        `Plugin "${this.#instance.name}" is unusable: re-instantiating it after a trap failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
}

/** An error as it crosses the process boundary. */
export interface SerializedError {
  name: string;
  message: string;
  hook?: string;
  kind?: TrapKind;
  functionName?: string;
  limitPages?: number;
  timeoutMs?: number;
  violations?: readonly string[];
  inputBytes?: number;
  limitBytes?: number;
}

/** Flattens an error for postMessage (typed fields kept). */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const { name, message } = e;
  const f = e as Partial<SerializedError>;
  return JSON.parse(JSON.stringify({
    name,
    message,
    hook: f.hook,
    kind: f.kind,
    functionName: f.functionName,
    limitPages: f.limitPages,
    timeoutMs: f.timeoutMs,
    violations: f.violations,
    inputBytes: f.inputBytes,
    limitBytes: f.limitBytes,
  }));
}

/** Rebuilds a typed error from {@link serializeError}'s output. */
export function reviveError(s: SerializedError): Error {
  const hook = s.hook ?? "";
  switch (s.name) {
    case "PluginMemoryError":
      return new PluginMemoryError(s.message, hook, s.functionName, s.limitPages ?? 0);
    case "PluginTrapError":
      return new PluginTrapError(s.message, hook, s.kind ?? "other", s.functionName);
    case "PluginTimeoutError":
      return new PluginTimeoutError(s.message, hook, s.timeoutMs ?? 0);
    case "PluginContractError":
      return new PluginContractError(s.message, hook, s.violations ?? []);
    case "PluginInputTooLargeError":
      return new PluginInputTooLargeError(s.message, hook, s.inputBytes ?? 0, s.limitBytes ?? 0);
    case "PluginError":
      return new PluginError(s.message);
    default:
      return Object.assign(new Error(s.message), { name: s.name });
  }
}
