/**
 * Gateway load: requests per second and latency of each route a client uses
 * (chat and text completions, the Responses API, embeddings, the model list)
 * through the local gateway with one plugin, against the same request sent
 * to the mock upstream directly, at fixed concurrencies for a fixed time
 * each. The gateway and the upstream run in one subprocess (as `bifrost-as
 * dev` runs them), the load generator in this one; everything stays on
 * loopback.
 *
 * @module
 */
import { PluginError } from "../errors.ts";
import type { FreePolicy } from "../abi/free_policy.ts";
import { percentile } from "./hook_cost.ts";

/** One load run. */
export interface LoadResult {
  concurrency: number;
  durationMs: number;
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** A route the benchmark loads: its request, sent to the gateway and (with the bare model) to the upstream. */
export interface GatewayRoute {
  /** What the table shows, e.g. `POST /v1/responses`. */
  label: string;
  method: "GET" | "POST";
  path: string;
  /** The JSON body for a model (`openai/gpt-4o-mini` to the gateway, `gpt-4o-mini` to the upstream). */
  body?: (model: string) => unknown;
}

const HELLO = [{ role: "user", content: "Hello" }];

/** The routes a client uses, by name. */
export const GATEWAY_ROUTES = {
  chat: {
    label: "POST /v1/chat/completions",
    method: "POST",
    path: "/v1/chat/completions",
    body: (model) => ({ model, messages: HELLO }),
  },
  responses: {
    label: "POST /v1/responses",
    method: "POST",
    path: "/v1/responses",
    body: (model) => ({ model, input: "Hello" }),
  },
  completions: {
    label: "POST /v1/completions",
    method: "POST",
    path: "/v1/completions",
    body: (model) => ({ model, prompt: "Hello" }),
  },
  embeddings: {
    label: "POST /v1/embeddings",
    method: "POST",
    path: "/v1/embeddings",
    body: (model) => ({ model, input: "Hello" }),
  },
  models: { label: "GET /v1/models", method: "GET", path: "/v1/models" },
} satisfies Record<string, GatewayRoute>;

/** One measured run: a route at a concurrency. */
export interface GatewayRun {
  route: GatewayRoute;
  concurrency: number;
}

/** The default runs: chat at concurrency 1 and 32, every other route at 1. */
export const DEFAULT_GATEWAY_RUNS: readonly GatewayRun[] = [
  { route: GATEWAY_ROUTES.chat, concurrency: 1 },
  { route: GATEWAY_ROUTES.chat, concurrency: 32 },
  { route: GATEWAY_ROUTES.responses, concurrency: 1 },
  { route: GATEWAY_ROUTES.completions, concurrency: 1 },
  { route: GATEWAY_ROUTES.embeddings, concurrency: 1 },
  { route: GATEWAY_ROUTES.models, concurrency: 1 },
];

/** Direct against gateway on one route at one concurrency. */
export interface GatewayRow {
  /** The route's label, e.g. `POST /v1/responses`. */
  route: string;
  concurrency: number;
  direct: LoadResult;
  gateway: LoadResult;
  /** Gateway latency minus direct latency. */
  addedP50Ms: number;
  addedP99Ms: number;
}

/** Options of {@link benchGateway}. */
export interface GatewayBenchOptions {
  /** The plugin the gateway runs. */
  plugin: string;
  /** Default {@link DEFAULT_GATEWAY_RUNS}. */
  runs?: readonly GatewayRun[];
  /** Measured time per run. Default 5000 ms. */
  durationMs?: number;
  /** Unmeasured time before each run. Default 500 ms. */
  warmupMs?: number;
  freePolicy?: FreePolicy;
  onRow?: (row: GatewayRow) => void;
}

const SERVER = new URL("./_gateway_server.ts", import.meta.url);
const ROOT = new URL("../..", import.meta.url);

/** Runs the benchmark; see the module documentation. */
export async function benchGateway(options: GatewayBenchOptions): Promise<GatewayRow[]> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", SERVER.pathname, options.plugin, options.freePolicy ?? "both"],
    cwd: ROOT.pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(server.stderr).text();
  const stdout = lines(server.stdout);
  try {
    const urls = await stdout.first.catch(async (e) => {
      throw new PluginError(`Cannot start the benchmark gateway: ${(e as Error).message}: ${(await stderr).trim()}`);
    });
    const { gateway, upstream } = JSON.parse(urls) as { gateway: string; upstream: string };
    const durationMs = options.durationMs ?? 5000;
    const warmupMs = options.warmupMs ?? 500;
    const rows: GatewayRow[] = [];
    for (const { route, concurrency } of options.runs ?? DEFAULT_GATEWAY_RUNS) {
      const run = async (base: string, model: string) => {
        const request = { method: route.method, ...(route.body ? { body: route.body(model) } : {}) };
        await load(`${base}${route.path}`, request, concurrency, warmupMs);
        return load(`${base}${route.path}`, request, concurrency, durationMs);
      };
      const d = await run(upstream, "gpt-4o-mini");
      const g = await run(gateway, "openai/gpt-4o-mini");
      const row = {
        route: route.label,
        concurrency,
        direct: d,
        gateway: g,
        addedP50Ms: g.p50Ms - d.p50Ms,
        addedP99Ms: g.p99Ms - d.p99Ms,
      };
      options.onRow?.(row);
      rows.push(row);
    }
    return rows;
  } finally {
    try {
      await server.stdin.close();
      server.kill("SIGTERM");
    } catch { /* already gone */ }
    await server.status;
    await Promise.all([stderr, stdout.drained]);
  }
}

/** A request {@link load} sends: a JSON body POSTed, or a GET without one. */
export interface LoadRequest {
  method: "GET" | "POST";
  body?: unknown;
}

/** `concurrency` clients, each sending one request after the other until `durationMs` is over. */
export async function load(
  url: string,
  request: LoadRequest,
  concurrency: number,
  durationMs: number,
): Promise<LoadResult> {
  const init: RequestInit = request.method === "GET"
    ? { method: "GET" }
    : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request.body) };
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    while (performance.now() < deadline && errors < 1000) {
      const t = performance.now();
      try {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (res.ok) latencies.push(performance.now() - t);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    durationMs: elapsed,
    requests: latencies.length,
    errors,
    rps: latencies.length / (elapsed / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** The first line of `stream`, and the rest read to its end. */
function lines(stream: ReadableStream<Uint8Array>): { first: Promise<string>; drained: Promise<void> } {
  const first = Promise.withResolvers<string>();
  const drained = (async () => {
    let text = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.includes("\n")) first.resolve(text.slice(0, text.indexOf("\n")));
    }
    first.reject(new Error("it exited before printing its address"));
  })();
  return { first: first.promise, drained };
}
