/**
 * Gateway load: requests per second and latency of `POST
 * /v1/chat/completions` through the local gateway with one plugin, against
 * the same request sent to the mock upstream directly, at fixed
 * concurrencies for a fixed time each. The gateway and the upstream run in
 * one subprocess (as `bifrost-as dev` runs them), the load generator in
 * this one; everything stays on loopback.
 *
 * @module
 */
import { PluginError } from "../errors.ts";
import type { FreePolicy } from "../host/host.ts";
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

/** Direct against gateway at one concurrency. */
export interface GatewayRow {
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
  /** Default [1, 32]. */
  concurrencies?: readonly number[];
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
    const message = [{ role: "user", content: "Hello" }];
    const direct = { url: `${upstream}/v1/chat/completions`, body: { model: "gpt-4o-mini", messages: message } };
    const viaGateway = {
      url: `${gateway}/v1/chat/completions`,
      body: { model: "openai/gpt-4o-mini", messages: message },
    };
    const durationMs = options.durationMs ?? 5000;
    const warmupMs = options.warmupMs ?? 500;
    const rows: GatewayRow[] = [];
    for (const concurrency of options.concurrencies ?? [1, 32]) {
      const run = async (target: typeof direct) => {
        await load(target.url, target.body, concurrency, warmupMs);
        return load(target.url, target.body, concurrency, durationMs);
      };
      const d = await run(direct);
      const g = await run(viaGateway);
      const row = { concurrency, direct: d, gateway: g, addedP50Ms: g.p50Ms - d.p50Ms, addedP99Ms: g.p99Ms - d.p99Ms };
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

/** `concurrency` clients, each sending one request after the other until `durationMs` is over. */
export async function load(url: string, body: unknown, concurrency: number, durationMs: number): Promise<LoadResult> {
  const text = JSON.stringify(body);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    while (performance.now() < deadline && errors < 1000) {
      const t = performance.now();
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: text });
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
