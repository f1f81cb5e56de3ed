/**
 * The gateway's loaded plugins: one conformance-host instance per plugin,
 * calls serialised per plugin, hot reload when the `.wasm` changes.
 * Private to the gateway.
 *
 * Why one instance with serialised calls rather than a pool: a plugin is
 * stateful (it keeps its config and whatever it counts), Bifrost most likely
 * keeps one long-lived instance per plugin (docs/abi.md), and a hook call takes
 * microseconds, so a queue per plugin costs little and keeps the plugin's
 * view of the world the one it has in Bifrost.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { dirname, resolve } from "node:path";
import type { HookName } from "../abi/abi.ts";
import type { HookCall, HostOptions } from "../host/types.ts";
import { PluginHost } from "../host/host.ts";
import type { HookObserver, PluginEntry } from "./types.ts";
import { JsonPieces } from "../internal/json_pieces.ts";

/** How long closing waits for calls in flight (and `cleanup`) before it stops the plugin, in ms. */
export const CLOSE_GRACE_MS = 1000;

/** Whether `p` settles within `ms` (its outcome ignored); the timer never outlives the answer. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p.then(() => true, () => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What one request ran, gathered while it is handled (for `dev`'s request log). */
export interface RequestTrace {
  /** `plugin:hook` for every hook call, in call order. */
  hooks: string[];
  /** Which plugin's hook answered instead of the provider, e.g. `guard pre_hook: error 403`. */
  shortCircuit?: string;
}

/** The trace of the request being handled, where the gateway traces requests. */
export const requestTrace: AsyncLocalStorage<RequestTrace> = new AsyncLocalStorage<RequestTrace>();

/** A loaded plugin: calls go through {@link LoadedPlugin.call}, one at a time. */
export class LoadedPlugin {
  #host: PluginHost;
  #queue: Promise<unknown> = Promise.resolve();
  #watcher: Deno.FsWatcher | undefined;

  private constructor(
    readonly entry: PluginEntry,
    host: PluginHost,
    private hostOptions: HostOptions,
    private observer: HookObserver | undefined,
  ) {
    this.#host = host;
  }

  static async load(entry: PluginEntry, hostOptions: HostOptions, observer?: HookObserver): Promise<LoadedPlugin> {
    const host = await PluginHost.load(entry.path, { ...hostOptions, config: entry.config ?? {} });
    return new LoadedPlugin(entry, host, hostOptions, observer);
  }

  /** The name the plugin registers under (`get_name`). */
  get name(): string {
    return this.#host.name;
  }

  /** The plugin's memory size now, in 64 KiB pages. */
  get pages(): number {
    return this.#host.pages;
  }

  has(hook: HookName): boolean {
    return this.#host.has(hook);
  }

  /** The HTTP pre hook export this plugin has, if any (current name first). */
  get httpPreHook(): HookName | undefined {
    if (this.has("http_pre_hook")) return "http_pre_hook";
    if (this.has("http_intercept")) return "http_intercept";
    return undefined;
  }

  /** Calls `hook` after every call already queued for this plugin; JSON in pieces is written as it is. */
  call(hook: HookName, input: unknown): Promise<HookCall<unknown>> {
    // Serialised now: the gateway goes on changing the objects it passed (the context above all).
    const text = typeof input === "string" || input instanceof JsonPieces ? input : JSON.stringify(input);
    requestTrace.getStore()?.hooks.push(`${this.entry.name}:${hook}`);
    const run = this.#queue.then(() => this.#host.call(hook, text));
    this.#queue = run.catch(() => {});
    if (!this.observer) return run;
    const observer = this.observer;
    return run.then((result) => {
      try {
        const input = typeof text === "string" ? text : text.text();
        observer({ plugin: this.entry.name, hook, config: this.entry.config ?? {}, input, output: result.raw });
      } catch { /* an observer's failure is not the request's */ }
      return result;
    });
  }

  /**
   * Replaces the instance by a fresh one (its memory back to its initial
   * size) when its memory is over `pages`, after the calls already queued: a
   * wasm memory never shrinks, so one large request would otherwise keep its
   * memory for good. Resolves to whether it did.
   */
  renewAbove(pages: number, log: (line: string) => void): Promise<boolean> {
    const run = this.#queue.then(async () => {
      const grown = this.#host.pages;
      if (grown <= pages) return false;
      try {
        const next = await PluginHost.load(this.entry.path, { ...this.hostOptions, config: this.entry.config ?? {} });
        const old = this.#host;
        this.#host = next;
        old.close();
        log(
          `plugin "${this.entry.name}" grew to ${grown} pages (${
            (grown / 16).toFixed(1)
          } MiB), past ${pages}: started afresh`,
        );
        return true;
      } catch (e) {
        log(`plugin "${this.entry.name}" could not be started afresh, keeping it: ${(e as Error).message}`);
        return false;
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Loads the `.wasm` again and swaps it in once queued calls are done; on failure keeps the old one. */
  async reload(log: (line: string) => void): Promise<boolean> {
    let next: PluginHost;
    try {
      next = await PluginHost.load(this.entry.path, { ...this.hostOptions, config: this.entry.config ?? {} });
    } catch (e) {
      log(`reload of plugin "${this.entry.name}" failed, keeping the previous build: ${(e as Error).message}`);
      return false;
    }
    const swap = this.#queue.then(() => {
      const old = this.#host;
      this.#host = next;
      old.close();
    });
    this.#queue = swap.catch(() => {});
    await swap;
    log(`reloaded plugin "${this.entry.name}" from ${this.entry.path}`);
    return true;
  }

  /**
   * Reloads whenever the `.wasm` file changes (debounced). Watches the
   * directory, not the file: builds replace the file by a rename, and a
   * watch on the file itself ends with the first replacement.
   */
  watch(log: (line: string) => void): void {
    const path = resolve(this.entry.path);
    const watcher = Deno.watchFs(dirname(path), { recursive: false });
    this.#watcher = watcher;
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      try {
        for await (const event of watcher) {
          if (event.kind === "remove" || event.kind === "access" || !event.paths.includes(path)) continue;
          clearTimeout(timer);
          timer = setTimeout(() => void this.reload(log), 150);
        }
      } catch { /* watcher closed */ }
    })();
  }

  /**
   * Calls `cleanup` once the queued calls are done, then releases the
   * instance. A call or a cleanup still running after {@link CLOSE_GRACE_MS}
   * (a hook that spins) is stopped: closing never waits for a deadline.
   */
  async close(): Promise<void> {
    this.#watcher?.close();
    if (await settlesWithin(this.#queue, CLOSE_GRACE_MS)) {
      // A failing cleanup must not keep the gateway from stopping.
      await settlesWithin(this.#host.cleanup(), CLOSE_GRACE_MS);
    }
    this.#host.close();
  }
}
