// A short fuzzing pass inside `deno test`: 300 cases of a fixed seed, nothing saved.
import assert from "node:assert/strict";
import { testPlugin } from "../lib/_test_plugins.ts";
import { fuzz } from "./_fuzz.ts";

Deno.test("fuzz smoke: 300 cases of every hook pass every oracle", async () => {
  const report = await fuzz({
    wasm: await Deno.readFile(await testPlugin("hello-world")),
    seed: 20261125,
    iterations: 300,
    minimize: false,
    fixtures: null,
  });
  assert.equal(report.stats.cases, 300);
  assert.ok(report.stats.accepted > 50 && report.stats.refused > 50, JSON.stringify(report.stats));
  assert.equal(Object.keys(report.stats.byHook).length, 6);
  const found = report.bugs.map((b) => `${b.hook} ${b.oracle} (case ${b.firstCase}): ${b.message}`);
  assert.deepEqual(found, [], found.join("\n"));
});
