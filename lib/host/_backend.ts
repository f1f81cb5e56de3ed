/**
 * Where `PluginHost` runs a plugin: in-thread (the fast path), or in a
 * child process speaking the host worker's protocol: V8 in a child Deno
 * process when calls have a deadline (see `_host_worker.ts` for why not a
 * Web Worker), or the wazero engine; a process whose call runs past its
 * deadline is killed and replaced.
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { PluginError, PluginTimeoutError } from "../errors.ts";
import { type HookBytes, type RawCall, reviveError, Runner, type RunnerOptions } from "./instance.ts";
import { frame, FrameReader, toWire, type WorkerReply, type WorkerRequest } from "./worker_protocol.ts";
import { type ByteWriter, type JsonPieces, textChunks } from "../internal/json_pieces.ts";
import { type Engine, engineCacheDir } from "./engine.ts";

/** A compiled, checked plugin, ready to instantiate here or in a worker. */
export interface Prepared {
  runner: RunnerOptions;
  /** The module's bytes, memory cap applied. */
  bytes: Uint8Array;
  exports: Set<string>;
  /** What a non-strict load let through. */
  notes: string[];
}

/** One loaded plugin, whatever runs it. */
export interface Backend {
  readonly engine: Engine;
  readonly name: string;
  readonly pages: number;
  readonly exports: ReadonlySet<string>;
  /** Calls `hook` with a JSON text, or JSON in pieces (a large input, written without a whole copy). */
  call(hook: HookName, input: string | JsonPieces): Promise<RawCall>;
  cleanup(): Promise<number>;
  close(): void;
}

const encoder = new TextEncoder();

/**
 * UTF-8 of `text` in a scratch buffer reused call after call (`encodeInto` is
 * ~10x cheaper than `encode` for small inputs here). The view is valid until
 * the next call: the runner copies it into the plugin's memory at once.
 * Large inputs get a buffer of their own, or none when they are ASCII.
 */
let scratch = new Uint8Array(1 << 16);
const NOT_ASCII = /[\u0080-\uffff]/;
/** Inputs that may need more than this are encoded into a buffer of their own, not kept. */
const SCRATCH_MAX = 1 << 22;
function encodeScratch(text: string): HookBytes {
  // UTF-16 code units become at most 3 bytes each.
  if (text.length * 3 > SCRATCH_MAX) return largeText(text);

  if (text.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}

/**
 * A large input's bytes: an ASCII text (a base64 body, a long prompt, an
 * answer of numbers) is written as it is, straight into the plugin's memory
 * or a slice at a time into the engine's pipe: one copy fewer of tens of
 * MiB, and a scan for non-ASCII costs half of an encode. Any other text is
 * encoded whole.
 */
function largeText(text: string): Payload {
  if (NOT_ASCII.test(text)) return encoder.encode(text);
  return {
    length: text.length,
    writeInto: (into) => encoder.encodeInto(text, into),
    chunks: () => textChunks(text),
  };
}

/** A request's payload: bytes, or something written a slice at a time. */
type Payload = Uint8Array | (ByteWriter & { chunks(): Iterable<Uint8Array> });

/** Runs the plugin in this thread. */
export class InlineBackend implements Backend {
  readonly #runner: Runner;
  constructor(prepared: Prepared, log: (line: string) => void) {
    this.#runner = new Runner(prepared.runner, log);
    this.exports = prepared.exports;
  }
  readonly exports: ReadonlySet<string>;
  readonly engine = "v8";
  get name(): string {
    return this.#runner.name;
  }
  get pages(): number {
    return this.#runner.pages;
  }
  // deno-lint-ignore require-await
  async call(hook: HookName, input: string | JsonPieces): Promise<RawCall> {
    return this.#runner.call(hook, typeof input === "string" ? encodeScratch(input) : input);
  }
  // deno-lint-ignore require-await
  async cleanup(): Promise<number> {
    return this.#runner.cleanup();
  }
  close(): void {}
}

/** A final reply, a result with its output read. */
type Final = Exclude<WorkerReply, { type: "log" | "ready" | "result" }> | { type: "result"; call: RawCall };
/** A request as sent: a call's `bytes` is its payload's length, added when it is framed. */
type Message = Exclude<WorkerRequest, { type: "call" }> | Omit<Extract<WorkerRequest, { type: "call" }>, "bytes">;
/** Outputs are valid UTF-8: the worker's runner and the engine check them before they send them. */
const decoder = new TextDecoder();
type Waiter = { resolve(r: Final): void; reject(e: Error): void };

const WORKER = new URL("./_host_worker.ts", import.meta.url);

/** A program speaking the host worker's protocol (`_host_worker.ts`) on its stdin and stdout. */
export interface EngineProgram {
  engine: Engine;
  command: string;
  args: string[];
  /**
   * Whether the program stops a call past its deadline on its own (the load
   * request's options carry `hookTimeoutMs`; its reply is a
   * `PluginTimeoutError`). The host still kills it {@link DEADLINE_GRACE_MS}
   * later.
   */
  keepsDeadlines: boolean;
  /** Whether the program says `ready` once started: the load's deadline then starts from it, not from the spawn. */
  announcesReady: boolean;
}

/** The longest a program may take to start and say `ready`. */
const STARTUP_LIMIT_MS = 60_000;

/** How long past a deadline the host waits for an engine that keeps deadlines itself, before killing it. */
export const DEADLINE_GRACE_MS = 250;

const MIB = 1 << 20;

/**
 * What the host adds to a deadline per MiB of request, for the request's and
 * the answer's trip through the pipe (raw bytes each way, the output decoded
 * and parsed here): measured on 2 cores, a 100 MiB input costs about 0.1 s
 * there, and a 100 MiB output (a post_hook's answer) 1 s under V8 and 2.4 s
 * under wazero, none of it the plugin's; twice the worst is allowed. A small
 * input adds nothing.
 */
export const TRANSPORT_MS_PER_MIB = 50;

/** The V8 engine in a child Deno process: `_host_worker.ts`. */
export function v8Program(): EngineProgram {
  return {
    engine: "v8",
    command: Deno.execPath(),
    // gc() for the worker's collection after a large call (node:v8 and node:vm would cost it 4 MB of memory).
    args: ["run", "--quiet", "--no-prompt", "--no-config", "--v8-flags=--expose-gc", WORKER.href],
    keepsDeadlines: false,
    announcesReady: true,
  };
}

/** The wazero engine: the `bifrost-as-engine` binary at `path`. */
export function wazeroProgram(path: string): EngineProgram {
  const cache = engineCacheDir();
  return {
    engine: "wazero",
    command: path,
    args: cache ? ["--cache", cache] : [],
    keepsDeadlines: true,
    announcesReady: false,
  };
}

/** Options of {@link ProcessBackend.start}. */
export interface ProcessOptions {
  program: EngineProgram;
  /** Deadline of each call and of loading, in ms; omitted: none. */
  timeoutMs?: number;
  log: (line: string) => void;
}

/**
 * Runs the plugin in a child process speaking the host worker's protocol
 * (the V8 worker or the wazero engine); a request past its deadline kills
 * the process, and a fresh one is loaded.
 */
export class ProcessBackend implements Backend {
  #child: Deno.ChildProcess | undefined;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #waiting: Waiter | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** The current process's last request, written whole. */
  #written: Promise<void> = Promise.resolve();
  #broken: Error | undefined;
  /** The current process was killed past a deadline: the next request needs a fresh one. */
  #killed = false;
  #stopReading: () => void = () => {};
  name = "";
  pages = 0;

  private constructor(readonly prepared: Prepared, readonly options: ProcessOptions) {}

  get exports(): ReadonlySet<string> {
    return this.prepared.exports;
  }

  get engine(): Engine {
    return this.options.program.engine;
  }

  static async start(prepared: Prepared, options: ProcessOptions): Promise<ProcessBackend> {
    const b = new ProcessBackend(prepared, options);
    try {
      await b.#spawn();
    } catch (e) {
      b.#kill();
      throw e;
    }
    return b;
  }

  /** A fresh process with the plugin loaded (loading under the deadline). */
  async #spawn(): Promise<void> {
    const { program, timeoutMs } = this.options;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program.command, {
        args: program.args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      throw new PluginError(`Cannot start the ${program.engine} engine "${program.command}": ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.#child = child;
    this.#killed = false;
    this.#stdin = child.stdin.getWriter();
    this.#written = Promise.resolve();
    // Killing the process also stops reading its pipes: a grandchild that holds them must not keep the host waiting.
    const reading = new AbortController();
    this.#stopReading = () => reading.abort();
    let stderrText = "";
    const stderr = child.stderr.pipeThrough(new TextDecoderStream(), { signal: reading.signal })
      .pipeTo(new WritableStream({ write: (t) => void (stderrText = (stderrText + t).slice(-4096)) }))
      .catch(() => {});
    let onReady = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    // Replies settle the pending request only while this process is the current one.
    void (async () => {
      const frames = FrameReader.ofStream(child.stdout, reading.signal);
      try {
        for (let line = await frames.line(); line !== null; line = await frames.line()) {
          if (line === "") continue;
          let reply: WorkerReply;
          try {
            reply = JSON.parse(line) as WorkerReply;
          } catch {
            if (this.#child !== child) continue;
            this.log(`host: the ${program.engine} engine wrote a line that is not JSON: ${line.slice(0, 200)}`);
            continue;
          }
          // A result's output follows its line, read even when this process has been replaced.
          const final: Final | undefined = reply.type !== "result" ? undefined : {
            type: "result",
            call: {
              text: reply.bytes === null ? null : decoder.decode(await frames.bytes(reply.bytes)),
              stats: reply.stats,
            },
          };
          if (this.#child !== child) continue;
          if (reply.type === "ready") onReady();
          else if (reply.type === "log") this.log(reply.line);
          else this.#settle((w) => w.resolve(final ?? (reply as Final)));
        }
      } catch { /* the pipe broke: the process is gone */ }
      onReady(); // gone before it was ready: the load below fails with the reason
      await stderr;
      const detail = stderrText.trim().split("\n").at(-1) ?? "";
      if (this.#child !== child) return; // replaced after a timeout
      this.#settle((w) =>
        w.reject(new PluginError(`The ${program.engine} engine's process exited${detail ? `: ${detail}` : ""}`))
      );
    })();
    if (program.announcesReady) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const started = await Promise.race([
        ready.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STARTUP_LIMIT_MS))),
      ]);
      clearTimeout(timer);
      if (!started) {
        throw new PluginError(`The ${program.engine} engine did not start within ${STARTUP_LIMIT_MS / 1000} s`);
      }
    }
    const options = toWire(this.prepared.runner, this.prepared.bytes);
    if (timeoutMs !== undefined && program.keepsDeadlines) options.hookTimeoutMs = timeoutMs;
    const load: WorkerRequest = { type: "load", options };
    const loaded = await this.#request(load, "init");
    if (loaded.type !== "loaded") throw new Error(`${program.engine} engine: unexpected reply "${loaded.type}"`);
    this.name = loaded.name;
    this.pages = loaded.pages;
  }

  log(line: string): void {
    this.options.log(line);
  }

  /** Hands the pending request (if any) to `f`, exactly once. */
  #settle(f: (w: Waiter) => void): void {
    const w = this.#waiting;
    this.#waiting = undefined;
    if (w) f(w);
  }

  #kill(): void {
    try {
      this.#child?.kill("SIGKILL");
    } catch { /* already gone */ }
    this.#stopReading();
  }

  /** Sends `req` and resolves with its reply; an error reply rejects with the revived error; past the deadline, kills. */
  #request(req: Message, hook: string, payload?: Payload): Promise<Final> {
    const { timeoutMs, program } = this.options;
    // The pipe's time is not the plugin's: a large input's trip through it (both ways, read at each end) is added.
    const size = payload?.length ?? (req.type === "load" ? req.options.wasmBase64.length : 0);
    const transport = Math.floor(size / MIB) * TRANSPORT_MS_PER_MIB;
    return new Promise<Final>((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.#kill();
        this.#killed = true;
        const name = this.name || this.prepared.runner.label;
        this.#settle((w) =>
          w.reject(
            new PluginTimeoutError(
              `Plugin "${name}" ${hook} ran past its ${timeoutMs} ms budget (the host stopped it)`,
              hook,
              timeoutMs,
            ),
          )
        );
      }, timeoutMs + transport + (program.keepsDeadlines ? DEADLINE_GRACE_MS : 0));
      this.#waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.type === "error") reject(reviveError(r.error));
          else resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      // A large payload is written a slice at a time, each once the pipe has taken the one before, and after the
      // whole of the request before: a process may answer before it has read its input (one it refuses), and the
      // next request must not land in the middle of it.
      const stdin = this.#stdin!;
      const written = this.#written.then(async () => {
        for (const chunk of frame(req, payload)) await stdin.write(chunk);
      });
      this.#written = written.catch(() => {});
      written.catch((e) =>
        this.#settle((w) =>
          w.reject(new PluginError(`The ${program.engine} engine's process is gone: ${(e as Error).message}`))
        )
      );
    });
  }

  /** One request at a time, each deadline starting when its request is sent; a kill replaces the process. */
  #serial<T extends Final["type"]>(
    req: Message,
    hook: string,
    type: T,
    payload?: Payload,
  ): Promise<Extract<Final, { type: T }>> {
    const run = this.#queue.then(async () => {
      if (this.#broken) throw this.#broken;
      try {
        const r = await this.#request(req, hook, payload);
        if (r.type !== type) throw new Error(`${this.engine} engine: unexpected reply "${r.type}"`);
        return r as Extract<Final, { type: T }>;
      } catch (e) {
        if (this.#killed && e instanceof PluginTimeoutError) await this.#respawn(e);
        throw e;
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async #respawn(reason: Error): Promise<void> {
    try {
      await this.#spawn();
      this.log(`host: re-instantiated plugin "${this.name}" after: ${reason.message}`);
    } catch (e) {
      this.#kill();
      this.#broken = new PluginError(
        `Plugin "${this.name}" is unusable: re-instantiating it after a timeout failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  async call(hook: HookName, input: string | JsonPieces): Promise<RawCall> {
    const payload = typeof input !== "string"
      ? input
      : input.length * 3 > SCRATCH_MAX
      ? largeText(input)
      : encoder.encode(input);
    const r = await this.#serial({ type: "call", hook }, hook, "result", payload);
    this.pages = r.call.stats.pagesAfter;
    return r.call;
  }

  async cleanup(): Promise<number> {
    return (await this.#serial({ type: "cleanup" }, "cleanup", "cleanup")).code;
  }

  /** The wazero engine's native Go floor (sonic and encoding/json), timed inside the engine. */
  floor(req: Extract<WorkerRequest, { type: "floor" }>): Promise<Extract<Final, { type: "floor" }>> {
    return this.#serial(req, "floor", "floor");
  }

  /** The wazero engine's pool throughput, timed inside the engine. */
  throughput(req: Extract<WorkerRequest, { type: "throughput" }>): Promise<Extract<Final, { type: "throughput" }>> {
    return this.#serial(req, "throughput", "throughput");
  }

  close(): void {
    this.#broken ??= new PluginError(`Plugin "${this.name}" is closed`);
    this.#kill();
  }
}
