/**
 * `deno task build:test-plugins [NAME...]`: builds the test plugins that are
 * missing or stale (all of them without a name), and, with no name given,
 * the Rust plugin where Debian's toolchain is installed. The test task runs
 * it before the tests run in parallel; `testPlugin()` runs it for one
 * plugin.
 *
 * @module
 */
import { buildPlugin } from "../lib/project/build.ts";
import { isStale, TEST_PLUGINS, testPluginBuild, type TestPluginName } from "./plugins.ts";
import { hasRust, rustPlugin } from "./rust_plugin.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Builds one test plugin when it is missing or stale. */
export async function buildTestPlugin(name: TestPluginName): Promise<void> {
  if (!await isStale(name)) return;
  const { entry, out, dir, maxInputMb } = testPluginBuild(name);
  const cwd = dir === undefined ? ROOT : `${ROOT}/${dir}`;
  await buildPlugin({ entry, out: `${ROOT}/${out}`, cwd, ...(maxInputMb === undefined ? {} : { maxInputMb }) });
}

if (import.meta.main) {
  const known = Object.keys(TEST_PLUGINS) as TestPluginName[];
  const names = Deno.args.length === 0 ? known : Deno.args;
  for (const name of names) {
    if (!known.includes(name as TestPluginName)) {
      console.error(`Unknown test plugin "${name}": expected ${known.join(", ")}`);
      Deno.exit(2);
    }
    await buildTestPlugin(name as TestPluginName);
  }
  if (Deno.args.length === 0 && hasRust) await rustPlugin();
}
