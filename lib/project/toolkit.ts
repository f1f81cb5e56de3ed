/**
 * The toolkit this code runs from (a checkout, or the npm package in a
 * plugin project's `node_modules`), and how a plugin project reaches it:
 * `node_modules/bifrost-as`, where `npm install` puts the package, so asc
 * resolves `bifrost-as/assembly/sdk` as a package, the project's
 * `asconfig.json` extends `node_modules/bifrost-as/asconfig.sdk.json`, and
 * its `deno.json` maps `bifrost-as/` there. Private to the library and the
 * CLI.
 */
import config from "../../deno.json" with { type: "json" };
import { InputError } from "../errors.ts";
import { fileURLToPath } from "node:url";

/** The npm package plugin projects depend on. */
export const PACKAGE_NAME = "bifrost-as";

/** This toolkit's version: deno.json's, which package.json repeats (a test keeps them equal). */
export const TOOLKIT_VERSION: string = config.version;

/** Where a plugin project has the toolkit. */
export const SDK_DIR = `node_modules/${PACKAGE_NAME}`;

/** The toolkit this code runs from, or `undefined` when it does not run from files. */
export function toolkitRoot(): string | undefined {
  const url = new URL("../..", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url).replace(/\/$/, "") : undefined;
}

/** Whether `dir` holds the toolkit (its SDK entry). */
export async function isToolkit(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir}/assembly/sdk/index.ts`)).isFile;
  } catch {
    return false;
  }
}

/** A toolkit's pins and compiler options, read from its `package.json` and `deno.json`. */
export interface ToolkitConfig {
  /** The `deno` npm package's version in its `package.json`, if any. */
  deno: string | undefined;
  /** Its `npm:` imports by import-map key (`"json-as"`, `"json-as/"`, ...). */
  imports: Record<string, string>;
  /** Its npm pins by package name (`{"json-as": "1.6.0"}`). */
  pins: Record<string, string>;
  compilerOptions: unknown;
}

/** Reads a toolkit's pins; what is missing or unreadable is left out (callers report it). */
export async function readToolkitConfig(root: string): Promise<ToolkitConfig> {
  const result: ToolkitConfig = { deno: undefined, imports: {}, pins: {}, compilerOptions: {} };
  try {
    const pkg = JSON.parse(await Deno.readTextFile(`${root}/package.json`));
    result.deno = pkg.dependencies?.deno ?? pkg.devDependencies?.deno;
  } catch { /* no pin: any Deno 2 */ }
  try {
    const denoJson = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as {
      imports?: Record<string, string>;
      compilerOptions?: unknown;
    };
    for (const [key, value] of Object.entries(denoJson.imports ?? {})) {
      if (!value.startsWith("npm:")) continue;
      result.imports[key] = value;
      const m = value.match(/^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/]+)/);
      if (m && key === m[1]) result.pins[key] = m[2]!;
    }
    result.compilerOptions = denoJson.compilerOptions ?? {};
  } catch { /* no pins */ }
  return result;
}

/**
 * Makes `<project>/node_modules/bifrost-as` a link to the toolkit checkout
 * `sdkDir`, and `node_modules/.bin/bifrost-as` its command, as `npm install`
 * of a folder does; replaces older links, never a real directory.
 */
export async function linkSdk(project: string, sdkDir: string): Promise<void> {
  const links: [string, string][] = [
    [`${project}/${SDK_DIR}`, sdkDir],
    [`${project}/node_modules/.bin/${PACKAGE_NAME}`, `../${PACKAGE_NAME}/bin/${PACKAGE_NAME}.cjs`],
  ];
  for (const [link, target] of links) {
    await Deno.mkdir(link.slice(0, link.lastIndexOf("/")), { recursive: true });
    let stat: Deno.FileInfo | undefined;
    try {
      stat = await Deno.lstat(link);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (stat && !stat.isSymlink) {
      throw new InputError(`Cannot link the SDK at "${link}": something else is there (remove it first)`, "sdk");
    }
    if (stat) await Deno.remove(link);
    await Deno.symlink(target, link);
  }
}
