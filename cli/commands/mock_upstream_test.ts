import assert from "node:assert/strict";
import { startMockUpstream } from "../../lib/mock/mock_upstream.ts";
import { runCli, spawnCli } from "../../testing/cli.ts";

const TIMEOUT_MS = 10_000;

Deno.test("cli mock-upstream prints its URL, serves until SIGTERM, then exits 0", async () => {
  await using cli = spawnCli(["mock-upstream", "--port", "0"]);
  const url = await cli.readLine();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });
  const chat = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  assert.equal((await chat.json()).choices[0].message.content, "Echo: hi");

  const result = await cli.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${url}\n`);
  assert.match(result.stderr, /listening on http:\/\/127\.0\.0\.1:\d+ \(Ctrl-C to stop\)\n.*stopped\n$/);
});

Deno.test("cli mock-upstream --json prints its address as one JSON line", async () => {
  await using cli = spawnCli(["mock-upstream", "--port", "0", "--json"]);
  const address = JSON.parse(await cli.readLine());
  assert.deepEqual(Object.keys(address), ["url", "port", "hostname"]);
  assert.equal(address.url, `http://127.0.0.1:${address.port}`);
  const models = await fetch(`${address.url}/v1/models`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  assert.equal((await models.json()).object, "list");
  assert.equal((await cli.stop("SIGINT")).code, 0);
});

Deno.test("cli mock-upstream rejects an invalid port with exit 2", async () => {
  const r = await runCli(["mock-upstream", "--port", "70000"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, `error: Invalid --port "70000": expected a whole number from 0 to 65535\n`);
});

Deno.test("cli mock-upstream reports a port in use with exit 1", async () => {
  await using busy = await startMockUpstream();
  const r = await runCli(["mock-upstream", "--port", String(busy.port)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, `error: Cannot listen on "127.0.0.1:${busy.port}": address already in use\n`);
});
