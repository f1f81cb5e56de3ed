// What the measurements compute, not how fast anything is: no timing assertions.
import assert from "node:assert/strict";
import { testPlugin } from "../../testing/plugins.ts";
import { abiModule } from "../../testing/wasm_builder.ts";
import { benchHookCosts, type Contender, measure, measureHostFloor, percentile, summarise } from "./hook_cost.ts";
import { BENCH_INPUTS } from "./inputs.ts";
import { HELLO_WORLD_NAME, nativeHook } from "./native.ts";

const TINY = { rounds: 3, roundMs: 0.2, warmupMs: 1 };

Deno.test("percentile() is nearest-rank and summarise() gives min, median and p99", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(summarise([3, 1, 2], 10), { minUs: 1, medianUs: 2, p99Us: 3, rounds: 3, callsPerRound: 10 });
});

Deno.test("measure() takes one sample per round from every contender, in rotating order", async () => {
  const order: string[] = [];
  const fake = (label: string, us: number): Contender => ({
    label,
    // deno-lint-ignore require-await
    async run(calls) {
      if (calls !== 10) order.push(label);
      return us;
    },
  });
  const [a, b] = await measure([fake("a", 1), fake("b", 2)], { rounds: 4, roundMs: 0.1, warmupMs: 0 });
  assert.equal(a!.rounds, 4);
  assert.equal(b!.medianUs, 2);
  assert.equal(a!.callsPerRound, 100);
  assert.equal(b!.callsPerRound, 50);
  assert.deepEqual(order, ["a", "b", "b", "a", "a", "b", "b", "a"]);
});

Deno.test("benchHookCosts() measures every input and finds hello-world's outputs equal to the native twin's", async () => {
  const plugin = await testPlugin("hello-world");
  const rows = await benchHookCosts({ plugin, inputs: BENCH_INPUTS.slice(0, 1), ...TINY });
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.equal(row!.pluginDiff, null);
  assert.equal(row!.inputBytes, new TextEncoder().encode(BENCH_INPUTS[0]!.text).length);
  assert.ok(row!.plugin.medianUs > 0 && row!.native.medianUs > 0);
  assert.equal(row!.pluginVsNative, row!.plugin.medianUs / row!.native.medianUs);
  assert.equal(row!.baseline, undefined);
});

Deno.test("benchHookCosts() reports how a baseline's output differs", async () => {
  const baseline = abiModule({ outputs: { post_hook: '{"context":{},"response":null,"has_error":false}' } });
  const rows = await benchHookCosts({
    plugin: await testPlugin("hello-world"),
    baseline,
    inputs: BENCH_INPUTS.filter((i) => i.id === "post_seed"),
    ...TINY,
  });
  assert.match(rows[0]!.baselineDiff!, /^\$\.context\.request_id: missing$/);
  assert.equal(rows[0]!.baselineRestarts, 0);
  assert.ok(rows[0]!.pluginVsBaseline! > 0);
});

Deno.test("measureHostFloor() times a plugin that only answers a fixed output", async () => {
  const floor = await measureHostFloor(BENCH_INPUTS[0]!.text, '{"context":{}}', TINY);
  assert.equal(floor.rounds, 3);
  assert.ok(floor.minUs > 0 && floor.minUs <= floor.medianUs && floor.medianUs <= floor.p99Us);
});

Deno.test("benchHookCosts() times the Rust rival in the same run and compares its output with its own suffixes", async () => {
  const input = BENCH_INPUTS.find((i) => i.id === "post_seed")!;
  const answer = JSON.parse(nativeHook("post_hook", input.text));
  answer.response.chat_response.model = "gpt-4 (via rust-wasm)";
  const rust = abiModule({ name: HELLO_WORLD_NAME, outputs: { post_hook: JSON.stringify(answer) } });
  const rows = await benchHookCosts({
    plugin: await testPlugin("hello-world"),
    rust,
    rustTwin: { modelSuffix: " (via rust-wasm)" },
    inputs: [input],
    ...TINY,
  });
  const [row] = rows;
  assert.equal(row!.rustDiff, null);
  assert.equal(row!.baseline, undefined);
  assert.equal(row!.pluginVsRust, row!.plugin.medianUs / row!.rust!.medianUs);
  assert.equal(row!.rustVsNative, row!.rust!.medianUs / row!.native.medianUs);
  assert.equal(row!.rustRestarts, 0);
});
