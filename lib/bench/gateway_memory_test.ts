import assert from "node:assert/strict";
import { formatGatewayMemory, measureGatewayMemory } from "./gateway_memory.ts";
import { testPlugin } from "../../testing/plugins.ts";

const MiB = 1 << 20;

Deno.test("a 32 MiB chat request through the gateway peaks under 12 times its body and leaves nothing behind", async () => {
  // Before: 23 times a 10 MiB body, and the plugin's grown memory and the copies kept for good (+225 MB idle).
  const [row] = await measureGatewayMemory(await testPlugin("hello-world"), [32]);
  assert.ok(row);
  assert.equal(row.status, 200);
  assert.equal(row.bodyBytes, 32 * MiB);
  const peak = (row.peakRssBytes - row.startRssBytes) / row.bodyBytes;
  const kept = (row.idleRssBytes - row.startRssBytes) / row.bodyBytes;
  assert.ok(peak < 12, `peak ${peak.toFixed(1)} times the body above the start`);
  assert.ok(kept < 3, `${kept.toFixed(1)} times the body still held after the request`);
  assert.match(formatGatewayMemory([row]), /^\| 32 MiB \| 200 \|/m);
});
