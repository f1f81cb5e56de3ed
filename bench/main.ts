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
import { type Command, type CommandInput, flag, intOption, runMain, sizesOption, str } from "../cli/command.ts";

const SECTIONS = [...BENCH_SECTIONS, "build"] as const;
type Section = typeof SECTIONS[number];

const RESULTS = new URL("./RESULTS.md", import.meta.url);

/** `deno task bench`. */
export const benchScript: Command = {
  name: "deno task bench",
  summary: "Benchmark hello-world against the native JSON floor, the docs-style baseline and the Rust plugin",
  description: `
Benchmarks hello-world (build/hello-world.wasm) against the native JSON floor,
the docs-style baseline (testdata/plugins/baseline/) and the Rust serde plugin
(testdata/rust-plugin/, built with wasm-opt; needs scripts/install-rust-toolchain.sh),
then the gateway, inputs of 1, 10 and 100 MiB (about 30 s) and the build.
A full run takes a few minutes and writes bench/RESULTS.md.`,
  options: {
    json: { type: "boolean", description: "Print the report as JSON" },
    quick: {
      type: "boolean",
      description: "CI-sized run (seconds, not minutes), without the large inputs unless --only names them; " +
        "does not write RESULTS.md",
    },
    only: { type: "string", arg: "LIST", description: `Sections to run, comma-separated: ${SECTIONS.join(",")}` },
    calls: {
      type: "string",
      arg: "N",
      description: "Calls per free policy in the memory soak (default 1000000, quick 20000)",
    },
    rounds: { type: "string", arg: "N", description: "Rounds per hook-cost measurement (default 100, quick 15)" },
    seconds: { type: "string", arg: "N", description: "Seconds per gateway run (default 5, quick 1)" },
    sizes: {
      type: "string",
      arg: "LIST",
      description: "Large input sizes in MiB, comma-separated (default 1,10,100, quick 1,2)",
    },
    "no-write": { type: "boolean", description: "Do not write bench/RESULTS.md" },
  },
  run: bench,
};

async function bench(input: CommandInput): Promise<number> {
  const { io } = input;
  const quick = flag(input, "quick");
  const base = quick ? QUICK : FULL;
  const preset = {
    cost: { ...base.cost, rounds: intOption(input, "rounds", 1) ?? base.cost.rounds },
    calls: intOption(input, "calls", 1) ?? base.calls,
    gatewaySeconds: intOption(input, "seconds", 1) ?? base.gatewaySeconds,
    large: { ...base.large, sizesMiB: sizesOption(input, "sizes") ?? [...base.large.sizesMiB] },
  };
  const onlyList = str(input, "only");
  const only = onlyList !== undefined
    ? onlyList.split(",").map((s) => s.trim())
    : SECTIONS.filter((s) => !quick || s !== "large");
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      throw new UsageError(`Invalid --only section "${s}": expected some of ${SECTIONS.join(", ")}`);
    }
  }
  const sections = new Set(only as Section[]);
  const progress = (line: string) => io.err(`bench: ${line}`);

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
    bifrostBuildDir: new URL("../build/bifrost", import.meta.url).pathname,
    onProgress: progress,
  });
  if (sections.has("build")) {
    const warm = quick ? 1 : 2;
    progress(`build: one cold and ${warm} warm \`deno task build\` runs`);
    report.build = await measureBuildTimes(warm);
  }

  const table = formatBenchReport(report);
  io.out(flag(input, "json") ? JSON.stringify(report, null, 2) : table);
  const full = !quick && sections.size === SECTIONS.length && preset.calls >= FULL.calls &&
    preset.large.sizesMiB.join() === FULL.large.sizesMiB.join();
  if (full && !flag(input, "no-write")) {
    await Deno.writeTextFile(RESULTS, formatResultsFile(report));
    // deno fmt aligns the tables, so the file reads well and `deno fmt --check` stays clean.
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", RESULTS.pathname], stdout: "null" }).output();
    progress(`wrote ${RESULTS.pathname}`);
  }
  return 0;
}

if (import.meta.main) await runMain(benchScript);
