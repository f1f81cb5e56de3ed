import assert from "node:assert/strict";
import type { CostSummary, HookCostRow } from "./hook_cost.ts";
import type { SoakResult } from "./memory.ts";
import type { LargeSoakRow } from "./large_inputs.ts";
import { type BenchReport, checkTargets, formatBenchReport, formatResultsFile, machineInfo } from "./report.ts";

const cost = (medianUs: number): CostSummary => ({
  minUs: medianUs * 0.9,
  medianUs,
  p99Us: medianUs * 2,
  rounds: 100,
  callsPerRound: 50,
});

function row(input: string, native: number, plugin: number, baseline: number): HookCostRow {
  return {
    input,
    label: `pre_hook, ${input}`,
    hook: "pre_hook",
    inputBytes: 1234,
    native: cost(native),
    plugin: cost(plugin),
    baseline: cost(baseline),
    pluginVsNative: plugin / native,
    baselineVsNative: baseline / native,
    pluginVsBaseline: plugin / baseline,
    pluginDiff: null,
    baselineDiff: "$.x: unexpected (null)",
    baselineRestarts: 0,
  };
}

const soak = (policy: SoakResult["policy"], flat: boolean): SoakResult => ({
  policy,
  calls: flat ? 1000 : 72,
  pagesAtStart: 17,
  pagesAfterWarmup: 20,
  highWaterPages: flat ? 20 : 4096,
  pagesAtEnd: flat ? 20 : 4096,
  flat,
  bytesPerCall: flat ? 0 : 3700,
  ...(flat ? {} : { outOfMemoryAt: 73 }),
  samples: [{ calls: 1, pages: 17 }, { calls: 1000, pages: 20 }],
  durationMs: 10,
});

const REPORT: BenchReport = {
  plugin: "ours",
  baseline: "theirs",
  hookCosts: [row("pre_seed", 2, 3, 10), row("pre_20x1k", 40, 100, 90), row("pre_100k", 100, 50, 400)],
  hostFloor: cost(4),
  memory: {
    plugin: { hook: "pre_hook", input: "seed sample", calls: 1000, results: [soak("both", true), soak("none", true)] },
    baseline: {
      hook: "pre_hook",
      input: "seed sample",
      calls: 1000,
      maxMemoryPages: 4096,
      results: [soak("both", false)],
    },
  },
  size: { plugin: 50_000, baseline: 150_000 },
  gateway: {
    durationMs: 5000,
    rows: [{
      route: "POST /v1/responses",
      concurrency: 1,
      direct: { concurrency: 1, durationMs: 5000, requests: 100, errors: 0, rps: 20, p50Ms: 1, p99Ms: 2 },
      gateway: { concurrency: 1, durationMs: 5000, requests: 50, errors: 0, rps: 10, p50Ms: 1.5, p99Ms: 4 },
      addedP50Ms: 0.5,
      addedP99Ms: 2,
    }],
  },
  build: { coldMs: 9000, warmMs: [6000, 5000], wasmBytes: 50_000 },
  machine: machineInfo(),
  date: "2026-01-01",
};

Deno.test("checkTargets() judges the pre_hook ratios on the target inputs only, memory, growth and size", () => {
  const checks = checkTargets(REPORT);
  assert.deepEqual(checks.map((c) => [c.target, c.met]), [
    ["pre_hook, pre_seed: at most 2x the native floor", true],
    ["pre_hook, pre_seed: faster than the baseline", true],
    ["pre_hook, pre_20x1k: at most 2x the native floor", false],
    ["pre_hook, pre_20x1k: faster than the baseline", false],
    ["Memory flat after warm-up under every free policy (1,000 calls each)", true],
    ["Baseline shown to grow without bound", true],
    ["Size no larger than the baseline", true],
  ]);
  assert.equal(checks[0]!.measured, "1.50x (3.00 vs 2.00 µs)");
  assert.match(checks[5]!.measured, /out of memory at its 4096-page cap on call 73 \(~3,677,198 bytes per call\)/);
});

Deno.test("formatBenchReport() renders every section as Markdown tables", () => {
  const text = formatBenchReport(REPORT);
  for (
    const heading of [
      "### Hook cost",
      "### Targets",
      "### Memory",
      "### Size",
      "### Gateway",
      "### Build",
      "Measured on",
    ]
  ) {
    assert.ok(text.includes(heading), heading);
  }
  assert.match(text, /\| pre_hook, pre_seed \| 1,234 \| 2\.00 \(1\.80–4\.00\) \| 10\.0 \(9\.00–20\.0\) \| 3\.00 /);
  assert.match(
    text,
    /\| pre_hook, pre_20x1k: at most 2x the native floor \| 2\.50x \(100 vs 40\.0 µs\) \| \*\*no\*\* \|/,
  );
  assert.match(text, /- baseline on "pre_hook, pre_seed": \$\.x: unexpected \(null\)/);
  assert.match(text, /\| ours \| both \| 1,000 \| 17 \| 20 \| 20 \| 1: 17, 1k: 20 \| flat \|/);
  assert.match(
    text,
    /\| `POST \/v1\/responses` \| 1 \| 20 \| 10 \| 1\.00 \/ 2\.00 \| 1\.50 \/ 4\.00 \| 0\.50 \/ 2\.00 \|/,
  );
  assert.match(text, /\| warm \(median of 2\) \| 5\.0 s \|/);
  assert.match(text, /Host floor: 4\.00 µs per call/);
});

Deno.test("formatBenchReport() leaves out what was not measured", () => {
  const text = formatBenchReport({ size: { plugin: 10 } });
  assert.equal(text, "### Size (release .wasm)\n\n|  | bytes |\n| --- | --- |\n| plugin | 10 |\n");
});

Deno.test("the Rust plugin gets its columns, ratios, targets (at or below it, size) and memory rows", () => {
  const rows = REPORT.hookCosts!.map((r, i) => ({
    ...r,
    rust: cost([4, 60, 80][i]!),
    rustVsNative: [4, 60, 80][i]! / r.native.medianUs,
    pluginVsRust: r.plugin.medianUs / [4, 60, 80][i]!,
    rustDiff: null,
    rustRestarts: 0,
  }));
  const report: BenchReport = {
    ...REPORT,
    rust: "rusty",
    hookCosts: rows,
    memory: { ...REPORT.memory, rust: { ...REPORT.memory!.baseline!, results: [soak("none", false)] } },
    size: { plugin: 50_000, baseline: 150_000, rust: 270_000, rustRaw: 350_000 },
  };
  const targets = checkTargets(report).map((c) => [c.target, c.met]);
  assert.deepEqual(targets.filter(([t]) => /Rust/.test(String(t))), [
    ["pre_hook, pre_seed: at or below the Rust plugin", true],
    ["pre_hook, pre_20x1k: at or below the Rust plugin", false],
    ["pre_hook, pre_100k: at or below the Rust plugin", true],
    ["Size no larger than the Rust plugin with wasm-opt", true],
  ]);
  const text = formatBenchReport(report);
  assert.match(
    text,
    /\| input \| bytes \| native JS \| baseline \| rust \| plugin \| plugin\/native \| baseline\/native \| rust\/native \| plugin\/baseline \| plugin\/rust \|/,
  );
  assert.match(
    text,
    /\| pre_hook, pre_seed \| 1,234 \| 2\.00 .* \| 10\.0 .* \| 4\.00 .* \| 3\.00 .* \| 1\.50x \| 5\.00x \| 2\.00x \| 0\.30x \| 0\.75x \|/,
  );
  assert.match(
    text,
    /\| pre_hook, pre_20x1k: at or below the Rust plugin \| 1\.67x of Rust \(100 vs 60\.0 µs\) \| \*\*no\*\* \|/,
  );
  assert.match(text, /\| rusty \| none \| 72 \|/);
  assert.match(
    text,
    /\| rust \(cargo build --release, then wasm-opt -O3\) \| 270,000 \|\n\| rust \(cargo build --release\) \| 350,000 \|/,
  );
  assert.match(formatBenchReport({ rustUnavailable: "no cargo" }), /^The Rust plugin was not measured: no cargo\.$/m);
});

/** A large-input row: MB/s in the hook and through the host per size (1, 10, 100 MiB), memory 2.6x at the end. */
function largeRow(hook: LargeSoakRow["hook"], hookMbs: number[], hostMbs: number[], flat = true): LargeSoakRow {
  return {
    hook,
    policy: "both",
    pagesAtLoad: 20,
    sizes: [1, 10, 100].map((mib, i) => ({
      inputBytes: mib * 1048576,
      calls: 4,
      bestUs: 1,
      mbPerSecond: hostMbs[i]!,
      bestHookUs: 1,
      hookMbPerSecond: hookMbs[i]!,
      pagesAfterFirst: 4168,
      pagesAtEnd: i === 2 && !flat ? 8336 : 4168,
      memoryMultiple: 2.6 * (i === 2 && !flat ? 2 : 1) * 100 / mib,
      flat: i < 2 || flat,
    })),
    linear: hookMbs[2]! >= hookMbs[1]! / 2,
  };
}

Deno.test("formatResultsFile() writes all of RESULTS.md: heading, how to read it, each section with its notes", () => {
  const large = {
    sizesMiB: [1, 10, 100],
    calls: 4,
    rows: [
      largeRow("pre_hook", [3900, 3800, 3820], [3400, 3100, 3000]),
      largeRow("post_hook", [3300, 3000, 3030], [790, 700, 300]),
    ],
  };
  const text = formatResultsFile({ ...REPORT, large });
  assert.match(
    text,
    /^## Benchmark results\n\nFrom a full `deno task bench` on a quiet machine, which writes this file/,
  );
  assert.match(
    text,
    /the baseline is a plugin built the way Bifrost's docs build one \(`testdata\/plugins\/baseline\/`\)/,
  );
  const section = text.slice(text.indexOf("### Large inputs"), text.indexOf("### Build"));
  assert.match(
    section,
    /^### Large inputs\n\nInputs of 1, 10 and 100 MiB \(a pre_hook request .*\), 4 calls per size,/,
  );
  assert.match(section, /linear: the hook's MB\/s at 100 MiB is at least half of it at 10 MiB\./);
  assert.match(
    section,
    /\| pre_hook \| both \| 3900 \/ 3400 \| 3800 \/ 3100 \| 3820 \/ 3000 \| 20 to 4168 \| 2\.60x \| yes \| yes \|/,
  );
  assert.match(
    section,
    /^- Linear: the plugin's own MB\/s holds from 1 to 100 MiB\. A post_hook's figures through the host fall/m,
  );
  assert.match(
    section,
    /^- Memory: flat from call to call at every size under every free policy, at 2\.6 times the largest input/m,
  );
  assert.match(section, /^- A 100 MiB chat request \(an image inline\) passes through `bifrost-as dev`/m);
  assert.ok(text.indexOf("### Large inputs") > text.indexOf("### Gateway"));
});

Deno.test("the large-input notes say what does not hold, and leave out what the numbers do not show", () => {
  const large = {
    sizesMiB: [1, 10, 100],
    calls: 2,
    rows: [largeRow("pre_hook", [3900, 3800, 1000], [3400, 3100, 900], false)],
  };
  const text = formatBenchReport({ large });
  assert.match(
    text,
    /^- Not linear: the plugin's own MB\/s at 100 MiB is under half of it at 10 MiB for pre_hook under "both"\.$/m,
  );
  assert.match(text, /^- Memory grows from call to call at one size for pre_hook under "both"\.$/m);
  assert.ok(!text.includes("A post_hook's figures"), text);
  assert.match(text, /Inputs of 1, 10 and 100 MiB .*, 2 calls per size/);
});
