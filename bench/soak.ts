/**
 * `deno task soak [--calls N] [--plugin FILE] [--json]`: the memory bound of
 * a plugin (hello-world by default) after at least 1,000,000 pre_hook calls
 * under each free policy, through the conformance host. Exits 1 when memory
 * grows after the warm-up under any policy.
 *
 * `deno task soak --large [--sizes 1,10,100]`: inputs up to what Bifrost
 * accepts, each size a few times per hook and free policy: MB/s per size side
 * by side (time linear in size) and memory per call and as a multiple of the
 * input. Exits 1 when memory grows at a size, a call fails, or MB/s at the
 * largest size falls under half of it at the next size down.
 *
 * @module
 */
import { SEED_PRE_HOOK } from "../lib/bench/inputs.ts";
import { soakMemory } from "../lib/bench/memory.ts";
import { soakLargeInputs } from "../lib/bench/large_inputs.ts";
import { UsageError } from "../lib/errors.ts";
import { formatBenchReport } from "../lib/bench/report.ts";
import { PluginHost } from "../lib/host/host.ts";
import { testPlugin } from "../testing/plugins.ts";
import { type Command, type CommandInput, intOption, runMain, sizesOption } from "../cli/command.ts";

/** `deno task soak`. */
export const soakScript: Command = {
  name: "deno task soak",
  summary: "The memory bound of a plugin after many pre_hook calls under each free policy, or with --large, " +
    "inputs up to Bifrost's request limit",
  description: `
Calls pre_hook on the request of Bifrost's Rust example N times under each free policy (both,
input, none, double), each on a fresh instance, and prints the memory bound.
Exits 1 when memory grows after the warm-up (the first 10% of the calls).

With --large: calls http_pre_hook, pre_hook and post_hook with inputs of
each size (a long message, long content, a base64 body) under each free
policy, and prints MB/s per size and memory against the input. Exits 1 when
memory grows at a size, a call fails, or time is not linear in size.`,
  options: {
    calls: { type: "string", arg: "N", description: "Calls per policy (default 1000000; with --large, per size: 4)" },
    large: {
      type: "boolean",
      description: "Inputs up to Bifrost's request limit instead of the Rust example's request",
    },
    sizes: {
      type: "string",
      arg: "LIST",
      description: "With --large: sizes in MiB above 0 and up to 1024, comma-separated (default 1,10,100)",
    },
    plugin: {
      type: "string",
      arg: "FILE",
      description: "The plugin (default: build/hello-world.wasm, rebuilt when stale)",
    },
    json: { type: "boolean", description: "Print the results as JSON" },
  },
  run: soak,
};

async function soak(input: CommandInput): Promise<number> {
  const values = input.values;
  const plugin = typeof values.plugin === "string" ? values.plugin : await testPlugin("hello-world");
  if (values.large) {
    return await large(
      plugin,
      sizesOption(input, "sizes") ?? [1, 10, 100],
      intOption(input, "calls", 2) ?? 4,
      values.json === true,
    );
  }
  if (values.sizes !== undefined) throw new UsageError("--sizes goes with --large");
  const calls = intOption(input, "calls", 2) ?? 1_000_000;
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
        memory: { plugin: { hook: "pre_hook", input: "Rust example's request", calls, results } },
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

/** The large-input soak (`--large`). */
async function large(plugin: string, sizes: number[], calls: number, json: boolean): Promise<number> {
  const rows = await soakLargeInputs(plugin, {
    sizesMiB: sizes,
    calls,
    onRow: (r) =>
      console.error(
        `soak: ${r.hook} under "${r.policy}": ${
          r.sizes.map((s) =>
            `${s.hookMbPerSecond.toFixed(0)} MB/s in the hook, ${s.mbPerSecond.toFixed(0)} through the host`
          )
            .join("; ")
        }${r.error ? ` (${r.error})` : ""}`,
      ),
  });
  const ok = rows.every((r) => !r.error && r.linear && r.sizes.every((s) => s.flat));
  if (json) console.log(JSON.stringify({ plugin, calls, sizesMiB: sizes, ok, rows }, null, 2));
  else {
    console.log(formatBenchReport({ large: { sizesMiB: sizes, calls, rows } }));
    console.log(
      ok
        ? "Memory flat at every size and time linear in size, under every free policy."
        : "Not bounded or not linear: see the rows marked no.",
    );
  }
  return ok ? 0 : 1;
}

if (import.meta.main) await runMain(soakScript);
