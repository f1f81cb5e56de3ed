/**
 * Where `PluginHost` runs a plugin: in-thread (the fast path), or in a
 * child process when calls have a time budget, killed and replaced when a
 * call runs over (see `_host_worker.ts` for why not a Web Worker).
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { PluginError, PluginTimeoutError } from "../errors.ts";
import { type RawCall, reviveError, Runner, type RunnerOptions } from "./instance.ts";
import { lines, toWire, type WorkerReply, type WorkerRequest } from "./_host_worker.ts";

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
  readonly name: string;
  readonly pages: number;
  readonly exports: ReadonlySet<string>;
  call(hook: HookName, input: string): Promise<RawCall>;
  cleanup(): Promise<number>;
  close(): void;
}

const encoder = new TextEncoder();

/**
 * UTF-8 of `text` in a scratch buffer reused call after call (`encodeInto` is
 * ~10x cheaper than `encode` for small inputs here). The view is valid until
 * the next call: the runner copies it into the plugin's memory at once.
 */
let scratch = new Uint8Array(1 << 16);
/** Inputs that may need more than this are encoded into a buffer of their own, not kept. */
const SCRATCH_MAX = 1 << 22;
function encodeScratch(text: string): Uint8Array {
  // UTF-16 code units become at most 3 bytes each.
  if (text.length * 3 > SCRATCH_MAX) return encoder.encode(text);
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}

/** Runs the plugin in this thread. */
export class InlineBackend implements Backend {
  readonly #runner: Runner;
  constructor(prepared: Prepared, log: (line: string) => void) {
    this.#runner = new Runner(prepared.runner, log);
    this.exports = prepared.exports;
  }
  readonly exports: ReadonlySet<string>;
  get name(): string {
    return this.#runner.name;
  }
  get pages(): number {
    return this.#runner.pages;
  }
  // deno-lint-ignore require-await
  async call(hook: HookName, input: string): Promise<RawCall> {
    return this.#runner.call(hook, encodeScratch(input));
  }
  // deno-lint-ignore require-await
  async cleanup(): Promise<number> {
    return this.#runner.cleanup();
  }
  close(): void {}
}

type Final = Exclude<WorkerReply, { type: "log" }>;
type Waiter = { resolve(r: Final): void; reject(e: Error): void };

const WORKER = new URL("./_host_worker.ts", import.meta.url);

/** Runs the plugin in a child process; a request past the budget kills it, and a fresh one is loaded. */
export class ProcessBackend implements Backend {
  #child: Deno.ChildProcess | undefined;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #waiting: Waiter | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #broken: Error | undefined;
  name = "";
  pages = 0;

  private constructor(
    readonly prepared: Prepared,
    readonly timeoutMs: number,
    readonly log: (line: string) => void,
  ) {}

  get exports(): ReadonlySet<string> {
    return this.prepared.exports;
  }

  static async start(prepared: Prepared, timeoutMs: number, log: (line: string) => void): Promise<ProcessBackend> {
    const b = new ProcessBackend(prepared, timeoutMs, log);
    try {
      await b.#spawn();
    } catch (e) {
      b.#kill();
      throw e;
    }
    return b;
  }

  /** A fresh process with the plugin loaded (init under the time budget). */
  async #spawn(): Promise<void> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", "--no-config", WORKER.href],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    const stderr = new Response(child.stderr).text();
    // Replies settle the pending request only while this process is the current one.
    void (async () => {
      for await (const line of lines(child.stdout)) {
        const reply = JSON.parse(line) as WorkerReply;
        if (this.#child !== child) continue;
        if (reply.type === "log") this.log(reply.line);
        else this.#settle((w) => w.resolve(reply));
      }
      const detail = (await stderr).trim().split("\n").at(-1) ?? "";
      if (this.#child !== child) return; // replaced after a timeout
      this.#settle((w) => w.reject(new PluginError(`Plugin host process exited${detail ? `: ${detail}` : ""}`)));
    })();
    const loaded = await this.#request(
      { type: "load", options: toWire(this.prepared.runner, this.prepared.bytes) },
      "init",
    );
    if (loaded.type !== "loaded") throw new Error(`host worker: unexpected reply "${loaded.type}"`);
    this.name = loaded.name;
    this.pages = loaded.pages;
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
  }

  /** Sends `req` and resolves with its reply; an error reply rejects with the revived error; past the budget, kills. */
  #request(req: WorkerRequest, hook: string): Promise<Final> {
    return new Promise<Final>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#kill();
        const name = this.name || this.prepared.runner.label;
        this.#settle((w) =>
          w.reject(
            new PluginTimeoutError(
              `Plugin "${name}" ${hook} ran past its ${this.timeoutMs} ms budget (the host stopped it)`,
              hook,
              this.timeoutMs,
            ),
          )
        );
      }, this.timeoutMs);
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
      this.#stdin!.write(encoder.encode(JSON.stringify(req) + "\n")).catch((e) =>
        this.#settle((w) => w.reject(new PluginError(`Plugin host process is gone: ${(e as Error).message}`)))
      );
    });
  }

  /** One request at a time, each budget starting when its request is sent; a timeout replaces the process. */
  #serial<T extends Final["type"]>(req: WorkerRequest, hook: string, type: T): Promise<Extract<Final, { type: T }>> {
    const run = this.#queue.then(async () => {
      if (this.#broken) throw this.#broken;
      try {
        const r = await this.#request(req, hook);
        if (r.type !== type) throw new Error(`host worker: unexpected reply "${r.type}"`);
        return r as Extract<Final, { type: T }>;
      } catch (e) {
        if (e instanceof PluginTimeoutError) await this.#respawn(e);
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

  async call(hook: HookName, input: string): Promise<RawCall> {
    const r = await this.#serial({ type: "call", hook, input }, hook, "result");
    this.pages = r.call.stats.pagesAfter;
    return r.call;
  }

  async cleanup(): Promise<number> {
    return (await this.#serial({ type: "cleanup" }, "cleanup", "cleanup")).code;
  }

  close(): void {
    this.#broken ??= new PluginError(`Plugin "${this.name}" is closed`);
    this.#kill();
  }
}
