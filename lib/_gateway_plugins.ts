/**
 * The gateway's loaded plugins: one conformance-host instance per plugin,
 * calls serialised per plugin, hot reload when the `.wasm` changes.
 * Private to the gateway.
 *
 * Why one instance with serialised calls rather than a pool: a plugin is
 * stateful (it keeps its config and whatever it counts), Bifrost most likely
 * keeps one long-lived instance per plugin (ABI.md), and a hook call takes
 * microseconds, so a queue per plugin costs little and keeps the plugin's
 * view of the world the one it has in Bifrost.
 */
import type { HookName } from "./abi.ts";
import { type HookCall, type HostOptions, PluginHost } from "./host.ts";

/** A plugin entry as `config.json` lists it. */
export interface PluginEntry {
  name: string;
  path: string;
  enabled?: boolean;
  config?: unknown;
}

/** A loaded plugin: calls go through {@link LoadedPlugin.call}, one at a time. */
export class LoadedPlugin {
  #host: PluginHost;
  #queue: Promise<unknown> = Promise.resolve();
  #watcher: Deno.FsWatcher | undefined;

  private constructor(readonly entry: PluginEntry, host: PluginHost, private hostOptions: HostOptions) {
    this.#host = host;
  }

  static async load(entry: PluginEntry, hostOptions: HostOptions): Promise<LoadedPlugin> {
    const host = await PluginHost.load(entry.path, { ...hostOptions, config: entry.config ?? {} });
    return new LoadedPlugin(entry, host, hostOptions);
  }

  /** The name the plugin registers under (`get_name`). */
  get name(): string {
    return this.#host.name;
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

  /** Calls `hook` after every call already queued for this plugin. */
  call(hook: HookName, input: unknown): Promise<HookCall<unknown>> {
    const run = this.#queue.then(() => this.#host.call(hook, input));
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

  /** Reloads whenever the `.wasm` file changes (debounced). */
  watch(log: (line: string) => void): void {
    const watcher = Deno.watchFs(this.entry.path);
    this.#watcher = watcher;
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      try {
        for await (const event of watcher) {
          if (event.kind !== "modify" && event.kind !== "create") continue;
          clearTimeout(timer);
          timer = setTimeout(() => void this.reload(log), 150);
        }
      } catch { /* watcher closed */ }
    })();
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    await this.#queue;
    try {
      await this.#host.cleanup();
    } catch { /* a failing cleanup must not keep the gateway from stopping */ }
    this.#host.close();
  }
}
