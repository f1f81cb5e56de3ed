/**
 * `bifrost-as init` as a library: a new plugin project that builds,
 * validates and passes its own tests at once.
 *
 * The project uses the toolkit as a dependency, not a copy:
 *
 * - AssemblyScript: `node_modules/bifrost-as` links the toolkit checkout
 *   (the layout `npm install` gives a package), so the plugin imports
 *   `bifrost-as/assembly/sdk`, and `asconfig.json` extends
 *   `node_modules/bifrost-as/asconfig.sdk.json`: the SDK's compiler
 *   settings, whose `json-as` transform and package path resolve in the
 *   toolkit's own `node_modules`. `node_modules/` is not committed; the
 *   `build` and `test` commands re-link a missing link.
 * - Deno: `deno.json` maps `bifrost-as/` to the toolkit, so its tasks run
 *   `bifrost-as/cli/main.ts` and Deno tests import `bifrost-as/mod.ts`; the
 *   toolkit's runtime npm pins are copied so its modules resolve the same
 *   versions.
 *
 * @example
 * ```ts
 * import { initProject } from "./init.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = `${await Deno.makeTempDir()}/my-plugin`;
 * const project = await initProject({ dir });
 * assert.equal(project.name, "my-plugin");
 * assert.equal(project.entry, "assembly/my_plugin.ts");
 * assert.ok(project.files.includes("fixtures/pre_hook/blocked.json"));
 * assert.ok((await Deno.lstat(`${dir}/node_modules/bifrost-as`)).isSymlink);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { UsageError } from "../errors.ts";
import { writeFileAtomic } from "../_fs.ts";
import { projectFiles } from "./_project_templates.ts";
import { isToolkit, linkSdk, SDK_LINK, toolkitRoot } from "./_sdk_link.ts";

/** Options of {@link initProject}. */
export interface InitOptions {
  /** Where the project goes; created when missing. */
  dir: string;
  /** The plugin's name (`get_name`); default: the directory's name. */
  name?: string;
  /** The toolkit checkout to depend on (a path or `file:` URL); default: the one running. */
  sdk?: string;
  /** Write into a non-empty directory (replacing the files init writes, keeping the others). */
  force?: boolean;
}

/** What {@link initProject} created. */
export interface InitResult {
  dir: string;
  name: string;
  /** The plugin's entry, relative to `dir`. */
  entry: string;
  /** The `.wasm` the build writes, relative to `dir`. */
  out: string;
  /** The toolkit checkout the project depends on. */
  sdkDir: string;
  /** The files written, relative to `dir` (the SDK link last). */
  files: string[];
}

/** Plugin names: lower-case words joined by `-` or `_`. */
const NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** Creates a plugin project. Throws `UsageError` for a bad name, SDK or a non-empty directory without `force`. */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const name = options.name ?? basename(dir);
  if (!NAME.test(name) || name.length > 64) {
    const hint = options.name === undefined ? ", or give --name" : "";
    throw new UsageError(
      `Invalid plugin name "${name}": use lower-case letters, digits and single - or _ between words${hint}`,
    );
  }
  const snake = name.replace(/-/g, "_");
  if (snake === "index") {
    throw new UsageError(`Invalid plugin name "${name}": json-as strips the exports of a file named index.ts`);
  }
  const sdkDir = await sdkDirectory(options.sdk);
  await checkTarget(dir, options.force ?? false);

  const names = {
    name,
    snake,
    className: snake.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(""),
    entry: `assembly/${snake}.ts`,
    out: `build/${name.replace(/_/g, "-")}.wasm`,
    sdkUrl: pathToFileURL(`${sdkDir}/`).href,
    ...await toolkitConfig(sdkDir),
  };
  const files = projectFiles(names);
  for (const [path, text] of Object.entries(files)) await writeFileAtomic(`${dir}/${path}`, text);
  await linkSdk(dir, sdkDir);
  return { dir, name, entry: names.entry, out: names.out, sdkDir, files: [...Object.keys(files), SDK_LINK] };
}

async function sdkDirectory(sdk: string | undefined): Promise<string> {
  let dir: string | undefined;
  if (sdk === undefined) {
    dir = toolkitRoot();
    if (dir === undefined) throw new UsageError("Cannot tell where this toolkit is: give --sdk DIR, a checkout of it");
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(sdk) && !sdk.startsWith("file:")) {
    throw new UsageError(`Invalid --sdk "${sdk}": expected a toolkit checkout, as a directory or a file: URL`);
  } else {
    dir = sdk.startsWith("file:") ? fileURLToPath(sdk) : resolve(sdk);
  }
  dir = dir.replace(/\/+$/, "");
  if (!await isToolkit(dir)) {
    throw new UsageError(
      `Invalid --sdk "${sdk ?? dir}": no bifrost-as toolkit there (assembly/sdk/index.ts is missing)`,
    );
  }
  return dir;
}

/**
 * The npm packages the toolkit's library and CLI use (the compiler, its
 * transform and that transform's dependency, the config schema checker);
 * not its test-only ones, which a project would otherwise install.
 */
export const RUNTIME_PACKAGES: readonly string[] = ["assemblyscript", "json-as", "xjb-as", "ajv"];

/**
 * From the toolkit's `deno.json`: its pins of {@link RUNTIME_PACKAGES}, so
 * its modules resolve the same versions from the project, and its compiler
 * options, which its modules are checked under (`deno test` in the project
 * checks them too).
 */
async function toolkitConfig(sdkDir: string): Promise<{ pins: Record<string, string>; compilerOptions: unknown }> {
  const path = `${sdkDir}/deno.json`;
  let config: { imports?: Record<string, string>; compilerOptions?: unknown };
  try {
    config = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new UsageError(`Cannot read the toolkit's "${path}": ${(e as Error).message}`, { cause: e });
  }
  const pins = Object.fromEntries(
    Object.entries(config.imports ?? {}).filter(([k, v]) =>
      v.startsWith("npm:") && RUNTIME_PACKAGES.includes(k.replace(/\/$/, ""))
    ),
  );
  return { pins, compilerOptions: config.compilerOptions ?? {} };
}

async function checkTarget(dir: string, force: boolean): Promise<void> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!stat.isDirectory) throw new UsageError(`Cannot create a project in "${dir}": it is a file`);
  if (force) return;
  for await (const _ of Deno.readDir(dir)) {
    throw new UsageError(`Cannot create a project in "${dir}": the directory is not empty (--force writes anyway)`);
  }
}
