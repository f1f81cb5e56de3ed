/**
 * A real Bifrost under load: the open-source server built by
 * `deno task bifrost:build` with no plugin against the same server with the
 * plugin loaded through bifrost-as's WASM loader (its HTTP and LLM hooks: 4
 * calls per chat request), side by side in one run, both in front of one
 * mock upstream, which is also measured directly. What the loader and the
 * plugin add is the difference between the two servers.
 *
 * @module
 */
import { join } from "node:path";
import { writeBifrostConfig } from "../config/bifrost_config.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { readBuildInfo, startRealBifrost } from "../gateway/real_bifrost.ts";
import { GATEWAY_ROUTES, load, type LoadResult } from "./gateway_load.ts";

/** One concurrency: the upstream directly, Bifrost without a plugin, Bifrost with the plugin. */
export interface BifrostLoadRow {
  concurrency: number;
  direct: LoadResult;
  bare: LoadResult;
  plugin: LoadResult;
  /** The plugin with no hook time limit (`hook_timeout_ms: -1`): the engine then arms no stop flag. */
  unlimited: LoadResult;
  /** With the plugin minus without, in ms. */
  addedP50Ms: number;
  addedP99Ms: number;
  unlimitedAddedP50Ms: number;
  unlimitedAddedP99Ms: number;
}

/** The section: the rows, or why it did not run. */
export type BifrostLoadSection =
  | { durationMs: number; version: string; rows: BifrostLoadRow[] }
  | { skipped: string };

/** Options of {@link benchRealBifrost}. */
export interface BifrostLoadOptions {
  plugin: string;
  /** Where `deno task bifrost:build` wrote the server and the loaders. */
  buildDir: string;
  concurrencies?: readonly number[];
  durationMs?: number;
  warmupMs?: number;
  onRow?: (row: BifrostLoadRow) => void;
}

/** Runs the benchmark; a missing build is a skip with the reason, not a failure. */
export async function benchRealBifrost(options: BifrostLoadOptions): Promise<BifrostLoadSection> {
  try {
    await readBuildInfo(options.buildDir);
  } catch (e) {
    return { skipped: (e as Error).message };
  }
  const durationMs = options.durationMs ?? 5000;
  const warmupMs = options.warmupMs ?? 500;
  const upstream = await startMockUpstream({ port: 0 });
  const dir = join(options.buildDir, "bench");
  const servers: Awaited<ReturnType<typeof startRealBifrost>>[] = [];
  try {
    const underTest = [{ name: "under-test", path: options.plugin }];
    for (
      const [name, plugins, hookTimeoutMs] of [["bare", [], 30_000], ["plugin", underTest, 30_000], [
        "unlimited",
        underTest,
        -1,
      ]] as const
    ) {
      const written = await writeBifrostConfig(join(dir, name), {
        upstreamUrl: upstream.url,
        plugins: plugins.map((p) => ({ ...p })),
      });
      servers.push(
        await startRealBifrost({
          configPath: written.configPath,
          buildDir: options.buildDir,
          upstreamUrl: upstream.url,
          appDir: join(dir, `${name}-run`),
          hookTimeoutMs,
        }),
      );
    }
    const [bare, withPlugin, unlimited] = servers as [typeof servers[0], typeof servers[0], typeof servers[0]];
    const route = GATEWAY_ROUTES.chat;
    const measure = async (base: string, model: string, concurrency: number) => {
      const request = { method: route.method, body: route.body(model) };
      await load(`${base}${route.path}`, request, concurrency, warmupMs);
      return load(`${base}${route.path}`, request, concurrency, durationMs);
    };
    const rows: BifrostLoadRow[] = [];
    for (const concurrency of options.concurrencies ?? [1, 32]) {
      const direct = await measure(upstream.url, "gpt-4o-mini", concurrency);
      const b = await measure(bare.url, "openai/gpt-4o-mini", concurrency);
      const p = await measure(withPlugin.url, "openai/gpt-4o-mini", concurrency);
      const u = await measure(unlimited.url, "openai/gpt-4o-mini", concurrency);
      const row = {
        concurrency,
        direct,
        bare: b,
        plugin: p,
        unlimited: u,
        addedP50Ms: p.p50Ms - b.p50Ms,
        addedP99Ms: p.p99Ms - b.p99Ms,
        unlimitedAddedP50Ms: u.p50Ms - b.p50Ms,
        unlimitedAddedP99Ms: u.p99Ms - b.p99Ms,
      };
      options.onRow?.(row);
      rows.push(row);
    }
    return { durationMs, version: `${bare.build.version} (core ${bare.build.core})`, rows };
  } finally {
    for (const s of servers) await s.close();
    await upstream.close();
  }
}
