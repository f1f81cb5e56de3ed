// That the load generator and the gateway subprocess work, not how fast they are.
import assert from "node:assert/strict";
import { startMockUpstream } from "../gateway/mock_upstream.ts";
import { testPlugin } from "../project/_test_plugins.ts";
import { benchGateway, load } from "./gateway_load.ts";

Deno.test("load() keeps `concurrency` clients busy until the time is up and counts answers and errors", async () => {
  await using upstream = await startMockUpstream();
  const ok = await load(
    `${upstream.url}/v1/chat/completions`,
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
    4,
    200,
  );
  assert.ok(ok.requests > 0);
  assert.equal(ok.errors, 0);
  assert.ok(ok.p50Ms <= ok.p99Ms);
  const bad = await load(`${upstream.url}/nowhere`, {}, 2, 100);
  assert.equal(bad.requests, 0);
  assert.ok(bad.errors > 0);
});

Deno.test("benchGateway() compares the gateway with its plugin against the upstream at each concurrency", async () => {
  const rows = await benchGateway({
    plugin: await testPlugin("hello-world"),
    concurrencies: [1, 3],
    durationMs: 200,
    warmupMs: 20,
  });
  assert.deepEqual(rows.map((r) => r.concurrency), [1, 3]);
  for (const r of rows) {
    assert.ok(r.direct.requests > 0 && r.gateway.requests > 0);
    assert.equal(r.direct.errors + r.gateway.errors, 0);
    assert.equal(r.addedP50Ms, r.gateway.p50Ms - r.direct.p50Ms);
  }
});

Deno.test("benchGateway() fails with the server's reason when the plugin cannot load", async () => {
  await assert.rejects(
    benchGateway({ plugin: "/nonexistent/plugin.wasm", durationMs: 10 }),
    /Cannot start the benchmark gateway: .*plugin\.wasm/,
  );
});
