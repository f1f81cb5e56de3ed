import assert from "node:assert/strict";
import type { BenchReport } from "../../lib/bench/report.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { hasRust, NO_RUST, rustPlugin } from "../../testing/rust_plugin.ts";
import { runCli } from "../../testing/cli.ts";
import { hasWazero, TEST_ENGINES } from "../../testing/engines.ts";

Deno.test("cli bench --quick --json measures every input, memory per policy and size", async () => {
  const plugin = await testPlugin("hello-world");
  const r = await runCli(["bench", plugin, "--quick", "--calls", "300", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as BenchReport;
  assert.equal(report.plugin, "hello-world-wasm-typescript");
  const inputs = ["pre_seed", "pre_20x1k", "pre_100k", "post_seed", "post_50k"];
  // Every input under each engine, V8's rows first; under wazero the floor is Go's (sonic, and encoding/json).
  assert.deepEqual(
    report.hookCosts?.map((c) => `${c.engine} ${c.input}`),
    TEST_ENGINES.flatMap((e) => inputs.map((i) => `${e} ${i}`)),
  );
  assert.ok(report.hookCosts!.every((c) => c.pluginDiff === null && c.baseline === undefined));
  for (const row of report.hookCosts!) {
    assert.equal(row.pluginVsNative, row.plugin.medianUs / row.native.medianUs);
    assert.equal(row.nativeEncodingJson !== undefined, row.engine === "wazero");
  }
  if (hasWazero) {
    assert.ok(report.wazeroFloor!.medianUs > 0);
    assert.deepEqual(report.throughput!.map((t) => t.goroutines), [1, 2]);
    assert.ok(report.throughput!.every((t) => t.callsPerSec > 0 && t.calls > 0));
    assert.deepEqual(report.transport!.map((t) => `${t.engine} ${t.backend}`), [
      "v8 inline",
      "v8 process",
      "wazero process",
    ]);
  } else {
    assert.match(report.wazeroUnavailable!, /wazero engine/);
  }
  assert.deepEqual(report.memory?.plugin?.results.map((m) => [m.policy, m.calls]), [
    ["both", 300],
    ["input", 300],
    ["none", 300],
    ["double", 300],
  ]);
  assert.equal(report.size?.plugin, (await Deno.stat(plugin)).size);
  assert.equal(report.gateway, undefined);
  assert.match(r.stderr, /^bench: hook cost \(v8\): pre_hook, Rust example's request$/m);
});

Deno.test("cli bench prints tables, with the baseline's columns when given one", async () => {
  const plugin = await testPlugin("hello-world");
  const r = await runCli(["bench", plugin, "--baseline", plugin, "--quick", "--calls", "100"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^### Hook cost under V8$/m);
  assert.match(r.stdout, /\| input \| bytes \| native JS \| baseline \| plugin \| plugin\/native \|/);
  assert.match(r.stdout, /\| Size no larger than the baseline \| .* \| yes \|/);
  if (hasWazero) {
    assert.match(r.stdout, /^### Hook cost under wazero$/m);
    assert.match(
      r.stdout,
      /\| input \| bytes \| Go sonic \| Go encoding\/json \| baseline \| plugin \| plugin\/native \|/,
    );
    assert.match(r.stdout, /^\| 2 \| [\d,]+ \| [\d.]+ \| [\d,]+ \|$/m); // the pool from 2 goroutines
  }
});

Deno.test("cli bench --engine v8 measures V8 only", async () => {
  const plugin = await testPlugin("hello-world");
  const r = await runCli(["bench", plugin, "--quick", "--calls", "100", "--engine", "v8", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as BenchReport;
  assert.ok(report.hookCosts!.every((c) => c.engine === "v8"));
  assert.equal(report.throughput, undefined);
});

Deno.test("cli bench refuses a bad --calls with exit 2 and a missing plugin with exit 1, without a stack", async () => {
  const bad = await runCli(["bench", "x.wasm", "--calls", "many"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), 'error: Invalid --calls "many": expected a whole number of at least 1');
  const missing = await runCli(["bench", "/nonexistent/x.wasm", "--quick"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'error: Cannot load plugin "/nonexistent/x.wasm": file not found');
  assert.equal(missing.stdout, "");
});

Deno.test({
  name: `cli bench --rust puts the Rust plugin beside ours: costs, ratios, memory per policy, size${
    hasRust ? "" : ` (ignored: ${NO_RUST})`
  }`,
  ignore: !hasRust,
  fn: async () => {
    const [plugin, rust] = [await testPlugin("hello-world"), await rustPlugin("optimized")];
    const r = await runCli(["bench", plugin, "--rust", rust, "--quick", "--calls", "5000", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as BenchReport;
    assert.equal(report.rust, "hello-world-wasm-rust");
    assert.ok(report.hookCosts!.some((row) => row.engine === "wazero") === hasWazero);
    for (const row of report.hookCosts!) {
      assert.ok(row.rust!.medianUs > 0 && row.pluginVsRust === row.plugin.medianUs / row.rust!.medianUs);
      assert.equal(row.rustVsNative, row.rust!.medianUs / row.native.medianUs);
    }
    // The Rust example's post hook writes every unset Option as null: the first difference from hello-world's answer.
    for (const row of report.hookCosts!.filter((c) => c.input === "post_seed")) {
      assert.match(row.rustDiff!, /: unexpected \(null\)$/);
    }
    const memory = report.memory!.rust!.results;
    assert.deepEqual(memory.map((m) => [m.policy, m.flat]), [
      ["both", true],
      ["input", false],
      ["none", false],
      ["double", false],
    ]);
    assert.match(memory[3]!.error!, /trapped in free, the host's second free of init's config buffer/);
    assert.equal(report.size!.rust, (await Deno.stat(rust)).size);
  },
});
