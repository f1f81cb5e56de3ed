/**
 * Subprocess entry of the gateway benchmarks: a mock upstream and the local
 * gateway with one plugin, both on loopback ports picked by the OS. Prints
 * `{"gateway": url, "upstream": url}` on one line, then serves until stdin
 * closes or SIGTERM. Run as `deno run -A _gateway_server.ts <plugin.wasm>
 * [free-policy] [engine]`, where the engine is how the plugin runs (see
 * {@link GatewayEngine}; default in this thread); private to the bench.
 *
 * @module
 */
import { startGateway } from "../gateway/gateway.ts";
import type { FreePolicy } from "../abi/free_policy.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { DEFAULT_HOOK_TIMEOUT_MS, type HostOptions } from "../host/types.ts";
import type { GatewayEngine } from "./gateway_memory.ts";

const [plugin, policy, engine = "v8-inline"] = Deno.args as [string?, string?, GatewayEngine?];
if (!plugin) throw new Error("usage: _gateway_server.ts <plugin.wasm> [free-policy] [engine]");

/** As `bifrost-as dev` runs a plugin: its default deadline puts V8 in a child process; `--hook-timeout 0` does not. */
const ENGINE_OPTIONS: Record<GatewayEngine, HostOptions> = {
  "v8-process": { timeoutMs: DEFAULT_HOOK_TIMEOUT_MS },
  "v8-inline": {},
  wazero: { timeoutMs: DEFAULT_HOOK_TIMEOUT_MS, engine: "wazero" },
};

await using upstream = await startMockUpstream({ port: 0 });
await using gateway = await startGateway({
  plugins: [{ name: "bench", path: plugin }],
  upstreamUrl: upstream.url,
  port: 0,
  host: { freePolicy: (policy ?? "both") as FreePolicy, ...ENGINE_OPTIONS[engine] },
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
