/**
 * `deno task bench [--json] [--quick]`: hello-world against the native JS
 * floor, the docs-style baseline and the Rust serde plugin (hook cost,
 * memory under every free policy, size), the local gateway under load,
 * inputs up to Bifrost's request limit, and build times. Prints a table (or
 * JSON) and, after a full run, writes all of bench/RESULTS.md from it.
 * Without Debian's Rust toolchain the Rust plugin is left out, and the
 * report says why.
 *
 * @module
 */
import { formatBenchReport, formatResultsFile } from "../lib/bench/report.ts";
import { BENCH_SECTIONS, type BenchSection, FULL, QUICK, runBench } from "../lib/bench/run.ts";
import { UsageError } from "../lib/errors.ts";
import { measureBuildTimes } from "./_build_times.ts";
import { testPlugin } from "../testing/plugins.ts";
import { rustPlugin, rustToolchainMissing } from "../testing/rust_plugin.ts";
import { engineAvailability, ENGINES } from "../lib/host/engine.ts";
import { RUST_TWIN } from "../lib/bench/native.ts";
import { intOption, runScript, scriptArgs, sizesOption } from "../lib/internal/script.ts";

const SECTIONS = [...BENCH_SECTIONS, "build"] as const;
type Section = typeof SECTIONS[number];

const USAGE = `
deno task bench [options]

Benchmarks hello-world (build/hello-world.wasm) against the native JSON floor,
the docs-style baseline (testdata/plugins/baseline/) and the Rust serde plugin
(testdata/rust-plugin/, built with wasm-opt; needs scripts/install-rust-toolchain.sh),
then the gateway, inputs of 1, 10 and 100 MiB (about 30 s) and the build.
A full run takes a few minutes and writes bench/RESULTS.md.

Options:
  --json            Print the report as JSON
  --quick           CI-sized run (seconds, not minutes), without the large
                    inputs unless --only names them; does not write RESULTS.md
  --only LIST       Sections to run, comma-separated: ${SECTIONS.join(",")}
  --calls N         Calls per free policy in the memory soak (default 1000000, quick 20000)
  --rounds N        Rounds per hook-cost measurement (default 100, quick 15)
  --seconds N       Seconds per gateway run (default 5, quick 1)
  --sizes LIST      Large input sizes in MiB, comma-separated (default 1,10,100, quick 1,2)
  --no-write        Do not write bench/RESULTS.md
`;

const RESULTS = new URL("./RESULTS.md", import.meta.url);

async function main(): Promise<number> {
  const values = scriptArgs(USAGE, {
    json: { type: "boolean" },
    quick: { type: "boolean" },
    only: { type: "string" },
    calls: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    sizes: { type: "string" },
    "no-write": { type: "boolean" },
  });
  if (!values) return 0;
  const base = values.quick ? QUICK : FULL;
  const preset = {
    cost: { ...base.cost, rounds: intOption(values, "rounds", base.cost.rounds) },
    calls: intOption(values, "calls", base.calls),
    gatewaySeconds: intOption(values, "seconds", base.gatewaySeconds),
    large: { ...base.large, sizesMiB: sizesOption(values, "sizes", base.large.sizesMiB) },
  };
  const only = typeof values.only === "string"
    ? values.only.split(",").map((s) => s.trim())
    : SECTIONS.filter((s) => !values.quick || s !== "large");
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      throw new UsageError(`Invalid --only section "${s}": expected some of ${SECTIONS.join(", ")}`);
    }
  }
  const sections = new Set(only as Section[]);
  const progress = (line: string) => console.error(`bench: ${line}`);

  progress("building hello-world, the baseline and the Rust plugin when stale");
  const [plugin, baseline] = [await testPlugin("hello-world"), await testPlugin("baseline")];
  const rustUnavailable = rustToolchainMissing();
  if (rustUnavailable) progress(`the Rust plugin is left out: ${rustUnavailable}`);
  const rust = rustUnavailable === undefined
    ? {
      rust: {
        path: await rustPlugin("optimized"),
        raw: await rustPlugin("raw"),
        twin: RUST_TWIN,
      },
    }
    : { rustUnavailable };
  const wazero = await engineAvailability({ onProgress: progress });
  if ("missing" in wazero) progress(`wazero is left out: ${wazero.missing}`);
  const report = await runBench({
    plugin,
    baseline,
    ...rust,
    ...("missing" in wazero ? { wazeroUnavailable: wazero.missing } : { engines: ENGINES }),
    sections: BENCH_SECTIONS.filter((s) => sections.has(s)) as BenchSection[],
    preset,
    onProgress: progress,
  });
  if (sections.has("build")) {
    const warm = values.quick ? 1 : 2;
    progress(`build: one cold and ${warm} warm \`deno task build\` runs`);
    report.build = await measureBuildTimes(warm);
  }

  const table = formatBenchReport(report);
  console.log(values.json ? JSON.stringify(report, null, 2) : table);
  const full = !values.quick && sections.size === SECTIONS.length && preset.calls >= FULL.calls &&
    preset.large.sizesMiB.join() === FULL.large.sizesMiB.join();
  if (full && !values["no-write"]) {
    await Deno.writeTextFile(RESULTS, formatResultsFile(report));
    // deno fmt aligns the tables, so the file reads well and `deno fmt --check` stays clean.
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", RESULTS.pathname], stdout: "null" }).output();
    progress(`wrote ${RESULTS.pathname}`);
  }
  return 0;
}

if (import.meta.main) await runScript(main);
