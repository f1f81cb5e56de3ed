/**
 * How a plugin project reaches the SDK: `node_modules/bifrost-as` is a
 * symlink to a toolkit checkout, the layout `npm install` would give, so
 * asc resolves `bifrost-as/assembly/sdk` as a package and the project's
 * `asconfig.json` extends `node_modules/bifrost-as/asconfig.sdk.json`
 * (whose `json-as` transform and package path point into the toolkit's own
 * `node_modules`). Private to the library and the CLI.
 */
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.ts";

/** Where the SDK link lives in a project. */
export const SDK_LINK = "node_modules/bifrost-as";

/** The toolkit checkout this code runs from, or `undefined` when it does not run from files. */
export function toolkitRoot(): string | undefined {
  const url = new URL("../..", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url).replace(/\/$/, "") : undefined;
}

/** Whether `dir` holds a toolkit checkout (its SDK entry). */
export async function isToolkit(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir}/assembly/sdk/index.ts`)).isFile;
  } catch {
    return false;
  }
}

/** Points `<project>/node_modules/bifrost-as` at `sdkDir`, replacing an older link. */
export async function linkSdk(project: string, sdkDir: string): Promise<void> {
  const link = `${project}/${SDK_LINK}`;
  await Deno.mkdir(`${project}/node_modules`, { recursive: true });
  let stat: Deno.FileInfo | undefined;
  try {
    stat = await Deno.lstat(link);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (stat && !stat.isSymlink) {
    throw new UsageError(`Cannot link the SDK at "${link}": something else is there (remove it first)`);
  }
  if (stat) await Deno.remove(link);
  await Deno.symlink(sdkDir, link, { type: "dir" });
}

/**
 * In a project whose `asconfig.json` extends a config under the SDK link,
 * links the running toolkit when the link is missing or dangling (a fresh
 * clone: `node_modules/` is not committed). Returns a note saying so, or
 * `undefined` when nothing was needed.
 */
export async function ensureSdkLink(project: string): Promise<string | undefined> {
  let asconfig: string;
  try {
    asconfig = await Deno.readTextFile(`${project}/asconfig.json`);
  } catch {
    return undefined;
  }
  if (!asconfig.includes(`${SDK_LINK}/`) || await isToolkit(`${project}/${SDK_LINK}`)) return undefined;
  const root = toolkitRoot();
  if (root === undefined || !await isToolkit(root)) return undefined;
  try {
    const stat = await Deno.lstat(`${project}/${SDK_LINK}`);
    if (!stat.isSymlink) return undefined; // A real directory someone installed: leave it to the build to complain.
  } catch { /* missing: link it */ }
  await linkSdk(project, root);
  return `Linked ${SDK_LINK} to the toolkit at ${root}`;
}
