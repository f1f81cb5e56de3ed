/**
 * Test support for the gateway's tests: a gateway of test plugins in front
 * of a mock upstream, recording its log and its hook calls, and the events
 * of an SSE body. Not exported from mod.ts.
 *
 * @module
 */
import { type Gateway, type GatewayOptions, startGateway } from "../lib/gateway/gateway.ts";
import type { HookCallEvent } from "../lib/gateway/types.ts";
import { type MockUpstream, startMockUpstream } from "../lib/mock/mock_upstream.ts";
import { testPlugin, type TestPluginName } from "./plugins.ts";

export { sseEvents } from "./sse.ts";

/** A gateway of test plugins and its mock upstream; `await using` closes both. */
export interface TestGateway extends AsyncDisposable {
  gateway: Gateway;
  upstream: MockUpstream;
  /** Gateway and plugin log lines. */
  logs: string[];
  /** Every hook call the plugins answered, in order. */
  calls: HookCallEvent[];
  /** The hooks called so far, in order. */
  hooks(): string[];
  /** POSTs `body` to `path` of the gateway as JSON (a string as it is). */
  post(path: string, body: unknown): Promise<Response>;
}

/** Gateway options a test may set besides its plugins, upstream, port and observers. */
export type TestGatewayOptions = Omit<GatewayOptions, "plugins" | "upstreamUrl" | "port" | "onLog" | "onHookCall">;

/** Starts a mock upstream and a gateway running `plugins` in that order, each with the config `{}`. */
export async function startTestGateway(
  plugins: readonly TestPluginName[],
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const entries = [];
  for (const name of plugins) entries.push({ name, path: await testPlugin(name), config: {} });
  const upstream = await startMockUpstream({ port: 0 });
  const logs: string[] = [];
  const calls: HookCallEvent[] = [];
  let gateway: Gateway;
  try {
    gateway = await startGateway({
      ...options,
      plugins: entries,
      upstreamUrl: upstream.url,
      port: 0,
      onLog: (l) => logs.push(l),
      onHookCall: (c) => calls.push(c),
    });
  } catch (e) {
    await upstream.close();
    throw e;
  }
  return {
    gateway,
    upstream,
    logs,
    calls,
    hooks: () => calls.map((c) => c.hook),
    post: (path, body) =>
      fetch(`${gateway.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async [Symbol.asyncDispose]() {
      await gateway.close();
      await upstream.close();
    },
  };
}
