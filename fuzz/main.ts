/**
 * `deno task fuzz [--iterations N] [--seed S]`: structure-aware fuzzing of
 * every hook of hello-world (or `--plugin`), judged by the oracles in
 * `_oracle.ts`. Each distinct failure is minimised and saved under
 * testdata/fuzz/ as a regression fixture the normal tests replay. Exits 1
 * when anything failed.
 *
 * @module
 */
import { fuzz, type FuzzReport } from "./_campaign.ts";
import { testPlugin } from "../testing/plugins.ts";
import { type Command, type CommandInput, intOption, runMain } from "../cli/command.ts";
import { hostOptionSpecs, MAX_TIMEOUT_MS, timeoutOption } from "../cli/host_options.ts";

/** `deno task fuzz`. */
export const fuzzScript: Command = {
  name: "deno task fuzz",
  summary: "Structure-aware fuzzing of every hook of a plugin, judged by oracles; failures kept as regressions",
  description: `
Generates inputs for every hook from the samples of Bifrost's Rust example and the hello-world
fixtures, mutated (fields dropped, duplicated, retyped; nulls; deep nesting;
huge strings and arrays; invalid UTF-8; bad base64; unicode edge cases;
numbers at the limits; unknown fields), and checks that the plugin does not
trap, honours the hook's contract, keeps what it does not change, refuses
what it cannot read with a reason, stays within its memory bound and time
budget. Deterministic: the same seed and iterations give the same cases.`,
  options: {
    iterations: { type: "string", arg: "N", description: "Cases to run", default: "2000" },
    seed: { type: "string", arg: "S", description: "Seed", default: "1" },
    from: { type: "string", arg: "N", description: "First case number, to resume or repeat a range", default: "0" },
    plugin: {
      type: "string",
      arg: "FILE",
      description: "The plugin (default: build/hello-world.wasm, rebuilt when stale)",
    },
    ...hostOptionSpecs("hook-timeout"),
    "no-minimize": { type: "boolean", description: "Report failures without minimising them" },
    "no-save": { type: "boolean", description: "Do not write regression fixtures to testdata/fuzz/" },
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  run: runFuzz,
};

async function runFuzz(input: CommandInput): Promise<number> {
  const values = input.values;
  const plugin = typeof values.plugin === "string" ? values.plugin : await testPlugin("hello-world");
  const report = await fuzz({
    wasm: await Deno.readFile(plugin),
    seed: intOption(input, "seed", 0)!,
    from: intOption(input, "from", 0)!,
    iterations: intOption(input, "iterations", 1)!,
    // The fuzzer needs a bound to tell a hang: "none" is the longest budget.
    timeoutMs: timeoutOption(input) || MAX_TIMEOUT_MS,
    minimize: !values["no-minimize"],
    ...(values["no-save"] ? { fixtures: null } : {}),
    onProgress: (line) => console.error(`fuzz: ${line}`),
  });
  if (values.json) {
    console.log(JSON.stringify(report, (k, v) => (k === "input" ? new TextDecoder().decode(v).slice(0, 2000) : v), 2));
  } else console.log(formatFuzzReport(report));
  return report.bugs.length ? 1 : 0;
}

/** A readable summary of a run. */
export function formatFuzzReport(r: FuzzReport): string {
  const s = r.stats;
  const lines = [
    `Fuzzed ${s.cases.toLocaleString("en-US")} cases (seed ${r.seed}, cases ${r.from}-${r.from + r.iterations - 1}) ` +
    `in ${(r.durationMs / 1000).toFixed(1)} s: ${s.accepted.toLocaleString("en-US")} accepted, ` +
    `${s.refused.toLocaleString("en-US")} refused by the model.`,
    `By hook: ${Object.entries(s.byHook).map(([h, n]) => `${h} ${n}`).join(", ")}.`,
    `Input bytes: ${(s.inputBytes / 2 ** 20).toFixed(1)} MiB in all, largest ${
      s.largestInput.toLocaleString("en-US")
    }; ` +
    `slowest call ${(s.slowestUs / 1000).toFixed(1)} ms (case ${s.slowestCase}).`,
    `Memory high-water by free policy (pages): ${
      Object.entries(s.highWaterPages).map(([p, n]) => `${p} ${n}`).join(", ")
    }.`,
  ];
  if (s.capped) {
    lines.push(
      `${s.capped} calls ran into the fuzzer's memory cap with a bound above it (inconclusive, not failures).`,
    );
  }
  if (!r.bugs.length) {
    lines.push("No failures.");
    return lines.join("\n");
  }
  lines.push(`${s.failingCases} failing cases, ${r.bugs.length} distinct failures:`);
  for (const b of r.bugs) {
    lines.push(
      `- ${b.hook} ${b.oracle} (${b.count} cases, first #${b.firstCase}, policy ${b.policy}): ${b.message}`,
      `  input: ${b.originalBytes} bytes, minimised to ${b.input.length} in ${b.minimizeAttempts} attempts` +
        (b.fixture ? `; saved as ${b.fixture}` : b.unsaved ? `; ${b.unsaved}` : ""),
      `  mutations: ${b.mutations.join(" | ")}`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) await runMain(fuzzScript);
