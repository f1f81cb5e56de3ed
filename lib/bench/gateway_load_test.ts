// That the load generator and the gateway subprocess work, not how fast they are.
import assert from "node:assert/strict";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { benchGateway, GATEWAY_ROUTES, load } from "./gateway_load.ts";

Deno.test("load() keeps `concurrency` clients busy until the time is up and counts answers and errors", async () => {
  await using upstream = await startMockUpstream();
  const ok = await load(
    `${upstream.url}/v1/chat/completions`,
    { method: "POST", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } },
    4,
    200,
  );
  assert.ok(ok.requests > 0);
  assert.equal(ok.errors, 0);
  assert.ok(ok.p50Ms <= ok.p99Ms);
  const bad = await load(`${upstream.url}/nowhere`, { method: "POST", body: {} }, 2, 100);
  assert.equal(bad.requests, 0);
  assert.ok(bad.errors > 0);
});

Deno.test("benchGateway() compares the gateway with its plugin against the upstream on each route and concurrency", async () => {
  const rows = await benchGateway({
    plugin: await testPlugin("hello-world"),
    runs: [
      { route: GATEWAY_ROUTES.chat, concurrency: 1 },
      { route: GATEWAY_ROUTES.chat, concurrency: 3 },
      ...Object.values(GATEWAY_ROUTES).slice(1).map((route) => ({ route, concurrency: 1 })),
    ],
    durationMs: 150,
    warmupMs: 20,
  });
  assert.deepEqual(rows.map((r) => [r.route, r.concurrency]), [
    ["POST /v1/chat/completions", 1],
    ["POST /v1/chat/completions", 3],
    ["POST /v1/responses", 1],
    ["POST /v1/completions", 1],
    ["POST /v1/embeddings", 1],
    ["GET /v1/models", 1],
  ]);
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
