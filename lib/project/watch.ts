/**
 * `bifrost-as watch` as a library: build, validate and run the fixtures,
 * then again whenever a source changes (only the fixtures when only
 * fixtures change), until the signal fires.
 *
 * It watches the entry's directory (`.ts` files), `asconfig.json` and the
 * fixtures directory. The build writes the `.wasm` atomically (a rename),
 * which is what a running `bifrost-as dev` gateway watches for: it reloads
 * the plugin after each successful build. A failed build leaves the last
 * good `.wasm` in place, so the gateway keeps serving it.
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";
import { buildPlugin } from "./build.ts";
import { BifrostAsError } from "../errors.ts";
import { type FixtureReport, runFixtures } from "./fixtures.ts";
import { validateModule, type ValidationReport } from "../wasm/validate.ts";

/** Options of {@link watchPlugin}. */
export interface WatchOptions {
  /** The plugin's entry file, relative to `cwd`. */
  entry: string;
  /** Where the `.wasm` goes, relative to `cwd`. */
  out: string;
  /** Default `fixtures`; skipped while it does not exist. */
  fixtures?: string;
  /** The project directory. Default: the current directory. */
  cwd?: string;
  /** Stops watching. */
  signal: AbortSignal;
  /** Everything that happens, in order. */
  onEvent: (event: WatchEvent) => void;
  /** Quiet time after a change before acting, in ms. Default 200. */
  debounceMs?: number;
  /** Fixtures' time budget per hook call, in ms (see `runFixtures`). */
  timeoutMs?: number;
}

/** What {@link watchPlugin} reports. */
export type WatchEvent =
  /** A build starts; `changed` lists the files (relative to `cwd`) that caused it, none for the first. */
  | { kind: "build"; changed: string[] }
  /** The build failed; the message names each error's file(line,column). */
  | { kind: "build-failed"; message: string }
  /** The build succeeded and was validated against the ABI. */
  | { kind: "built"; path: string; size: number; durationMs: number; warnings: string[]; validation: ValidationReport }
  /** The fixtures ran. */
  | { kind: "fixtures"; report: FixtureReport }
  /** The fixtures could not run (none yet, an unreadable directory). */
  | { kind: "fixtures-failed"; message: string }
  /** Waiting for changes to these paths (relative to `cwd`). */
  | { kind: "watching"; paths: string[] };

/** Runs the build-validate-test loop until `signal` fires. Build and fixture failures are events, not errors. */
export async function watchPlugin(options: WatchOptions): Promise<void> {
  const cwd = resolve(options.cwd ?? Deno.cwd());
  const fixtures = resolve(cwd, options.fixtures ?? "fixtures");
  const sourceDir = resolve(cwd, dirname(options.entry));
  const asconfig = resolve(cwd, "asconfig.json");
  const emit = options.onEvent;
  const changes = new ChangeQueue(options.debounceMs ?? 200);
  const watched = [sourceDir, asconfig, fixtures];
  const watchers: Deno.FsWatcher[] = [];
  const stop = () => {
    changes.wake();
    for (const w of watchers) w.close();
  };
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    for (const path of watched) {
      if (!await exists(path)) continue;
      const watcher = Deno.watchFs(path, { recursive: true });
      watchers.push(watcher);
      changes.follow(watcher, (p) => classify(p, { sourceDir, asconfig, fixtures }));
    }
    let built: string | undefined;
    let todo: Change = { build: true, fixtures: true, paths: [] };
    while (!options.signal.aborted) {
      if (todo.build) {
        emit({ kind: "build", changed: todo.paths.map((p) => relative(cwd, p)) });
        built = await build(options, cwd, emit);
      }
      if (built && (todo.build || todo.fixtures) && !options.signal.aborted) {
        await test(built, fixtures, options, emit);
      }
      if (options.signal.aborted) break;
      emit({ kind: "watching", paths: watchers.length ? watched.map((p) => relative(cwd, p) || ".") : [] });
      todo = await changes.next(options.signal);
    }
  } finally {
    options.signal.removeEventListener("abort", stop);
    stop();
  }
}

async function build(options: WatchOptions, cwd: string, emit: WatchOptions["onEvent"]): Promise<string | undefined> {
  try {
    const r = await buildPlugin({ entry: options.entry, out: options.out, cwd });
    const validation = validateModule(r.bytes, { source: r.path });
    emit({
      kind: "built",
      path: r.path,
      size: r.bytes.length,
      durationMs: r.durationMs,
      warnings: r.warnings,
      validation,
    });
    return validation.valid ? r.path : undefined;
  } catch (e) {
    if (!(e instanceof BifrostAsError)) throw e;
    emit({ kind: "build-failed", message: e.message });
    return undefined;
  }
}

async function test(plugin: string, dir: string, options: WatchOptions, emit: WatchOptions["onEvent"]): Promise<void> {
  if (!await exists(dir)) return;
  try {
    const report = await runFixtures(
      plugin,
      dir,
      options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
    );
    emit({ kind: "fixtures", report });
  } catch (e) {
    if (!(e instanceof BifrostAsError)) throw e;
    emit({ kind: "fixtures-failed", message: e.message });
  }
}

/** What a batch of changes calls for. */
interface Change {
  build: boolean;
  fixtures: boolean;
  /** The changed files that call for a build. */
  paths: string[];
}

/** Which kind of change a path is: a source (rebuild), a fixture (re-test), or neither. */
function classify(
  path: string,
  at: { sourceDir: string; asconfig: string; fixtures: string },
): "source" | "fixture" | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (name.startsWith(".") || name.endsWith("~") || /\.tmp-/.test(name)) return undefined;
  if (path === at.asconfig) return "source";
  if ((path === at.fixtures || path.startsWith(`${at.fixtures}/`)) && name.endsWith(".json")) return "fixture";
  if (path.startsWith(`${at.sourceDir}/`) && name.endsWith(".ts")) return "source";
  return undefined;
}

/** File events, collected into debounced batches. */
class ChangeQueue {
  #pending: Change = { build: false, fixtures: false, paths: [] };
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ready: (() => void) | undefined;

  constructor(private debounceMs: number) {}

  /** Feeds a watcher's events in, until it is closed. */
  follow(watcher: Deno.FsWatcher, kind: (path: string) => "source" | "fixture" | undefined): void {
    (async () => {
      try {
        for await (const event of watcher) {
          if (event.kind === "access" || event.kind === "other") continue;
          for (const path of event.paths) {
            const k = kind(path);
            if (k === "source") {
              this.#pending.build = true;
              if (!this.#pending.paths.includes(path)) this.#pending.paths.push(path);
            } else if (k === "fixture") {
              this.#pending.fixtures = true;
            } else continue;
            clearTimeout(this.#timer);
            this.#timer = setTimeout(this.#quiet, this.debounceMs);
          }
        }
      } catch { /* closed */ }
    })();
  }

  /** The debounce ran out: changes may be handed out. */
  #quiet = () => {
    this.#timer = undefined;
    this.#ready?.();
  };

  /** Resolves a waiting {@link next} early (on abort). */
  wake(): void {
    clearTimeout(this.#timer);
    this.#quiet();
  }

  /** The next batch: waits for a change and a quiet `debounceMs` (or the abort). */
  async next(signal: AbortSignal): Promise<Change> {
    while (!signal.aborted) {
      if ((this.#pending.build || this.#pending.fixtures) && this.#timer === undefined) break;
      await new Promise<void>((resolve) => (this.#ready = resolve));
      this.#ready = undefined;
    }
    const batch = this.#pending;
    this.#pending = { build: false, fixtures: false, paths: [] };
    return batch;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
