/**
 * The `packaged` target: proof that the image `bifrost-as package --format
 * bifrost` ships is runnable, with the plugins and their config baked in.
 *
 * 1. A deployment base: the gateway image (`gateway_image.ts`: the
 *    real-Bifrost image when built; in CI the dev-gateway image) plus a `config.json` naming the providers (the
 *    upstream is the compose-style service name `upstream`), built by the
 *    engine and pushed to a local registry (Debian's `docker-registry` on
 *    127.0.0.1).
 * 2. `bifrost-as package --format bifrost --with-config` (the CLI, as a
 *    user runs it) adds the plugin under test on that base, then the trap
 *    plugin on the result, each pushed to the registry: `config.json` ends
 *    up enabling both, in the order the local target runs them.
 * 3. The engine pulls the final image from the registry and starts it on a
 *    private network beside the mock upstream image; the checks then run
 *    against the mapped ports, as with `--target url`.
 *
 * Everything is removed again in `stop()`, or at once when a step fails;
 * every step has a time limit.
 *
 * @module
 */
import { writeBifrostConfig } from "../lib/config/bifrost_config.ts";
import { fitConfigToVersion } from "../lib/gateway/real_bifrost.ts";
import { hasRegistry, startRegistry, type TestRegistry } from "../testing/registry.ts";
import { Annotation } from "../lib/oci/media_types.ts";
import { MOCK_UPSTREAM_IMAGE } from "../images/names.ts";
import {
  containerReport,
  docker,
  type EngineInfo,
  engineInfo,
  imageExists,
  imageLabels,
  lastLines,
} from "../images/engine.ts";
import { COMPOSE_UPSTREAM, type RunningTarget, UNDER_TEST_FILE } from "./targets.ts";

/** How long the two containers may take to answer `/health`. */
const HEALTH_TIMEOUT_MS = 90_000;
/** The repository the packaged images are pushed to in the local registry. */
const REPOSITORY = "bifrost-as-e2e";

/** Whether the packaged target can run here, and why not. */
export async function packagedAvailability(bifrostImage: string): Promise<{ ok: boolean; reason: string }> {
  const engine = await engineInfo();
  if (!engine.ok) return { ok: false, reason: engine.description };
  if (!hasRegistry) {
    return { ok: false, reason: "docker-registry is not installed (scripts/install-registry-tools.sh installs it)" };
  }
  for (
    const [image, how] of [[bifrostImage, "set BIFROST_IMAGE or run deno task images"], [
      MOCK_UPSTREAM_IMAGE,
      "deno task images",
    ]]
  ) {
    if (!await imageExists(image!)) {
      return { ok: false, reason: `image "${image}" is not available locally (${how})` };
    }
  }
  return { ok: true, reason: `${engine.description}, images "${bifrostImage}" and "${MOCK_UPSTREAM_IMAGE}" present` };
}

/** Undo steps, run last first. */
class Cleanup {
  readonly #steps: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    for (const step of this.#steps.reverse()) {
      try {
        await step.run();
      } catch (e) {
        failures.push(`${step.what}: ${(e as Error).message}`);
      }
    }
    this.#steps.length = 0;
    if (failures.length) console.error(`warning: cleanup left something behind:\n  ${failures.join("\n  ")}`);
  }
}

async function cli(root: string, args: string[], timeoutMs = 180_000): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/cli/main.ts`, ...args],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    const why = out.signal ? `did not finish within ${timeoutMs / 1000} s` : `failed (exit ${out.code})`;
    throw new Error(`"bifrost-as ${args.join(" ")}" ${why}: ${lastLines(dec.decode(out.stderr), 10)}`);
  }
  return dec.decode(out.stdout);
}

/** Builds the gateway image plus a providers-only `config.json` (and the offline data files) under /app/data. */
async function buildDeploymentBase(
  bifrostImage: string,
  tag: string,
  engine: EngineInfo,
  bifrostVersion?: string,
): Promise<void> {
  const ctx = await Deno.makeTempDir({ prefix: "bifrost-as-deploy-base-" });
  try {
    const written = await writeBifrostConfig(ctx, { upstreamUrl: COMPOSE_UPSTREAM, appDir: "/app/data" });
    if (bifrostVersion) await fitConfigToVersion(written.configPath, bifrostVersion);
    const names = written.files.map((f) => f.slice(f.lastIndexOf("/") + 1));
    await Deno.writeTextFile(
      `${ctx}/Dockerfile`,
      `FROM ${bifrostImage}\nCOPY ${names.join(" ")} /app/data/\n`,
    );
    await docker(["build", "--tag", tag, ctx], {
      timeoutMs: 180_000,
      ...(engine.podman ? { env: { DOCKER_BUILDKIT: "0" } } : {}),
    });
  } finally {
    await Deno.remove(ctx, { recursive: true });
  }
}

async function mappedPort(id: string, port: number): Promise<string> {
  const out = (await docker(["port", id, `${port}/tcp`], { timeoutMs: 15_000 })).stdout.split("\n")[0] ?? "";
  const m = out.match(/^127\.0\.0\.1:(\d+)$/);
  if (!m) throw new Error(`Container ${id} publishes no 127.0.0.1 port for ${port}: "${out}"`);
  return `http://127.0.0.1:${m[1]}`;
}

/** Waits until every container runs and answers /health, or reports why not. */
async function waitHealthy(containers: { id: string; url: string; name: string }[]): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  const pending = new Set(containers);
  while (pending.size > 0) {
    for (const c of [...pending]) {
      const state = await docker(["inspect", "--format", "{{.State.Status}}", c.id], { timeoutMs: 15_000 });
      if (state.stdout !== "running") {
        const report = await containerReport(c.id) ?? `container ${c.id} is gone`;
        throw new Error(`The ${c.name} container is ${state.stdout}:\n${report}`);
      }
      const res = await fetch(`${c.url}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      await res?.body?.cancel();
      if (res?.ok) pending.delete(c);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const reports = await Promise.all(
        [...pending].map(async (c) => await containerReport(c.id) ?? `container ${c.id} is gone`),
      );
      throw new Error(
        `Not healthy within ${HEALTH_TIMEOUT_MS / 1000} s: ${[...pending].map((c) => c.name).join(", ")}\n` +
          reports.join("\n"),
      );
    }
    // A bounded poll of the containers' own state and /health, not a sleep standing in for readiness.
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What {@link startPackaged} reports as it goes. */
export type Progress = (line: string) => void;

/**
 * Builds, packages, pushes, pulls and starts the packaged image beside the
 * mock upstream; plugins come from `e2eDir/plugins/`. `bifrostVersion`: the
 * Bifrost version the image runs, when it is a real Bifrost (its config.json
 * is written for that version).
 */
export async function startPackaged(
  root: string,
  e2eDir: string,
  bifrostImage: string,
  progress: Progress = () => {},
  bifrostVersion?: string,
): Promise<RunningTarget> {
  const engine = await engineInfo();
  const cleanup = new Cleanup();
  const id = crypto.randomUUID().slice(0, 8);
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await f();
    progress(`    ${what} (${Math.round(performance.now() - t)} ms)`);
    return r;
  };
  try {
    const registry: TestRegistry = await timed("local registry started", () => startRegistry());
    cleanup.add("stop the registry", () => registry.stop());
    const base = `localhost/bifrost-as-deploy-base:${id}`;
    const pushedBase = `${registry.host}/bifrost-as-deploy-base:${id}`;
    await timed(
      `deployment base ${base} built on ${bifrostImage}`,
      () => buildDeploymentBase(bifrostImage, base, engine, bifrostVersion),
    );
    cleanup.add("remove the deployment base", () => docker(["image", "rm", "--force", base, pushedBase]));
    await timed(`deployment base pushed to ${pushedBase}`, async () => {
      await docker(["tag", base, pushedBase]);
      await docker(["push", pushedBase], { timeoutMs: 180_000 });
    });
    const withHello = `${registry.host}/${REPOSITORY}:hello-${id}`;
    const packaged = `${registry.host}/${REPOSITORY}:packaged-${id}`;
    const pkg = ["package", "--format", "bifrost", "--with-config", "--json"];
    await timed(
      `bifrost-as package ${UNDER_TEST_FILE} --base ${pushedBase} --tag ${withHello}`,
      () => cli(root, [...pkg, `${e2eDir}/${UNDER_TEST_FILE}`, "--base", pushedBase, "--tag", withHello]),
    );
    const pushed = JSON.parse(
      await timed(
        `bifrost-as package trap.wasm --base ${withHello} --tag ${packaged}`,
        () => cli(root, [...pkg, `${e2eDir}/plugins/trap.wasm`, "--base", withHello, "--tag", packaged]),
      ),
    ) as { digest: string };
    await timed(
      `pulled ${packaged} (${pushed.digest.slice(0, 19)}) from the registry`,
      () => docker(["pull", packaged], { timeoutMs: 180_000 }),
    );
    cleanup.add("remove the packaged image", () => docker(["image", "rm", "--force", packaged]));
    // The image the engine pulled is the one package built: its labels name the last plugin and the base.
    const labels = await imageLabels(packaged);
    if (labels[Annotation.PluginPath] !== "/app/plugins/trap-on-demand.wasm" || !labels[Annotation.BaseName]) {
      throw new Error(`The pulled image ${packaged} lacks the package's labels: ${JSON.stringify(labels)}`);
    }

    const network = `bifrost-as-packaged-${id}`;
    await docker(["network", "create", network]);
    cleanup.add("remove the network", () => docker(["network", "rm", network]));
    const run = async (name: string, args: string[]) => {
      const cid = (await docker(["run", "-d", "--name", `${name}-${id}`, "--network", network, ...args])).stdout;
      cleanup.add(`remove the ${name} container`, () => docker(["rm", "--force", cid]));
      return cid;
    };
    const upstreamId = await run("upstream", [
      "--network-alias",
      "upstream",
      "-p",
      "127.0.0.1::8081",
      MOCK_UPSTREAM_IMAGE,
    ]);
    const gatewayId = await run("gateway", ["-p", "127.0.0.1::8080", packaged]);
    const upstreamUrl = await mappedPort(upstreamId, 8081);
    const gatewayUrl = await mappedPort(gatewayId, 8080);
    await timed("both containers answer /health", () =>
      waitHealthy([
        { id: upstreamId, url: upstreamUrl, name: "mock upstream" },
        { id: gatewayId, url: gatewayUrl, name: "packaged gateway" },
      ]));
    return {
      name: "packaged",
      description: `${packaged} (bifrost-as package on ${bifrostImage}, pulled from a local registry) ` +
        `on ${engine.description}`,
      gatewayUrl,
      upstreamUrl,
      stop: () => cleanup.run(),
    };
  } catch (e) {
    await cleanup.run();
    throw e;
  }
}
