/**
 * The targets the end-to-end checks run against:
 *
 * - `local`: the local gateway and mock upstream, started and stopped here;
 * - `compose`: `compose.yaml` (a real Bifrost image from `BIFROST_IMAGE`,
 *   and the mock upstream in a Deno container) through testcontainers;
 * - `url`: a gateway and upstream already running, given by URL.
 *
 * Every target reads the same generated `config.json` (in `build/e2e/`,
 * mounted at Bifrost's `/app/data` by compose).
 *
 * @module
 */
import { writeBifrostConfig } from "../lib/bifrost_config.ts";
import { startDev } from "../lib/dev.ts";
import { testPlugin } from "../lib/_test_plugins.ts";
import type { Endpoints } from "./checks.ts";

export type TargetName = "local" | "compose" | "url";

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
/** The Bifrost image compose runs when `BIFROST_IMAGE` is unset. Open-source images cannot load WASM plugins. */
export const DEFAULT_BIFROST_IMAGE = "maximhq/bifrost:v1.3.48";
/** How compose reaches the mock upstream (its service name). */
const COMPOSE_UPSTREAM = "http://upstream:8081";

/** Builds the plugins if needed and writes `build/e2e/` (plugins + config.json). */
export async function prepare(): Promise<string> {
  await Deno.mkdir(`${E2E_DIR}/plugins`, { recursive: true });
  for (const name of ["hello-world", "trap"] as const) {
    await Deno.copyFile(await testPlugin(name), `${E2E_DIR}/plugins/${name}.wasm`);
  }
  const written = await writeBifrostConfig(E2E_DIR, {
    upstreamUrl: COMPOSE_UPSTREAM,
    appDir: "/app/data",
    plugins: [
      { name: "hello-world", path: "/app/data/plugins/hello-world.wasm", config: { custom_option: "value" } },
      { name: "trap-on-demand", path: "/app/data/plugins/trap.wasm" },
    ],
  });
  return written.configPath;
}

/** Starts the local gateway on the e2e config, with a mock upstream on loopback. */
export async function startLocal(configPath: string): Promise<RunningTarget> {
  const dev = await startDev({ configPath, port: 0, watch: false });
  return {
    name: "local",
    description: `local gateway ${dev.gateway.url} (conformance host), mock upstream ${dev.upstream!.url}`,
    gatewayUrl: dev.gateway.url,
    upstreamUrl: dev.upstream!.url,
    stop: () => dev.close(),
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

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return { ok: r.success, out: new TextDecoder().decode(r.success ? r.stdout : r.stderr).trim() };
  } catch (e) {
    return { ok: false, out: (e as Error).message };
  }
}

/** Whether compose can run here, and why not. */
export async function composeAvailability(image: string): Promise<{ ok: boolean; reason: string }> {
  const engine = await run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (!engine.ok) {
    return { ok: false, reason: `no container engine answers ("docker info": ${engine.out.split("\n")[0]})` };
  }
  const compose = await run("docker", ["compose", "version"]);
  if (!compose.ok) return { ok: false, reason: "docker compose v2 is not installed" };
  const found = await run("docker", ["image", "inspect", image]);
  if (!found.ok) {
    return { ok: false, reason: `image "${image}" is not available locally (set BIFROST_IMAGE or pull it)` };
  }
  return { ok: true, reason: `engine ${engine.out}, image "${image}" present` };
}

/** Starts `compose.yaml` through testcontainers and waits for both healthchecks. */
export async function startCompose(image: string): Promise<RunningTarget> {
  // Loaded only here so the local target needs no container tooling.
  const { DockerComposeEnvironment, Wait } = await import("testcontainers");
  const env = await new DockerComposeEnvironment(ROOT, "compose.yaml")
    .withEnvironment({ BIFROST_IMAGE: image, E2E_DIR })
    .withWaitStrategy("upstream-1", Wait.forHealthCheck())
    .withWaitStrategy("bifrost-1", Wait.forHealthCheck())
    .withStartupTimeout(120_000)
    .up();
  const bifrost = env.getContainer("bifrost-1");
  const upstream = env.getContainer("upstream-1");
  const host = bifrost.getHost();
  return {
    name: "compose",
    description: `compose.yaml with ${image}`,
    gatewayUrl: `http://${host}:${bifrost.getMappedPort(8080)}`,
    upstreamUrl: `http://${upstream.getHost()}:${upstream.getMappedPort(8081)}`,
    stop: async () => {
      await env.down({ timeout: 10_000 });
    },
  };
}
