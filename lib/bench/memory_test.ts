import assert from "node:assert/strict";
import { FREE_POLICIES } from "../abi/free_policy.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { abiModule } from "../../testing/wasm_builder.ts";
import { SEED_PRE_HOOK } from "./inputs.ts";
import { soakMemory } from "./memory.ts";

Deno.test("soakMemory() finds hello-world flat under every free policy", async () => {
  const results = await soakMemory(await testPlugin("hello-world"), {
    hook: "pre_hook",
    input: JSON.stringify(SEED_PRE_HOOK),
    calls: 3000,
  });
  assert.deepEqual(results.map((r) => r.policy), FREE_POLICIES);
  for (const r of results) {
    assert.equal(r.flat, true, r.policy);
    assert.equal(r.calls, 3000);
    assert.equal(r.highWaterPages, r.pagesAfterWarmup);
    assert.equal(r.bytesPerCall, 0);
    assert.deepEqual(r.samples.map((s) => s.calls), [1, 10, 100, 1000, 3000]);
  }
});

Deno.test("soakMemory() stops a plugin that never frees at its cap and says where", async () => {
  const [r] = await soakMemory(abiModule(), {
    hook: "pre_hook",
    input: `{"pad":"${"x".repeat(60_000)}"}`,
    calls: 1000,
    policies: ["none"],
    maxMemoryPages: 64,
  });
  assert.equal(r!.flat, false);
  // 64 pages hold about 69 inputs of 60 KB.
  assert.ok(r!.outOfMemoryAt! >= 60 && r!.outOfMemoryAt! <= 70, String(r!.outOfMemoryAt));
  assert.equal(r!.calls, r!.outOfMemoryAt! - 1);
  assert.equal(r!.highWaterPages, 64);
  assert.equal(r!.error, undefined);
});
