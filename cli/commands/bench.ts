import { UsageError } from "../../lib/errors.ts";
import { formatBenchReport } from "../../lib/bench/report.ts";
import { BENCH_SECTIONS, type BenchSection, FULL, QUICK, runBench } from "../../lib/bench/run.ts";
import { type Command, flag, printJson, str } from "../command.ts";
import { RUST_TWIN } from "../../lib/bench/native.ts";
import { chooseEngines, hostOptionSpecs } from "../host_options.ts";

export const bench: Command = {
  name: "bench",
  summary: "Measure a .wasm plugin: hook cost against native JSON, memory per free policy, size, gateway load",
  description: `
Calls pre_hook and post_hook through the conformance host on the request
and answer of Bifrost's Rust example, a 20-message conversation, a 100 KB
message and a 50 KB response,
beside the native floor (JSON.parse, hello-world's change and JSON.stringify
in plain JS) and, with --baseline and --rust, other plugins (the Rust one
with that example's suffixes, as 'deno task build:rust' builds it), all timed
in one interleaved run with the ratios printed. Then soaks memory with
pre_hook calls under every free policy and reports the .wasm sizes; with
--gateway, also measures the local gateway under load (loopback only).
Hook costs are measured under V8 and, when the wazero engine is there,
under wazero (Bifrost's runtime), timed inside the engine beside a native Go
floor (sonic and encoding/json), with the engine's own floor, its pool
throughput from 1 and 2 goroutines and what the pipe to it costs; --engine
picks one. Nothing is measured under a deadline.
A full run takes a minute or more; --quick takes seconds.`,
  positionals: [{ name: "plugin.wasm", description: "The plugin to measure" }],
  options: {
    baseline: { type: "string", arg: "FILE", description: "A plugin to compare against" },
    rust: {
      type: "string",
      arg: "FILE",
      description: "A Rust plugin with hello-world's behaviours to compare against (e.g. build/rust-plugin.opt.wasm)",
    },
    quick: { type: "boolean", description: "Few rounds and calls: seconds, not minutes" },
    gateway: { type: "boolean", description: "Also measure the local gateway (concurrency 1 and 32)" },
    calls: { type: "string", arg: "N", description: "Calls per free policy in the memory soak (default 1000000)" },
    ...hostOptionSpecs("engine"),
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  examples: [
    "bifrost-as bench build/hello-world.wasm --quick",
    "bifrost-as bench build/my-plugin.wasm --baseline build/hello-world.wasm --gateway",
    "bifrost-as bench build/my-plugin.wasm --json > bench.json",
    "bifrost-as bench build/hello-world.wasm --baseline build/baseline.wasm --rust build/rust-plugin.opt.wasm",
    "bifrost-as bench build/hello-world.wasm --quick --engine wazero",
  ],
  async run(input) {
    const plugin = input.positionals[0]!;
    const baseline = str(input, "baseline");
    const preset = flag(input, "quick") ? QUICK : FULL;
    const calls = str(input, "calls");
    if (calls !== undefined && !/^[1-9]\d*$/.test(calls)) {
      throw new UsageError(`Invalid --calls "${calls}": expected a whole number of at least 1`);
    }
    // The large inputs (half a minute) are `deno task bench`'s, in a clone.
    const sections = BENCH_SECTIONS.filter((s: BenchSection) =>
      s !== "large" && (s !== "gateway" || flag(input, "gateway"))
    );
    const rust = str(input, "rust");
    const choice = await chooseEngines(input, (line) => input.io.err(`bench: ${line}`));
    const report = await runBench({
      engines: choice.engines,
      ...(choice.missing ? { wazeroUnavailable: choice.missing } : {}),
      plugin,
      ...(baseline ? { baseline } : {}),
      ...(rust ? { rust: { path: rust, twin: RUST_TWIN } } : {}),
      sections,
      preset: { ...preset, calls: calls === undefined ? preset.calls : Number(calls) },
      onProgress: (line) => input.io.err(`bench: ${line}`),
    });
    if (flag(input, "json")) printJson(input.io, report);
    else input.io.out(formatBenchReport(report).trimEnd());
  },
};
