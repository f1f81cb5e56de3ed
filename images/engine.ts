/**
 * The container engine as the e2e suite and `deno task images` use it: the
 * `docker` CLI against `DOCKER_HOST` (a Docker engine, or podman's Docker
 * API from `scripts/engine.sh`), every call with a time limit.
 *
 * @module
 */

/** A failed or timed-out engine command, with what it printed. */
export class EngineError extends Error {
  override name = "EngineError";
}

/** Options of {@link docker}. */
export interface DockerOptions {
  /** Default 60 s. */
  timeoutMs?: number;
  /** Extra environment for the CLI. */
  env?: Record<string, string>;
  /** Return instead of throwing when the command fails. */
  allowFailure?: boolean;
}

/** What a `docker` command printed. */
export interface DockerResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

const decoder = new TextDecoder();

/** Runs `docker ARGS` and returns its output; throws {@link EngineError} on failure or timeout unless allowed. */
export async function docker(args: string[], options: DockerOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const shown = `docker ${args.join(" ")}`;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("docker", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.env ? { env: options.env } : {}),
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new EngineError(`Cannot run "${shown}": the docker CLI is not installed (see scripts/engine.sh)`);
    }
    throw new EngineError(`Cannot run "${shown}": ${(e as Error).message}`);
  }
  const result = {
    ok: out.success,
    code: out.code,
    stdout: decoder.decode(out.stdout).trim(),
    stderr: decoder.decode(out.stderr).trim(),
  };
  // A killed child reports signal SIGTERM from the abort.
  if (out.signal !== null && !out.success) {
    throw new EngineError(`"${shown}" did not finish within ${Math.round(timeoutMs / 1000)} s`);
  }
  if (!result.ok && !options.allowFailure) {
    throw new EngineError(`"${shown}" failed (exit ${result.code}): ${lastLines(result.stderr || result.stdout, 10)}`);
  }
  return result;
}

/** The last `n` lines of `text`. */
export function lastLines(text: string, n: number): string {
  return text.split("\n").slice(-n).join("\n");
}

/** The engine answering on `DOCKER_HOST`, or why none does. */
export interface EngineInfo {
  ok: boolean;
  /** "Podman Engine 4.3.1", "Docker Engine 28.2.2", or the reason none answers. */
  description: string;
  podman: boolean;
}

/** Asks the engine who it is. */
export async function engineInfo(): Promise<EngineInfo> {
  let r: DockerResult;
  try {
    r = await docker(["version", "--format", "{{json .Server}}"], { timeoutMs: 15_000, allowFailure: true });
  } catch (e) {
    return { ok: false, description: (e as Error).message, podman: false };
  }
  if (!r.ok) {
    const why = lastLines(r.stderr || r.stdout, 1) || `exit ${r.code}`;
    return { ok: false, description: `no container engine answers ("docker version": ${why})`, podman: false };
  }
  try {
    const server = JSON.parse(r.stdout) as { Version?: string; Components?: { Name?: string }[] };
    const name = server.Components?.[0]?.Name ?? "Docker Engine";
    return { ok: true, description: `${name} ${server.Version ?? "?"}`, podman: /podman/i.test(name) };
  } catch {
    return { ok: true, description: "an engine that did not describe itself", podman: false };
  }
}

/** Whether the engine holds image `ref`. */
export async function imageExists(ref: string): Promise<boolean> {
  return (await docker(["image", "inspect", "--format", "{{.Id}}", ref], { allowFailure: true })).ok;
}

/** The labels of image `ref` (none when it is missing). */
export async function imageLabels(ref: string): Promise<Record<string, string>> {
  const r = await docker(["image", "inspect", "--format", "{{json .Config.Labels}}", ref], { allowFailure: true });
  if (!r.ok) return {};
  return (JSON.parse(r.stdout || "null") as Record<string, string> | null) ?? {};
}

/** A container's state and its last log lines, for failure messages; undefined once it is gone. */
export async function containerReport(id: string, lines = 30): Promise<string | undefined> {
  const state = await docker(
    [
      "inspect",
      "--format",
      "{{.Name}}: {{.State.Status}}" +
      '{{if ne .State.Status "running"}} (exit code {{.State.ExitCode}}){{end}}' +
      "{{if .State.Health}}, health {{.State.Health.Status}}{{end}}",
      id,
    ],
    { allowFailure: true, timeoutMs: 15_000 },
  );
  if (!state.ok) return undefined;
  const logs = await docker(["logs", "--tail", String(lines), id], { allowFailure: true, timeoutMs: 15_000 });
  const text = [logs.stdout, logs.stderr].filter(Boolean).join("\n") || "(no log lines)";
  return `${state.stdout}, last log lines:\n${indent(text)}`;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `    ${l}`).join("\n");
}
