/**
 * `bifrost-as init` as a library: a new plugin project that builds,
 * validates and passes its own tests once `npm install` has run.
 *
 * The project depends on the toolkit as an npm package, not a copy, and
 * reaches it only as `node_modules/bifrost-as`, never by an absolute path,
 * so it can be committed, cloned and built anywhere:
 *
 * - `package.json` depends on `bifrost-as` (this toolkit's version, or
 *   `sdkSpec`: another version, a tarball or a folder) and on `deno`, with
 *   npm scripts mirroring the `deno.json` tasks (`build`, `test`, `watch`,
 *   `dev`, `e2e`, `package`, ...), which run the `bifrost-as` command.
 * - AssemblyScript: the plugin imports `bifrost-as/assembly/sdk`, and
 *   `asconfig.json` extends `node_modules/bifrost-as/asconfig.sdk.json`,
 *   the SDK's compiler settings.
 * - Deno: `deno.json` maps `bifrost-as/` to `./node_modules/bifrost-as/`,
 *   so the project's Deno tests import `bifrost-as/mod.ts`; the toolkit's
 *   runtime npm pins and compiler options are copied so its modules resolve
 *   and type-check the same. Its `nodeModulesDir` is `none`: Deno reads
 *   bifrost-as's TypeScript from `node_modules` (it does not strip types
 *   from packages it resolves from an npm-managed `node_modules`) and its
 *   npm packages from its own cache.
 *
 * `sdk` (the CLI's `--sdk DIR`) is for working on the toolkit itself: the
 * project depends on the checkout `DIR`, and `node_modules/bifrost-as` links
 * it at once, so the project builds before any `npm install`.
 *
 * @example
 * ```ts
 * import { initProject } from "./init.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = `${await Deno.makeTempDir()}/my-plugin`;
 * const project = await initProject({ dir, sdkSpec: "0.1.0" });
 * assert.equal(project.name, "my-plugin");
 * assert.equal(project.entry, "assembly/my_plugin.ts");
 * assert.equal(project.dependency, "0.1.0");
 * const pkg = JSON.parse(await Deno.readTextFile(`${dir}/package.json`));
 * assert.equal(pkg.dependencies["bifrost-as"], "0.1.0");
 * assert.equal(pkg.scripts.test, "bifrost-as test --entry assembly/my_plugin.ts --out build/my-plugin.wasm");
 * assert.ok(project.files.includes("fixtures/pre_hook/blocked.json"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { projectFiles } from "./_project_templates.ts";
import {
  isToolkit,
  linkSdk,
  PACKAGE_NAME,
  readToolkitConfig,
  SDK_DIR,
  TOOLKIT_VERSION,
  toolkitRoot,
} from "./toolkit.ts";

/** Options of {@link initProject}. */
export interface InitOptions {
  /** Where the project goes; created when missing. */
  dir: string;
  /** The plugin's name (`get_name`); default: the directory's name. */
  name?: string;
  /**
   * What `package.json` depends on as `bifrost-as`: a version (`0.1.0`,
   * `bifrost-as@0.1.0`, or `bifrost-as` for this toolkit's), a tarball from
   * `npm pack`, or a toolkit folder (both written as absolute `file:`
   * specs). Default: this toolkit's own version.
   */
  sdkSpec?: string;
  /**
   * Developer option, for working on the toolkit: depend on this checkout
   * (a path or `file:` URL) and link it into `node_modules` now. Not with
   * `sdkSpec`.
   */
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
  /** The `bifrost-as` dependency written into `package.json`. */
  dependency: string;
  /** With `sdk`: the checkout `node_modules/bifrost-as` links. */
  linked?: string;
  /** The files written, relative to `dir` (with `sdk`, the SDK link last). */
  files: string[];
}

/** Plugin names: lower-case words joined by `-` or `_`. */
const NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** Creates a plugin project. Throws `InputError` for a bad name, SDK or a non-empty directory without `force`. */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const name = options.name ?? basename(dir);
  if (!NAME.test(name) || name.length > 64) {
    throw new InputError(
      `Invalid plugin name "${name}": use lower-case letters, digits and single - or _ between words`,
      "name",
    );
  }
  const snake = name.replace(/-/g, "_");
  if (snake === "index") {
    throw new InputError(`Invalid plugin name "${name}": json-as strips the exports of a file named index.ts`, "name");
  }
  if (options.sdk !== undefined && options.sdkSpec !== undefined) {
    throw new InputError("Give either an SDK checkout to link or the SDK spec package.json names, not both", "sdkSpec");
  }
  const linked = options.sdk === undefined ? undefined : await checkoutDirectory(options.sdk);
  const dependency = linked ? `file:${linked}` : await dependencySpec(options.sdkSpec ?? TOOLKIT_VERSION);
  const toolkit = linked ?? toolkitRoot();
  if (toolkit === undefined) {
    throw new InputError("Cannot tell where this toolkit is: give a checkout of it", "sdk");
  }
  await checkTarget(dir, options.force ?? false);

  const config = await readToolkitConfig(toolkit);
  const names = {
    name,
    snake,
    className: snake.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(""),
    entry: `assembly/${snake}.ts`,
    out: `build/${name.replace(/_/g, "-")}.wasm`,
    dependency,
    deno: config.deno ?? Deno.version.deno,
    pins: Object.fromEntries(
      Object.entries(config.imports).filter(([k]) => RUNTIME_PACKAGES.includes(k.replace(/\/$/, ""))),
    ),
    compilerOptions: config.compilerOptions,
  };
  const files = projectFiles(names);
  for (const [path, text] of Object.entries(files)) await writeFileAtomic(`${dir}/${path}`, text);
  if (linked) await linkSdk(dir, linked);
  return {
    dir,
    name,
    entry: names.entry,
    out: names.out,
    dependency,
    ...(linked ? { linked } : {}),
    files: [...Object.keys(files), ...(linked ? [SDK_DIR] : [])],
  };
}

/** A version, or an absolute `file:` spec of a tarball or toolkit folder; see {@link InitOptions.sdkSpec}. */
async function dependencySpec(spec: string): Promise<string> {
  if (spec === PACKAGE_NAME) return TOOLKIT_VERSION;
  const version = spec.startsWith(`${PACKAGE_NAME}@`) ? spec.slice(PACKAGE_NAME.length + 1) : spec;
  if (/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) return version;
  const expected = `expected an exact version (e.g. ${TOOLKIT_VERSION}), a ${PACKAGE_NAME} tarball or a folder`;
  const path = localPath(spec);
  if (path === undefined) throw new InputError(`Invalid sdkSpec "${spec}": ${expected}`, "sdkSpec");
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch {
    throw new InputError(`Invalid sdkSpec "${spec}": ${expected}, and there is no file or folder "${path}"`, "sdkSpec");
  }
  if (stat.isFile && !/\.(tgz|tar\.gz)$/.test(path)) {
    throw new InputError(`Invalid sdkSpec "${spec}": a file must be a tarball from 'npm pack' (.tgz)`, "sdkSpec");
  }
  if (stat.isDirectory) await requireToolkit(path, "sdkSpec", spec);
  return `file:${path}`;
}

async function checkoutDirectory(sdk: string): Promise<string> {
  const dir = localPath(sdk);
  if (dir === undefined) {
    throw new InputError(`Invalid sdk "${sdk}": expected a toolkit checkout, as a directory or a file: URL`, "sdk");
  }
  await requireToolkit(dir, "sdk", sdk);
  return dir;
}

/** A path or `file:` spec as an absolute path without a trailing slash; `undefined` for other URLs. */
function localPath(value: string): string | undefined {
  if (value.startsWith("file://")) return fileURLToPath(value).replace(/\/+$/, "");
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith("file:")) return undefined;
  return resolve(value.replace(/^file:/, "")).replace(/\/+$/, "");
}

async function requireToolkit(dir: string, field: string, given: string): Promise<void> {
  if (!await isToolkit(dir)) {
    throw new InputError(
      `Invalid ${field} "${given}": no ${PACKAGE_NAME} toolkit there (assembly/sdk/index.ts is missing)`,
      field,
    );
  }
}

/**
 * The npm packages the toolkit's library and CLI use (the compiler, its
 * transform and that transform's dependency, the config schema checker);
 * not its test-only ones, which a project would otherwise install.
 */
export const RUNTIME_PACKAGES: readonly string[] = ["assemblyscript", "json-as", "xjb-as", "ajv"];

async function checkTarget(dir: string, force: boolean): Promise<void> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!stat.isDirectory) throw new InputError(`Cannot create a project in "${dir}": it is a file`, "dir");
  if (force) return;
  for await (const _ of Deno.readDir(dir)) {
    throw new InputError(`Cannot create a project in "${dir}": the directory is not empty`, "force");
  }
}
