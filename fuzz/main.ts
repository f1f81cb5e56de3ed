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
import { intOption, runScript, scriptArgs } from "../lib/internal/script.ts";

const USAGE = `
deno task fuzz [options]

Generates inputs for every hook from the samples of Bifrost's Rust example and the hello-world
fixtures, mutated (fields dropped, duplicated, retyped; nulls; deep nesting;
huge strings and arrays; invalid UTF-8; bad base64; unicode edge cases;
numbers at the limits; unknown fields), and checks that the plugin does not
trap, honours the hook's contract, keeps what it does not change, refuses
what it cannot read with a reason, stays within its memory bound and time
budget. Deterministic: the same seed and iterations give the same cases.

Options:
  --iterations N   Cases to run (default 2000)
  --seed S         Seed (default 1)
  --from N         First case number, to resume or repeat a range (default 0)
  --plugin FILE    The plugin (default: build/hello-world.wasm, rebuilt when stale)
  --timeout MS     Stop a call running longer than this (default 10000)
  --no-minimize    Report failures without minimising them
  --no-save        Do not write regression fixtures to testdata/fuzz/
  --json           Print the report as JSON
`;

async function main(): Promise<number> {
  const values = scriptArgs(USAGE, {
    iterations: { type: "string" },
    seed: { type: "string" },
    from: { type: "string" },
    plugin: { type: "string" },
    timeout: { type: "string" },
    "no-minimize": { type: "boolean" },
    "no-save": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (!values) return 0;
  const plugin = typeof values.plugin === "string" ? values.plugin : await testPlugin("hello-world");
  const report = await fuzz({
    wasm: await Deno.readFile(plugin),
    seed: intOption(values, "seed", 1, 0),
    from: intOption(values, "from", 0, 0),
    iterations: intOption(values, "iterations", 2000),
    timeoutMs: intOption(values, "timeout", 10_000),
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

if (import.meta.main) await runScript(main);
