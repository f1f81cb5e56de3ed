/**
 * `deno task build:test-plugins [NAME...]` builds the test plugins that are
 * missing or stale (all of them without a name) and, with no name given,
 * the Rust plugin where Debian's toolchain is installed; the test task runs
 * it before the tests run in parallel, and `testPlugin()` runs it for one
 * plugin. `deno task build:rust` (`--rust`) builds the Rust plugin alone,
 * whether stale or not.
 *
 * @module
 */
import { buildPlugin } from "../lib/project/build.ts";
import { UsageError } from "../lib/errors.ts";
import { type Command, type CommandInput, didYouMean, flag, runMain } from "../cli/command.ts";
import { isStale, TEST_PLUGINS, testPluginBuild, type TestPluginName } from "./plugins.ts";
import { buildRustPlugin, hasRust, rustPlugin } from "./rust_plugin.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const NAMES = Object.keys(TEST_PLUGINS) as TestPluginName[];

/** Builds one test plugin when it is missing or stale. */
export async function buildTestPlugin(name: TestPluginName): Promise<void> {
  if (!await isStale(name)) return;
  const { entry, out, dir, maxInputMb } = testPluginBuild(name);
  const cwd = dir === undefined ? ROOT : `${ROOT}/${dir}`;
  await buildPlugin({ entry, out: `${ROOT}/${out}`, cwd, ...(maxInputMb === undefined ? {} : { maxInputMb }) });
}

/** `deno task build:test-plugins` and `deno task build:rust`. */
export const buildPluginsScript: Command = {
  name: "deno run -A testing/build_plugins.ts",
  summary: "Build the test plugins that are missing or stale, and the Rust plugin where its toolchain is installed",
  positionals: [{
    name: "name",
    description: `Test plugins to build: ${NAMES.join(", ")}`,
    optional: true,
    variadic: true,
  }],
  options: {
    rust: { type: "boolean", description: "Build the Rust plugin alone, stale or not (deno task build:rust)" },
  },
  run: build,
};

async function build(input: CommandInput): Promise<number> {
  if (flag(input, "rust")) {
    const b = await buildRustPlugin();
    const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
    input.io.out(
      `Built ${b.path} (${kb(b.bytes)}), ${b.optimizedPath} (${kb(b.optimizedBytes)}, wasm-opt -O3) ` +
        `and ${b.wasiPath} (${kb(b.wasiBytes)}, wasm32-wasi) in ${(b.durationMs / 1000).toFixed(1)}s`,
    );
    return 0;
  }
  for (const name of input.positionals) {
    if (!NAMES.includes(name as TestPluginName)) {
      throw new UsageError(`Unknown test plugin "${name}"${didYouMean(name, NAMES)}: expected ${NAMES.join(", ")}`);
    }
  }
  const names = input.positionals.length ? input.positionals as TestPluginName[] : NAMES;
  for (const name of names) await buildTestPlugin(name);
  if (input.positionals.length === 0 && hasRust) await rustPlugin();
  return 0;
}

if (import.meta.main) await runMain(buildPluginsScript);
