/**
 * Subprocess entry of the gateway benchmark: a mock upstream and the local
 * gateway with one plugin, both on loopback ports picked by the OS. Prints
 * `{"gateway": url, "upstream": url}` on one line, then serves until stdin
 * closes or SIGTERM. Run as `deno run -A _gateway_server.ts <plugin.wasm>
 * <free-policy>`; private to `gateway_load.ts`.
 *
 * @module
 */
import { startGateway } from "../gateway/gateway.ts";
import type { FreePolicy } from "../abi/free_policy.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";

const [plugin, policy] = Deno.args;
if (!plugin) throw new Error("usage: _gateway_server.ts <plugin.wasm> [free-policy]");

await using upstream = await startMockUpstream({ port: 0 });
await using gateway = await startGateway({
  plugins: [{ name: "bench", path: plugin }],
  upstreamUrl: upstream.url,
  port: 0,
  host: { freePolicy: (policy ?? "both") as FreePolicy },
  onLog: () => {},
});
console.log(JSON.stringify({ gateway: gateway.url, upstream: upstream.url }));

const stop = Promise.withResolvers<void>();
Deno.addSignalListener("SIGTERM", () => stop.resolve());
(async () => {
  for await (const _ of Deno.stdin.readable) { /* drain until the parent closes stdin */ }
  stop.resolve();
})();
await stop.promise;
