// A short fuzzing pass inside `deno test`: 300 cases of a fixed seed, nothing saved. Failures of a bug
// that already has a regression fixture are left to regressions_test.ts (which fails until it is
// fixed); anything else fails here.
import assert from "node:assert/strict";
import { testPlugin } from "../testing/plugins.ts";
import { FIXTURE_DIR, fuzz, loadFixture, signature } from "./_campaign.ts";

async function knownBugs(): Promise<Set<string>> {
  const known = new Set<string>();
  for (const e of Deno.readDirSync(FIXTURE_DIR)) {
    if (!e.name.endsWith(".json")) continue;
    const f = await loadFixture(new URL(e.name, FIXTURE_DIR));
    known.add(signature(f.hook, { oracle: f.oracle, message: f.failure }));
  }
  return known;
}

Deno.test("fuzz smoke: 300 cases of every hook find no failure without a regression fixture", async () => {
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
  const known = await knownBugs();
  const found = report.bugs
    .filter((b) => !known.has(b.signature))
    .map((b) => `${b.hook} ${b.oracle} (case ${b.firstCase}): ${b.message}`);
  assert.deepEqual(found, [], found.join("\n"));
});
