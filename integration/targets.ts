/**
 * The targets the end-to-end checks run against:
 *
 * - `local`: the local gateway and mock upstream, started and stopped here;
 * - `bifrost`: the open-source Bifrost server with bifrost-as's WASM loader
 *   (`deno task bifrost:build`), as a local process, and the mock upstream;
 * - `compose`: `compose.yaml` (the gateway image, and the mock upstream in
 *   a Deno container) through testcontainers, in `compose.ts`;
 * - `packaged`: the image `bifrost-as package --format bifrost` builds on
 *   the gateway image, pulled from a local registry and started, in
 *   `packaged.ts`.
 *
 * The gateway image (`gateway_image.ts`) is `BIFROST_IMAGE`, else the
 * real-Bifrost image `deno task images` builds from `build/bifrost/`, else
 * the dev-gateway fallback (NOT Bifrost);
 * - `url`: a gateway and upstream already running, given by URL.
 *
 * Every target reads the same generated `config.json` (in `build/e2e/`,
 * mounted at Bifrost's `/app/data` by compose).
 *
 * @module
 */
import { writeBifrostConfig } from "../lib/config/bifrost_config.ts";
import { startDev } from "../lib/gateway/dev.ts";
import type { Engine } from "../lib/host/engine.ts";
import { startRealBifrost } from "../lib/gateway/real_bifrost.ts";
import { testPlugin } from "../testing/plugins.ts";
import type { Endpoints } from "./checks.ts";

export type TargetName = "local" | "bifrost" | "compose" | "packaged" | "url";

/** A started target: where to reach it, and how to stop it. */
export interface RunningTarget extends Endpoints {
  name: TargetName;
  /** One line on what runs, e.g. the image. */
  description: string;
  stop(): Promise<void>;
}

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** The directory compose mounts at `/app/data`. */
export const E2E_DIR = `${ROOT}/build/e2e`;
/** How the containers reach the mock upstream (its service name). */
export const COMPOSE_UPSTREAM = "http://upstream:8081";

/** Where the plugin under test goes, under `build/e2e/` (`/app/data/` in the containers). */
export const UNDER_TEST_FILE = "plugins/under-test.wasm";

/**
 * Builds the plugins if needed and writes `build/e2e/` (plugins +
 * config.json): the plugin under test (`plugin`, a `.wasm` path, or
 * hello-world), registered under `name`, then the trap plugin.
 */
export async function prepare(plugin?: { path: string; name: string }): Promise<string> {
  await Deno.mkdir(`${E2E_DIR}/plugins`, { recursive: true });
  await Deno.copyFile(plugin?.path ?? await testPlugin("hello-world"), `${E2E_DIR}/${UNDER_TEST_FILE}`);
  await Deno.copyFile(await testPlugin("trap"), `${E2E_DIR}/plugins/trap.wasm`);
  const written = await writeBifrostConfig(E2E_DIR, {
    upstreamUrl: COMPOSE_UPSTREAM,
    appDir: "/app/data",
    plugins: [
      { name: plugin?.name ?? "hello-world", path: `/app/data/${UNDER_TEST_FILE}`, config: { custom_option: "value" } },
      { name: "trap-on-demand", path: "/app/data/plugins/trap.wasm" },
    ],
  });
  return written.configPath;
}

/** Starts the local gateway on the e2e config, with a mock upstream on loopback; plugins run in `engine`. */
export async function startLocal(configPath: string, engine: Engine = "v8"): Promise<RunningTarget> {
  const dev = await startDev({ configPath, port: 0, watch: false, host: { engine } });
  return {
    name: "local",
    description: `local gateway ${dev.gateway.url} (conformance host, plugins in ${engine}), mock upstream ${
      dev.upstream!.url
    }`,
    gatewayUrl: dev.gateway.url,
    upstreamUrl: dev.upstream!.url,
    stop: () => dev.close(),
  };
}

/** Starts the real Bifrost built by `deno task bifrost:build` on the e2e config, with a mock upstream on loopback. */
export async function startBifrost(configPath: string): Promise<RunningTarget> {
  const server = await startRealBifrost({ configPath, buildDir: `${ROOT}/build/bifrost` });
  const b = server.build;
  return {
    name: "bifrost",
    description: `Bifrost ${b.version} (core ${b.core}, built from ${
      b.source === "checkout" ? "a checkout" : "the published modules"
    }, ${b.go}) with the WASM loader at ${server.url}, mock upstream ${server.upstreamUrl}`,
    gatewayUrl: server.url,
    upstreamUrl: server.upstreamUrl,
    stop: () => server.close(),
  };
}

/** Uses a gateway and upstream that are already running. */
export async function useUrls(gatewayUrl: string, upstreamUrl: string): Promise<RunningTarget> {
  for (const [what, url] of [["gateway", `${gatewayUrl}/health`], ["upstream", `${upstreamUrl}/health`]]) {
    try {
      const res = await fetch(url!, { signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
    } catch (e) {
      throw new Error(`The ${what} at ${url} does not answer: ${(e as Error).message}`);
    }
  }
  return {
    name: "url",
    description: `gateway ${gatewayUrl}, upstream ${upstreamUrl}`,
    gatewayUrl,
    upstreamUrl,
    stop: async () => {},
  };
}
