// Replays every fuzz regression fixture (testdata/fuzz/*.json) through the same oracles that found it.
// A fixture of a bug not fixed yet fails here, on purpose: its "note" says what is wrong and where.
import assert from "node:assert/strict";
import { testPlugin } from "../testing/plugins.ts";
import { DEFAULT_LIMITS, FIXTURE_DIR, FuzzTarget, loadFixture } from "./_campaign.ts";

const files = [...Deno.readDirSync(FIXTURE_DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".json"))
  .map((e) => e.name)
  .sort();

Deno.test(`fuzz regressions: ${files.length} fixtures from testdata/fuzz/ pass every oracle`, async (t) => {
  const target = await FuzzTarget.start(await Deno.readFile(await testPlugin("hello-world")), DEFAULT_LIMITS);
  try {
    for (const name of files) {
      const fixture = await loadFixture(new URL(name, FIXTURE_DIR));
      await t.step(`${name} (${fixture.hook}, ${fixture.oracle})`, async () => {
        const failures = await target.check(fixture.hook, fixture.bytes, fixture.found.policy, 10_000);
        const what = failures.map((f) => `${f.oracle}: ${f.message}`).join("\n");
        assert.deepEqual(failures, [], `still fails:\n${what}${fixture.note ? `\nnote: ${fixture.note}` : ""}`);
      });
    }
  } finally {
    target.close();
  }
});
