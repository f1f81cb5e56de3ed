/**
 * The engines a plugin runs in: `v8` (Deno's own WebAssembly, in this
 * process or a child Deno process) and `wazero` (the Go runtime Bifrost
 * runs plugins on, in the `bifrost-as-engine` program). Every contract
 * check, probe and diff stays in the TypeScript host whatever the engine:
 * the engine only instantiates the module and moves bytes in and out.
 *
 * The wazero engine is found, in order:
 * 1. `BIFROST_AS_ENGINE`: the path of a `bifrost-as-engine` binary;
 * 2. the npm package of this platform (`@bifrost-as/engine-linux-x64`, ...),
 *    which npm installs beside `bifrost-as` as an optional dependency;
 * 3. in a checkout of the repository with Go on `PATH`: built from
 *    `go/cmd/bifrost-as-engine` into `build/engine/` (again when a Go source
 *    is newer than the binary).
 *
 * @example
 * ```ts
 * import { parseEngine } from "./engine.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseEngine("wazero"), "wazero");
 * assert.throws(() => parseEngine("wasmtime"), { message: 'Unknown engine "wasmtime": expected v8, wazero' });
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import { BifrostAsError, InputError } from "../errors.ts";
import { fileURLToPath } from "node:url";

/** Where a plugin runs: V8 (Deno) or wazero (Go, as in Bifrost). */
export type Engine = "v8" | "wazero";

/** Every engine, in the order reports list them. */
export const ENGINES: readonly Engine[] = ["v8", "wazero"];

/** The environment variable naming a `bifrost-as-engine` binary. */
export const ENGINE_ENV = "BIFROST_AS_ENGINE";

/** The wazero engine cannot be found or built: the message says how to get it. */
export class EngineNotFoundError extends BifrostAsError {}

/** Checks an engine name, e.g. from `--engine`. Throws `InputError` (field `engine`) for anything but {@link ENGINES}. */
export function parseEngine(value: string): Engine {
  const found = ENGINES.find((e) => e === value.trim());
  if (!found) throw new InputError(`Unknown engine "${value}": expected ${ENGINES.join(", ")}`, "engine");
  return found;
}

/** The npm package holding the engine for a platform, named as Node names it (`linux-x64`, `win32-x64`, ...). */
export function enginePackage(os: string = Deno.build.os, arch: string = Deno.build.arch): string {
  const nodeOs = os === "windows" ? "win32" : os;
  const nodeArch = arch === "x86_64" ? "x64" : arch === "aarch64" ? "arm64" : arch;
  return `@bifrost-as/engine-${nodeOs}-${nodeArch}`;
}

/** The binary's file name on this platform. */
export function engineBinaryName(os: string = Deno.build.os): string {
  return os === "windows" ? "bifrost-as-engine.exe" : "bifrost-as-engine";
}

/**
 * Where the wazero engine keeps compiled code between runs (wazero's
 * compilation cache): `BIFROST_AS_ENGINE_CACHE` when set (the engine reads
 * it itself), else `bifrost-as/wazero` in the user's cache directory
 * (`XDG_CACHE_HOME`, `~/.cache`, `%LOCALAPPDATA%`); `undefined` when there
 * is none.
 */
export function engineCacheDir(env: (name: string) => string | undefined = (n) => Deno.env.get(n)): string | undefined {
  if (env("BIFROST_AS_ENGINE_CACHE")) return undefined;
  const base = env("XDG_CACHE_HOME") || env("LOCALAPPDATA") || (env("HOME") ? join(env("HOME")!, ".cache") : undefined);
  return base ? join(base, "bifrost-as", "wazero") : undefined;
}

/** Options of {@link findEngine}. */
export interface FindEngineOptions {
  /** Progress lines (the on-demand build announces itself). */
  onProgress?: (line: string) => void;
  /** Default `true`: build the engine in a checkout when Go is on PATH. */
  build?: boolean;
  /** Environment lookup (tests). Default `Deno.env.get`. */
  env?: (name: string) => string | undefined;
  /** The toolkit's root (tests). Default: where this code runs from. */
  root?: string;
}

let found: Promise<string> | undefined;

/**
 * The path of the wazero engine binary (see the module documentation for
 * the search order). Throws {@link EngineNotFoundError} saying how to get
 * it. The answer with default options is remembered for the process.
 */
export function findEngine(options: FindEngineOptions = {}): Promise<string> {
  const defaults = options.env === undefined && options.root === undefined && options.build !== false;
  if (defaults && found) return found;
  const search = searchEngine(options);
  if (defaults) {
    found = search;
    search.catch(() => (found = undefined));
  }
  return search;
}

/** Whether the wazero engine is there: its path, or why not (the message of {@link findEngine}'s error). */
export async function engineAvailability(
  options: FindEngineOptions = {},
): Promise<{ path: string } | { missing: string }> {
  try {
    return { path: await findEngine(options) };
  } catch (e) {
    if (e instanceof EngineNotFoundError) return { missing: e.message };
    throw e;
  }
}

async function searchEngine(options: FindEngineOptions): Promise<string> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const fromEnv = env(ENGINE_ENV);
  if (fromEnv) {
    if (await isFile(fromEnv)) return fromEnv;
    throw new EngineNotFoundError(`${ENGINE_ENV} names "${fromEnv}", which is not a file`);
  }
  const here = new URL("../..", import.meta.url); // the toolkit: a checkout, or the npm package
  const root = options.root ?? (here.protocol === "file:" ? fileURLToPath(here).replace(/\/$/, "") : undefined);
  const pkg = enginePackage();
  const binary = engineBinaryName();
  if (root) {
    // Beside the package (node_modules/@bifrost-as/...) or in any node_modules up the tree, as Node resolves it.
    for (let dir = root;; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", pkg, "bin", binary);
      if (await isFile(candidate)) return candidate;
      if (dirname(dir) === dir) break;
    }
    const sources = join(root, "go", "cmd", "bifrost-as-engine");
    if (await isDir(sources)) {
      if (options.build !== false) {
        const built = await buildFromCheckout(root, binary, options.onProgress);
        if (built.path) return built.path;
        throw new EngineNotFoundError(`The wazero engine could not be built from ${sources}: ${built.why}`);
      }
    }
  }
  throw new EngineNotFoundError(
    `The wazero engine (bifrost-as-engine) is not installed: npm installs it with bifrost-as as the optional ` +
      `dependency ${pkg} (unless optional dependencies were omitted: run npm install ${pkg}), or set ` +
      `${ENGINE_ENV} to a bifrost-as-engine binary; in a clone of bifrost-as, Go 1.26 on PATH builds it`,
  );
}

/** Builds `go/cmd/bifrost-as-engine` into `build/engine/` unless the binary is newer than every Go source. */
async function buildFromCheckout(
  root: string,
  binary: string,
  onProgress: ((line: string) => void) | undefined,
): Promise<{ path?: string; why?: string }> {
  const goDir = join(root, "go");
  const out = join(root, "build", "engine", binary);
  const built = await mtime(out);
  if (built !== undefined && (await newestSource(goDir)) <= built) return { path: out };
  onProgress?.(`Building the wazero engine: go build ./cmd/bifrost-as-engine -> ${out}...`);
  const started = performance.now();
  let go: Deno.CommandOutput | undefined;
  // Go's own install places it in /usr/local/go/bin, which a non-login shell may not have on PATH.
  for (const command of ["go", "/usr/local/go/bin/go"]) {
    try {
      go = await new Deno.Command(command, {
        args: ["build", "-trimpath", "-o", out, "./cmd/bifrost-as-engine"],
        cwd: goDir,
        env: { CGO_ENABLED: "0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  if (!go) {
    return { why: "Go is not on PATH (install Go 1.26, or set BIFROST_AS_ENGINE to a bifrost-as-engine binary)" };
  }
  if (!go.success) {
    const detail = new TextDecoder().decode(go.stderr).trim().split("\n").slice(-3).join("; ");
    return { why: `go build failed: ${detail}` };
  }
  onProgress?.(`Built the wazero engine in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return { path: out };
}

/** The newest modification time of a Go source, go.mod or go.sum under `dir`. */
async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) newest = Math.max(newest, await newestSource(path));
    else if (/\.go$|^go\.(mod|sum)$/.test(e.name)) newest = Math.max(newest, (await mtime(path)) ?? 0);
  }
  return newest;
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}
