/**
 * The `compose` target: `compose.yaml` (the gateway image from
 * `BIFROST_IMAGE`, the mock upstream in `DENO_IMAGE`) started through
 * testcontainers' compose support, on Docker or on podman's Docker API
 * (`scripts/engine.sh`).
 *
 * Every wait is bounded. When the stack does not come up, the error carries
 * each container's state and last log lines, captured while it ran
 * (testcontainers removes the stack before it reports the failure).
 *
 * @module
 */
import { containerReport, docker, engineInfo, imageExists } from "../images/engine.ts";
import type { RunningTarget } from "./targets.ts";

/** The Deno image compose.yaml runs the mock upstream in when `DENO_IMAGE` is unset. */
export const DEFAULT_DENO_IMAGE = "denoland/deno:alpine-2.5.6";
/** How long the containers may take to become healthy. */
const HEALTH_TIMEOUT_MS = 120_000;
/** How long `compose up` and the health waits may take together. */
const UP_TIMEOUT_MS = 180_000;

/** Whether compose can run here, and why not. */
export async function composeAvailability(
  bifrostImage: string,
  denoImage: string = Deno.env.get("DENO_IMAGE") || DEFAULT_DENO_IMAGE,
): Promise<{ ok: boolean; reason: string }> {
  const engine = await engineInfo();
  if (!engine.ok) return { ok: false, reason: engine.description };
  const compose = await docker(["compose", "version", "--short"], { allowFailure: true, timeoutMs: 15_000 });
  if (!compose.ok) return { ok: false, reason: "docker compose v2 is not installed (scripts/engine.sh installs it)" };
  if (!await imageExists(bifrostImage)) {
    return {
      ok: false,
      reason: `image "${bifrostImage}" is not available locally (set BIFROST_IMAGE, pull it, or deno task images)`,
    };
  }
  if (!await imageExists(denoImage)) {
    return {
      ok: false,
      reason: `image "${denoImage}" is not available locally (set DENO_IMAGE, pull it, or deno task images)`,
    };
  }
  return {
    ok: true,
    reason: `${engine.description} with compose ${compose.stdout}, images "${bifrostImage}" and "${denoImage}" present`,
  };
}

/** Sets what testcontainers needs on podman, unless the caller set it. */
function testcontainersEnv(podman: boolean): void {
  // Ports are published on 127.0.0.1 (compose.yaml); inside a container testcontainers would pick a bridge address.
  if (!Deno.env.get("TESTCONTAINERS_HOST_OVERRIDE")) Deno.env.set("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
  // Ryuk's image cannot be pulled where there is no registry; the stack is removed in stop() instead.
  if (podman && !Deno.env.get("TESTCONTAINERS_RYUK_DISABLED")) Deno.env.set("TESTCONTAINERS_RYUK_DISABLED", "true");
}

/**
 * Keeps each container of a compose project's latest state and log lines,
 * so a failure can show them after the stack is gone.
 */
class ProjectWatch {
  readonly #project: string;
  readonly #reports = new Map<string, string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(project: string) {
    this.#project = project;
  }

  start(everyMs = 2_000): void {
    this.#timer = setInterval(() => void this.capture(), everyMs);
  }

  async capture(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const ids = await docker(
        ["ps", "-aq", "--filter", `label=com.docker.compose.project=${this.#project}`],
        { allowFailure: true, timeoutMs: 15_000 },
      );
      for (const id of ids.stdout.split("\n").filter(Boolean)) {
        // Keeps the last report of a container that is gone.
        const report = await containerReport(id);
        if (report) this.#reports.set(id, report);
      }
    } catch {
      /* a report is best effort */
    } finally {
      this.#busy = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  report(): string {
    return [...this.#reports.values()].join("\n") || "(no container of the stack was seen)";
  }
}

function deadline<T>(what: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(message)), ms));
  return Promise.race([what, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `compose.yaml` through testcontainers and waits for both healthchecks. */
export async function startCompose(root: string, e2eDir: string, bifrostImage: string): Promise<RunningTarget> {
  const engine = await engineInfo();
  testcontainersEnv(engine.podman);
  // Loaded only here so the local target needs no container tooling.
  const { DockerComposeEnvironment, PullPolicy, Wait } = await import("testcontainers");
  const project = `bifrost-as-e2e-${crypto.randomUUID().slice(0, 8)}`;
  const denoImage = Deno.env.get("DENO_IMAGE") || DEFAULT_DENO_IMAGE;
  const environment = new DockerComposeEnvironment(root, "compose.yaml")
    .withProjectName(project)
    .withEnvironment({ BIFROST_IMAGE: bifrostImage, DENO_IMAGE: denoImage, E2E_DIR: e2eDir })
    // Both images were found locally: never reach for a registry.
    .withPullPolicy(PullPolicy.neverPull())
    .withWaitStrategy("upstream-1", Wait.forHealthCheck())
    .withWaitStrategy("bifrost-1", Wait.forHealthCheck())
    .withStartupTimeout(HEALTH_TIMEOUT_MS);
  const watch = new ProjectWatch(project);
  watch.start();
  try {
    const env = await deadline(
      environment.up(),
      UP_TIMEOUT_MS,
      `compose up did not finish within ${UP_TIMEOUT_MS / 1000} s`,
    );
    // Throws for a service that is not running (testcontainers waits only for running ones).
    const bifrost = env.getContainer("bifrost-1");
    const upstream = env.getContainer("upstream-1");
    watch.stop();
    return {
      name: "compose",
      description: `compose.yaml with ${bifrostImage} and ${denoImage} on ${engine.description}`,
      gatewayUrl: `http://${bifrost.getHost()}:${bifrost.getMappedPort(8080)}`,
      upstreamUrl: `http://${upstream.getHost()}:${upstream.getMappedPort(8081)}`,
      stop: async () => {
        await deadline(env.down({ timeout: 10_000 }), 60_000, "compose down did not finish within 60 s");
      },
    };
  } catch (e) {
    await watch.capture();
    watch.stop();
    await docker(["compose", "-p", project, "down", "--volumes", "--timeout", "0"], {
      allowFailure: true,
      timeoutMs: 60_000,
      env: { BIFROST_IMAGE: bifrostImage, DENO_IMAGE: denoImage, E2E_DIR: e2eDir },
    });
    throw new Error(`The compose stack did not come up: ${(e as Error).message}\n${watch.report()}`);
  }
}
