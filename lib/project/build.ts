/**
 * Compiles an AssemblyScript plugin to WebAssembly with json-as's transform,
 * writing the `.wasm` atomically.
 *
 * @module
 */
import { basename, dirname, relative, resolve } from "node:path";
import { BuildError, PluginError } from "../errors.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { isToolkit, SDK_DIR } from "./toolkit.ts";
import { parseWasm } from "../wasm/wasm_binary.ts";
import { REQUIRED_EXPORTS } from "../abi/abi.ts";
import { PluginHost } from "../host/host.ts";

/** Options of {@link buildPlugin}. */
export interface BuildOptions {
  /** The plugin's entry file (not named `index.ts`: json-as strips its exports). */
  entry?: string;
  /** Where the `.wasm` goes. */
  out?: string;
  /** Debug build: assertions and names kept, no optimisation. */
  debug?: boolean;
  /** The project directory holding `asconfig.json` and `node_modules`. */
  cwd?: string;
  /**
   * The largest hook input the SDK takes, in MiB (`BIFROST_AS_MAX_INPUT_MB`;
   * default 512, room for Bifrost's default 100 MiB body base64-encoded in the
   * HTTP hooks, request and response both in the HTTP post hook). 1 to 1024.
   */
  maxInputMb?: number;
}

/** The range of {@link BuildOptions.maxInputMb}. */
export const MAX_INPUT_MB_RANGE = { min: 1, max: 1024 } as const;

/** What {@link buildPlugin} produced. */
export interface BuildResult {
  path: string;
  bytes: Uint8Array;
  durationMs: number;
  /** Compiler warnings (AS228-style notes are dropped). */
  warnings: string[];
}

/** The default entry and outputs of a project. */
export const DEFAULT_ENTRY = "assembly/hello_world.ts";
export const DEFAULT_OUT = "build/hello-world.wasm";
export const DEFAULT_DEBUG_OUT = "build/hello-world.debug.wasm";

/** A project's default entry and output, and whether it is the toolkit itself. */
export interface ProjectPaths {
  entry: string;
  out: string;
  /** `cwd` is a checkout of the toolkit (its own `assembly/sdk/`): the defaults are hello-world's. */
  toolkit: boolean;
}

/**
 * The defaults of the project in `cwd`: in a plugin project, the entry and
 * output its `build` script names (as `init` writes it), else its
 * `asconfig.json`'s release `outFile` and its one `assembly/*.ts` file; in
 * the toolkit, hello-world's.
 */
export async function projectPaths(cwd: string = Deno.cwd()): Promise<ProjectPaths> {
  if (await isToolkit(cwd)) return { entry: DEFAULT_ENTRY, out: DEFAULT_OUT, toolkit: true };
  const read = async (file: string) => {
    try {
      return JSON.parse(await Deno.readTextFile(`${cwd}/${file}`));
    } catch {
      return undefined;
    }
  };
  const script = String((await read("package.json"))?.scripts?.build ?? "");
  let entry = script.match(/--entry\s+(\S+)/)?.[1];
  let out = script.match(/--out\s+(\S+)/)?.[1];
  out ??= (await read("asconfig.json"))?.targets?.release?.outFile;
  if (entry === undefined) {
    const sources: string[] = [];
    try {
      for await (const e of Deno.readDir(`${cwd}/assembly`)) {
        if (e.isFile && e.name.endsWith(".ts") && e.name !== "index.ts") sources.push(`assembly/${e.name}`);
      }
    } catch { /* no assembly/ */ }
    if (sources.length === 1) entry = sources[0];
  }
  entry ??= DEFAULT_ENTRY;
  out ??= `build/${basename(entry, ".ts").replace(/_/g, "-")}.wasm`;
  return { entry, out: typeof out === "string" ? out : DEFAULT_OUT, toolkit: false };
}

/** Compiles `entry` to `out` and returns the bytes. Throws {@link BuildError} on compile errors. */
export async function buildPlugin(options: BuildOptions = {}): Promise<BuildResult> {
  const cwd = options.cwd ?? Deno.cwd();
  const entry = options.entry ?? DEFAULT_ENTRY;
  const out = options.out ?? (options.debug ? DEFAULT_DEBUG_OUT : DEFAULT_OUT);
  if (/(^|[\\/])index\.ts$/.test(entry)) {
    throw new BuildError(
      `Cannot build "${entry}": json-as treats an entry named index.ts as a library and strips its exports; rename it`,
    );
  }
  try {
    await Deno.stat(`${cwd}/${entry}`);
  } catch {
    throw new BuildError(`Cannot build "${entry}": file not found in ${cwd}`);
  }
  const mb = options.maxInputMb;
  if (mb !== undefined && !(Number.isInteger(mb) && mb >= MAX_INPUT_MB_RANGE.min && mb <= MAX_INPUT_MB_RANGE.max)) {
    throw new BuildError(
      `Cannot build "${entry}": the input limit must be a whole number of MiB from ${MAX_INPUT_MB_RANGE.min} to ${MAX_INPUT_MB_RANGE.max}, got ${mb}`,
    );
  }
  const missing = await missingExtends(cwd);
  if (missing) {
    const hint = missing.includes(`${SDK_DIR}/`) ? ": run 'npm install' (it puts bifrost-as there)" : "";
    throw new BuildError(`Cannot build "${entry}": asconfig.json extends "${missing}", which does not exist${hint}`);
  }
  const { default: asc } = await import("assemblyscript/asc");
  const started = performance.now();
  let wasm: Uint8Array | undefined;
  let stderr = "";
  const prevCwd = Deno.cwd();
  Deno.chdir(cwd);
  try {
    const result = await asc.main([
      entry,
      "--config",
      "asconfig.json",
      "--target",
      options.debug ? "debug" : "release",
      "--outFile",
      "plugin.wasm",
      ...(mb === undefined ? [] : ["--use", `BIFROST_AS_MAX_INPUT_MB=${mb}`]),
    ], {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith(".wasm")) wasm = typeof contents === "string" ? new TextEncoder().encode(contents) : contents;
      },
      stdout: { write: () => true } as never,
      stderr: {
        write: (s: string | Uint8Array) => {
          stderr += typeof s === "string" ? s : new TextDecoder().decode(s);
          return true;
        },
      } as never,
    });
    if (result.error || !wasm) {
      throw new BuildError(
        `Cannot build "${entry}": ${formatCompilerErrors(stderr) || result.error?.message || "no output"}${
          compileHints(stderr)
        }`,
      );
    }
  } finally {
    Deno.chdir(prevCwd);
  }
  await checkPluginEntry(wasm, entry);
  const path = out.startsWith("/") ? out : `${cwd}/${out}`;
  await writeFileAtomic(path, wasm);
  const warnings = [...compilerWarnings(stderr), ...await regExpWarnings(cwd, entry)];
  return { path, bytes: wasm, durationMs: performance.now() - started, warnings };
}

/** The line that exports the ABI from an SDK plugin's entry. */
export const ABI_EXPORT_LINE = 'export * from "bifrost-as/assembly/sdk/abi";';

/**
 * The two mistakes that compile cleanly: an entry that exports none of the
 * ABI (the `export * from ".../sdk/abi"` line left out), and one that never
 * registers its plugin (the SDK's `init` then refuses, naming the fix).
 */
async function checkPluginEntry(wasm: Uint8Array, entry: string): Promise<void> {
  let exported: Set<string>;
  try {
    exported = new Set(parseWasm(wasm).exports.map((e) => e.name));
  } catch {
    return; // validation reports a module it cannot read
  }
  const functions = REQUIRED_EXPORTS.filter((name) => name !== "memory");
  if (functions.every((name) => !exported.has(name)) && !exported.has("init")) {
    throw new BuildError(
      `Cannot build "${entry}": it exports none of the functions Bifrost calls (${
        [...functions.slice(0, 3), "init", ...functions.slice(3)].join(", ")
      }, ...): add this line to the entry file:\n  ${ABI_EXPORT_LINE}`,
    );
  }
  if (!exported.has("init") || !exported.has("last_error")) return; // not the SDK's ABI: nothing to ask
  try {
    (await PluginHost.load(wasm, { label: entry, timeoutMs: 10_000 })).close();
  } catch (e) {
    if (!(e instanceof PluginError)) throw e;
    const registered = e.message.match(/no plugin is registered: .*$/);
    if (registered) throw new BuildError(`Cannot build "${entry}": ${registered[0]}`);
  }
}

/**
 * The first config that `asconfig.json`'s `extends` chain names and that
 * does not exist (relative to `cwd`): asc would quietly build without it.
 */
async function missingExtends(cwd: string): Promise<string | undefined> {
  let path = resolve(cwd, "asconfig.json");
  for (let depth = 0; depth < 16; depth++) {
    let config: { extends?: unknown };
    try {
      config = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      // A missing asconfig.json, or one asc cannot read either: asc reports (or defaults) as before.
      return depth > 0 && e instanceof Deno.errors.NotFound ? relative(cwd, path) : undefined;
    }
    if (typeof config.extends !== "string") return undefined;
    path = resolve(dirname(path), config.extends);
  }
  return undefined;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Keeps the ERROR blocks of asc's output, each with its file:line. */
export function formatCompilerErrors(stderr: string): string {
  const blocks = stderr.replace(ANSI, "").split(/\n(?=\S)/).filter((b) => b.startsWith("ERROR"));
  return blocks.map((b) => {
    const where = b.match(/in (\S+\(\d+,\d+\))/)?.[1] ?? "";
    return `${b.split("\n")[0]}${where ? ` at ${where}` : ""}`;
  }).join("\n");
}

/** Hints for the compile errors AssemblyScript words badly for newcomers, each on its own line after the errors. */
const COMPILE_HINTS: [RegExp, string][] = [
  [
    /Not implemented: Regular expressions|Cannot find name 'RegExp'/,
    "AssemblyScript has no working RegExp (a /.../ literal does not compile; new RegExp(...) compiles but traps " +
    "when called): scan the text with string methods (indexOf, includes, startsWith, charCodeAt) instead; " +
    "docs/recipes.md has a tested scanner that redacts keys in any text",
  ],
  [
    /Not implemented: Closures/,
    "AssemblyScript has no closures: a function passed as a value (to some, map, filter, forEach, sort, ...) " +
    "cannot use the variables around it; write a for loop instead, or keep what it needs in a class field or a " +
    "top-level variable",
  ],
];

function compileHints(stderr: string): string {
  return COMPILE_HINTS.filter(([re]) => re.test(stderr)).map(([, hint]) => `\nhint: ${hint}`).join("");
}

/** `new RegExp(...)` compiles, then traps when called: where the entry's folder uses it. */
async function regExpWarnings(cwd: string, entry: string): Promise<string[]> {
  const warnings: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(resolve(cwd, dir)));
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = dir === "." ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory && depth < 4 && e.name !== "node_modules" && e.name !== "sdk") await walk(path, depth + 1);
      if (!e.isFile || !e.name.endsWith(".ts")) continue;
      const lines = (await Deno.readTextFile(resolve(cwd, path))).split("\n");
      lines.forEach((line, i) => {
        const col = line.search(/\bnew RegExp\s*\(/);
        if (col >= 0 && !/^\s*(\/\/|\*)/.test(line)) {
          warnings.push(
            `WARNING ${path}(${i + 1},${col + 1}): new RegExp(...) compiles but traps when called (AssemblyScript's ` +
              "RegExp is a stub): scan with string methods instead (docs/recipes.md)",
          );
        }
      });
    }
  };
  await walk(dirname(entry), 0);
  return warnings;
}

function compilerWarnings(stderr: string): string[] {
  return stderr.replace(ANSI, "").split(/\n(?=\S)/)
    .filter((b) => b.startsWith("WARNING") && !/AS2(2[0-9])/.test(b))
    .map((b) => b.split("\n")[0]!);
}
