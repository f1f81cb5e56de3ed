/**
 * Compiles an AssemblyScript plugin to WebAssembly with json-as's transform,
 * writing the `.wasm` atomically.
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";
import { BuildError } from "../errors.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { SDK_DIR } from "./toolkit.ts";

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
        `Cannot build "${entry}": ${formatCompilerErrors(stderr) || result.error?.message || "no output"}`,
      );
    }
  } finally {
    Deno.chdir(prevCwd);
  }
  const path = out.startsWith("/") ? out : `${cwd}/${out}`;
  await writeFileAtomic(path, wasm);
  return { path, bytes: wasm, durationMs: performance.now() - started, warnings: compilerWarnings(stderr) };
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

function compilerWarnings(stderr: string): string[] {
  return stderr.replace(ANSI, "").split(/\n(?=\S)/)
    .filter((b) => b.startsWith("WARNING") && !/AS2(2[0-9])/.test(b))
    .map((b) => b.split("\n")[0]!);
}
