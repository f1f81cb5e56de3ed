/**
 * `deno task soak [--calls N] [--plugin FILE] [--json]`: the memory bound of
 * a plugin (hello-world by default) after at least 1,000,000 pre_hook calls
 * under each free policy, through the conformance host. Exits 1 when memory
 * grows after the warm-up under any policy.
 *
 * @module
 */
import { SEED_PRE_HOOK } from "../lib/bench/inputs.ts";
import { soakMemory } from "../lib/bench/memory.ts";
import { formatBenchReport } from "../lib/bench/report.ts";
import { PluginHost } from "../lib/host/host.ts";
import { helloWorldPlugin } from "./_plugins.ts";
import { intOption, runScript, scriptArgs } from "../lib/_script.ts";

const USAGE = `
deno task soak [options]

Calls pre_hook on the seed sample N times under each free policy (both,
input, none, double), each on a fresh instance, and prints the memory bound.
Exits 1 when memory grows after the warm-up (the first 10% of the calls).

Options:
  --calls N        Calls per policy (default 1000000)
  --plugin FILE    The plugin (default: build/hello-world.wasm, rebuilt when stale)
  --json           Print the results as JSON
`;

async function main(): Promise<number> {
  const values = scriptArgs(USAGE, {
    calls: { type: "string" },
    plugin: { type: "string" },
    json: { type: "boolean" },
  });
  if (!values) return 0;
  const calls = intOption(values, "calls", 1_000_000, 2);
  const plugin = typeof values.plugin === "string" ? values.plugin : await helloWorldPlugin();
  const host = await PluginHost.load(plugin);
  const name = host.name;
  host.close();
  const results = await soakMemory(plugin, {
    hook: "pre_hook",
    input: JSON.stringify(SEED_PRE_HOOK),
    calls,
    onPolicy: (r) => console.error(`soak: "${r.policy}" done in ${(r.durationMs / 1000).toFixed(1)} s`),
  });
  const flat = results.every((r) => r.flat);
  const bound = Math.max(...results.map((r) => r.highWaterPages));
  if (values.json) {
    console.log(JSON.stringify({ plugin: name, calls, flat, boundPages: bound, results }, null, 2));
  } else {
    console.log(
      formatBenchReport({
        plugin: name,
        memory: { plugin: { hook: "pre_hook", input: "seed sample", calls, results } },
      }),
    );
    console.log(
      flat
        ? `Memory bound: ${bound} pages (${bound / 16} MiB) under every free policy after ${
          calls.toLocaleString("en-US")
        } calls each.`
        : `Memory is not bounded: it grows after the warm-up under ${
          results.filter((r) => !r.flat).map((r) => r.policy).join(", ")
        }.`,
    );
  }
  return flat ? 0 : 1;
}

if (import.meta.main) await runScript(main);
