import assert from "node:assert/strict";
import { formatGatewayMemory, measureGatewayMemory } from "./gateway_memory.ts";
import { testPlugin } from "../../testing/plugins.ts";

const MiB = 1 << 20;

// Before: a 100 MiB request peaked 8.5 times its body above the start in the gateway's thread, and 19 times with
// the plugin in a child process (dev's default), where each hook input crossed the pipe as a JSON string.
Deno.test("a 100 MiB chat request through the gateway, in its thread and in a child process, peaks under 6 times its body above the start and leaves nothing behind", async () => {
  const rows = await measureGatewayMemory(await testPlugin("hello-world"), [100], {
    engines: ["v8-inline", "v8-process"],
  });
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.equal(row.status, 200, row.error);
    assert.equal(row.bodyBytes, 100 * MiB);
    // Each process's own peak, summed: at least the true peak, whatever the sampling missed.
    const peak = (row.peakBoundBytes - row.startRssBytes) / row.bodyBytes;
    const kept = (row.idleRssBytes - row.startRssBytes) / row.bodyBytes;
    const what = `${row.engine}: peak ${peak.toFixed(1)} times the body above the start, ${kept.toFixed(1)} held after`;
    assert.ok(peak < 6, what);
    assert.ok(row.peakRssBytes <= row.peakBoundBytes, what);
    // The plugin, grown past 256 MiB, starts afresh after the request, and a collection returns the rest.
    assert.ok(kept < 1, what);
  }
  assert.match(formatGatewayMemory(rows), /^\| v8-inline \| 100 MiB \| 200 \|/m);
});
