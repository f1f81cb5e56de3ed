/**
 * The plugins tests run: hello-world and the purpose-built ones under
 * `testdata/plugins/`, built on demand when missing or older than their
 * sources. Test support; not exported from mod.ts.
 */
import { buildPlugin } from "./build.ts";
import { hasRust, rustPlugin } from "./_test_rust_plugin.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** How a test plugin is built. */
interface TestPluginBuild {
  entry: string;
  out: string;
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
} as const satisfies Record<string, TestPluginBuild>;

export type TestPluginName = keyof typeof TEST_PLUGINS;

async function newestSource(entry: string): Promise<number> {
  let newest = (await Deno.stat(`${ROOT}/${entry}`)).mtime?.getTime() ?? 0;
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith(".ts")) newest = Math.max(newest, (await Deno.stat(p)).mtime?.getTime() ?? 0);
    }
  };
  await walk(`${ROOT}/assembly/sdk`);
  return newest;
}

/** The path of a test plugin's `.wasm`, building it first when it is missing or stale. */
export async function testPlugin(name: TestPluginName): Promise<string> {
  const { entry, out, maxInputMb }: TestPluginBuild = TEST_PLUGINS[name];
  const path = `${ROOT}/${out}`;
  const built = await Deno.stat(path).then((s) => s.mtime?.getTime() ?? 0, () => 0);
  if (built < await newestSource(entry)) {
    await buildPlugin({ entry, out, cwd: ROOT, ...(maxInputMb === undefined ? {} : { maxInputMb }) });
  }
  return path;
}

// `deno task build:test-plugins`: builds every test plugin that is missing or stale, and the Rust plugin where Debian's
// toolchain is installed, before the tests run in parallel (a build changes the process's working directory for a
// moment, which a test in another worker would see; several workers would build the Rust plugin at once).
if (import.meta.main) {
  for (const name of Object.keys(TEST_PLUGINS) as TestPluginName[]) await testPlugin(name);
  if (hasRust) await rustPlugin();
}
