/**
 * The plugins tests, the benchmark and the fuzzer run: hello-world, the
 * purpose-built ones under `testdata/plugins/`, and the docs-style baseline
 * (`testdata/plugins/baseline/`, its own asconfig.json: --runtime stub).
 * {@link testPlugin} hands out a plugin's `.wasm`, building it first when it
 * is missing or older than its sources. The build runs in a child process
 * (`build_plugins.ts`), so a test of a lower layer does not import the
 * project layer that builds, and a build's change of working directory is
 * never seen by a test running beside it.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** How a test plugin is built. */
export interface TestPluginBuild {
  /** The entry file, from `dir` (or the repository's root). */
  entry: string;
  /** The output, from the repository's root. */
  out: string;
  /** A folder with its own `asconfig.json` to build in; its sources alone decide when it is stale. */
  dir?: string;
  /** `buildPlugin`'s input limit. */
  maxInputMb?: number;
}

/** Plugins tests can ask for, by name: entry file, output and build options. */
export const TEST_PLUGINS = {
  "hello-world": { entry: "assembly/hello_world.ts", out: "build/hello-world.wasm" },
  "hello-world-1mb": { entry: "assembly/hello_world.ts", out: "build/hello-world-1mb.wasm", maxInputMb: 1 },
  trap: { entry: "testdata/plugins/trap.ts", out: "build/trap.wasm" },
  behaviours: { entry: "testdata/plugins/behaviours.ts", out: "build/behaviours.wasm" },
  kinds: { entry: "testdata/plugins/kinds.ts", out: "build/kinds.wasm" },
  views: { entry: "testdata/plugins/views.ts", out: "build/views.wasm" },
  failing: { entry: "testdata/plugins/failing.ts", out: "build/failing.wasm" },
  passthrough: { entry: "testdata/plugins/passthrough.ts", out: "build/passthrough.wasm" },
  baseline: { entry: "plugin.ts", out: "build/baseline.wasm", dir: "testdata/plugins/baseline" },
} as const satisfies Record<string, TestPluginBuild>;

/** A plugin {@link testPlugin} knows. */
export type TestPluginName = keyof typeof TEST_PLUGINS;

/** The build of a test plugin, by name. */
export function testPluginBuild(name: TestPluginName): TestPluginBuild {
  return TEST_PLUGINS[name];
}

async function newestMtime(dir: string, newest = 0): Promise<number> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) newest = await newestMtime(p, newest);
    else if (/\.(ts|json)$/.test(e.name)) newest = Math.max(newest, (await Deno.stat(p)).mtime?.getTime() ?? 0);
  }
  return newest;
}

/** When a test plugin's sources last changed: its own folder's, or its entry's and the SDK's. */
async function newestSource(build: TestPluginBuild): Promise<number> {
  if (build.dir !== undefined) return await newestMtime(`${ROOT}/${build.dir}`);
  const entry = (await Deno.stat(`${ROOT}/${build.entry}`)).mtime?.getTime() ?? 0;
  return Math.max(entry, await newestMtime(`${ROOT}/assembly/sdk`));
}

/** Whether a test plugin's `.wasm` is missing or older than its sources. */
export async function isStale(name: TestPluginName): Promise<boolean> {
  const build: TestPluginBuild = TEST_PLUGINS[name];
  const built = await Deno.stat(`${ROOT}/${build.out}`).then((s) => s.mtime?.getTime() ?? 0, () => 0);
  return built < await newestSource(build);
}

/** The path of a test plugin's `.wasm`, building it first (in a child process) when it is missing or stale. */
export async function testPlugin(name: TestPluginName): Promise<string> {
  if (await isStale(name)) {
    const script = new URL("./build_plugins.ts", import.meta.url).pathname;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, name],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`Cannot build test plugin "${name}": ${new TextDecoder().decode(stderr).trim()}`);
  }
  return `${ROOT}/${TEST_PLUGINS[name].out}`;
}
