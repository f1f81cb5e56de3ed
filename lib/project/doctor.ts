/**
 * `bifrost-as doctor` as a library: checks what building, testing and
 * shipping plugins needs, and says what to fix.
 *
 * Required (a failure makes the doctor exit 1): Deno 2, the AssemblyScript
 * compiler, json-as and its xjb-as at the toolkit's pinned versions.
 * Optional (warnings): the installed SDK of a plugin project, a container engine
 * (docker or podman) with a reachable API socket, `BIFROST_IMAGE` set and
 * pulled, registry credentials. Secrets are never shown: only which
 * registries have credentials.
 *
 * @example
 * ```ts
 * import { doctorExitCode, formatDoctor, runDoctor } from "./doctor.ts";
 * import assert from "node:assert/strict";
 *
 * const env: Record<string, string> = { PATH: "", HOME: "/nonexistent" };
 * const checks = await runDoctor({ env: (name) => env[name] });
 * assert.equal(checks.find((c) => c.name === "Deno")?.required, true);
 * assert.equal(checks.find((c) => c.name === "Container engine")?.status, "warn");
 * assert.match(formatDoctor(checks), /^warn {2}Container engine: neither docker nor podman is on PATH$/m);
 * assert.equal(doctorExitCode(checks), checks.some((c) => c.required && c.status === "fail") ? 1 : 0);
 * ```
 *
 * @module
 */
import { CREDENTIAL_ENV, dockerConfigDir } from "../oci/auth.ts";
import { BIFROST_IMAGE_ENV } from "../oci/package.ts";
import { isToolkit, readToolkitConfig, SDK_DIR, TOOLKIT_VERSION, toolkitRoot } from "./toolkit.ts";

/** `fail` on a required check makes the doctor exit 1; `warn` never does. */
export type CheckStatus = "ok" | "warn" | "fail";

/** One finding. */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it, when not ok. */
  fix?: string;
  /** Building and testing need it. */
  required: boolean;
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Reads environment variables. Default: the process environment. */
  env?: (name: string) => string | undefined;
  /** The directory checked as a plugin project. Default: the current directory. */
  cwd?: string;
  /** The toolkit checkout whose pins and `node_modules` are checked. Default: the one running. */
  toolkitDir?: string;
  /** Time for each engine probe, in ms. Default 2000. */
  timeoutMs?: number;
}

/** Runs every check, in the order {@link formatDoctor} lists them. */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const toolkit = options.toolkitDir ?? toolkitRoot() ?? ".";
  const timeoutMs = options.timeoutMs ?? 2000;
  const { deno, pins } = await readToolkitConfig(toolkit);
  const checks: DoctorCheck[] = [
    denoCheck(deno),
    await compilerCheck(pins.assemblyscript),
    await packageCheck("json-as", pins["json-as"], toolkit),
    await packageCheck("xjb-as", pins["xjb-as"], toolkit),
  ];
  const sdk = await sdkCheck(options.cwd ?? Deno.cwd());
  if (sdk) checks.push(sdk);
  const engine = await engineChecks(env, timeoutMs);
  checks.push(...engine.checks, await imageCheck(env, engine.api, timeoutMs), await credentialsCheck(env));
  return checks;
}

/** 1 when a required check failed, else 0. */
export function doctorExitCode(checks: readonly DoctorCheck[]): number {
  return checks.some((c) => c.required && c.status === "fail") ? 1 : 0;
}

/** One line per check (`ok`, `warn` or `FAIL`, name, detail), each fix indented below. */
export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${(c.status === "fail" ? "FAIL" : c.status).padEnd(5)} ${c.name}: ${c.detail}`);
    if (c.fix && c.status !== "ok") lines.push(`      fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.required && c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn" || (!c.required && c.status === "fail")).length;
  lines.push(
    "",
    failed
      ? `${failed} required check${failed === 1 ? "" : "s"} failed: building and testing plugins will not work`
      : `Ready to build and test plugins${
        warned ? ` (${warned} optional check${warned === 1 ? "" : "s"} to look at)` : ""
      }`,
  );
  return lines.join("\n");
}

function denoCheck(pin: string | undefined): DoctorCheck {
  const version = Deno.version.deno;
  const base = { name: "Deno", required: true };
  if (Number(version.split(".")[0]) < 2) {
    return { ...base, status: "fail", detail: `${version}, but Deno 2 is needed`, fix: upgradeDeno(pin) };
  }
  if (pin && version !== pin) {
    return { ...base, status: "warn", detail: `${version} (the toolkit pins ${pin})`, fix: upgradeDeno(pin) };
  }
  return { ...base, status: "ok", detail: pin ? `${version} (pinned)` : version };
}

function upgradeDeno(pin: string | undefined): string {
  return pin
    ? `use Deno ${pin}: 'npm install' puts it in node_modules/.bin (the bifrost-as command runs that one), ` +
      `or 'deno upgrade --version ${pin}'`
    : "install Deno 2 (https://deno.com)";
}

async function compilerCheck(pin: string | undefined): Promise<DoctorCheck> {
  const base = { name: "AssemblyScript", required: true };
  let version: string;
  try {
    version = String((await import("assemblyscript/asc")).version);
  } catch (e) {
    return {
      ...base,
      status: "fail",
      detail: `the compiler does not load: ${(e as Error).message.split("\n")[0]}`,
      fix: "run 'deno install' in the toolkit (it needs the npm registry once)",
    };
  }
  return versionCheck(base, version, pin, "the compiler the build imports");
}

async function packageCheck(name: string, pin: string | undefined, toolkit: string): Promise<DoctorCheck> {
  const base = { name, required: true };
  const path = `${toolkit}/node_modules/${name}/package.json`;
  let version: string;
  try {
    version = JSON.parse(await Deno.readTextFile(path)).version;
  } catch {
    return {
      ...base,
      status: "fail",
      detail: `not installed in the toolkit (${path} is missing)`,
      fix: `run 'deno install' in ${toolkit}`,
    };
  }
  return versionCheck(base, version, pin, `in ${toolkit}/node_modules`);
}

function versionCheck(
  base: { name: string; required: boolean },
  version: string,
  pin: string | undefined,
  where: string,
): DoctorCheck {
  if (pin === undefined) return { ...base, status: "ok", detail: `${version}, ${where} (no pin found)` };
  if (version !== pin) {
    return {
      ...base,
      status: "fail",
      detail: `${version}, ${where}, but the toolkit pins ${pin}`,
      fix: "run 'deno install' in the toolkit to get the pinned version",
    };
  }
  return { ...base, status: "ok", detail: `${version} (pinned), ${where}` };
}

/** In a plugin project (an asconfig.json extending the SDK's config): the installed bifrost-as. */
async function sdkCheck(cwd: string): Promise<DoctorCheck | undefined> {
  let asconfig: string;
  try {
    asconfig = await Deno.readTextFile(`${cwd}/asconfig.json`);
  } catch {
    return undefined;
  }
  if (!asconfig.includes(`${SDK_DIR}/`)) return undefined;
  const base = { name: "SDK", required: false };
  if (!await isToolkit(`${cwd}/${SDK_DIR}`)) {
    return {
      ...base,
      status: "warn",
      detail: `${SDK_DIR} is missing (a fresh clone?)`,
      fix: "run 'npm ci' (or 'npm install') in the project",
    };
  }
  let version = "";
  try {
    version = JSON.parse(await Deno.readTextFile(`${cwd}/${SDK_DIR}/package.json`)).version ?? "";
  } catch { /* a checkout without package.json: no version to show */ }
  const linked = (await Deno.lstat(`${cwd}/${SDK_DIR}`)).isSymlink;
  const where = linked ? ` -> ${await Deno.realPath(`${cwd}/${SDK_DIR}`)}` : "";
  const detail = `${SDK_DIR}${where}${version ? `, version ${version}` : ""}`;
  if (version && version !== TOOLKIT_VERSION) {
    return {
      ...base,
      status: "warn",
      detail: `${detail}, but this bifrost-as is ${TOOLKIT_VERSION}`,
      fix: "run the project's own bifrost-as (npx bifrost-as, or its npm scripts)",
    };
  }
  return { ...base, status: "ok", detail };
}

/** A reachable engine API: how to reach it and what it said. */
interface EngineApi {
  address: string;
  connect: () => Promise<Deno.Conn>;
}

async function engineChecks(
  env: (name: string) => string | undefined,
  timeoutMs: number,
): Promise<{ checks: DoctorCheck[]; api: EngineApi | undefined }> {
  const found = ["docker", "podman"].map((n) => ({ n, path: onPath(n, env("PATH") ?? "") }))
    .filter((x): x is { n: string; path: string } => x.path !== undefined);
  const engine: DoctorCheck = found.length
    ? {
      name: "Container engine",
      required: false,
      status: "ok",
      detail: found.map((f) => `${f.n} (${f.path})`).join(", "),
    }
    : {
      name: "Container engine",
      required: false,
      status: "warn",
      detail: "neither docker nor podman is on PATH",
      fix: "install Docker or Podman: compose.yaml, 'deno task e2e' and 'podman load' need one",
    };
  const candidates = socketCandidates(env);
  const tried: string[] = [];
  for (const c of candidates) {
    tried.push(c.address);
    const ping = await httpGet(c.connect, "/_ping", timeoutMs);
    if (ping?.status !== 200) continue;
    const version = await httpGet(c.connect, "/version", timeoutMs);
    let what = "";
    try {
      const v = JSON.parse(version?.body ?? "");
      what = ` (${[v.Components?.[0]?.Name ?? "Engine", v.Version].filter(Boolean).join(" ")}, API ${v.ApiVersion})`;
    } catch { /* an engine that answers /_ping is enough */ }
    return {
      checks: [engine, { name: "Engine API", required: false, status: "ok", detail: `${c.address}${what}` }],
      api: c,
    };
  }
  const api: DoctorCheck = {
    name: "Engine API",
    required: false,
    status: "warn",
    detail: tried.length ? `nothing answers at ${tried.join(", ")}` : "no socket to try",
    fix: "start the engine ('sudo systemctl start docker', or 'podman system service --time=0 &'), or set DOCKER_HOST",
  };
  return { checks: [engine, api], api: undefined };
}

/** Where engines listen: DOCKER_HOST / CONTAINER_HOST first, then the usual sockets. */
function socketCandidates(env: (name: string) => string | undefined): EngineApi[] {
  const out: EngineApi[] = [];
  const add = (address: string) => {
    if (out.some((c) => c.address === address)) return;
    if (address.startsWith("unix://")) {
      const path = address.slice("unix://".length);
      out.push({ address, connect: () => Deno.connect({ transport: "unix", path }) });
    } else if (address.startsWith("tcp://")) {
      const url = new URL(`http://${address.slice("tcp://".length)}`);
      out.push({ address, connect: () => Deno.connect({ hostname: url.hostname, port: Number(url.port || 2375) }) });
    }
  };
  for (const v of ["DOCKER_HOST", "CONTAINER_HOST"]) {
    const value = env(v);
    if (value) add(value);
  }
  const runtime = env("XDG_RUNTIME_DIR");
  const home = env("HOME");
  add("unix:///var/run/docker.sock");
  if (runtime) add(`unix://${runtime}/docker.sock`);
  if (runtime) add(`unix://${runtime}/podman/podman.sock`);
  add("unix:///run/podman/podman.sock");
  if (home) add(`unix://${home}/.docker/run/docker.sock`);
  return out;
}

/** A minimal HTTP/1.0 GET over a socket; `undefined` when it cannot connect or answer in time. */
async function httpGet(
  connect: () => Promise<Deno.Conn>,
  path: string,
  timeoutMs: number,
): Promise<{ status: number; body: string } | undefined> {
  let conn: Deno.Conn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = async () => {
    conn = await connect();
    await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: docker\r\n\r\n`));
    const text = await new Response(conn.readable).text();
    const status = Number(text.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 0);
    const at = text.indexOf("\r\n\r\n");
    return { status, body: at < 0 ? "" : text.slice(at + 4) };
  };
  try {
    return await Promise.race([
      read(),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch { /* closed by reading to the end */ }
  }
}

async function imageCheck(
  env: (name: string) => string | undefined,
  api: EngineApi | undefined,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const image = env(BIFROST_IMAGE_ENV);
  const base = { name: BIFROST_IMAGE_ENV, required: false };
  if (!image) {
    return {
      ...base,
      status: "warn",
      detail: "not set",
      fix: `export ${BIFROST_IMAGE_ENV}=<a WASM-capable (Enterprise) Bifrost image>: ` +
        "the open-source maximhq/bifrost loads only Go plugins (compose.yaml, 'deno task e2e', 'package --format bifrost')",
    };
  }
  if (!api) {
    return { ...base, status: "warn", detail: `"${image}" (no engine to check it is pulled)`, fix: "see Engine API" };
  }
  const res = await httpGet(api.connect, `/images/${encodeURIComponent(image)}/json`, timeoutMs);
  if (res?.status === 200) return { ...base, status: "ok", detail: `"${image}", present locally` };
  return {
    ...base,
    status: "warn",
    detail: `"${image}" is not pulled`,
    fix: `docker pull ${image} (or podman pull), after logging in to its registry if it is private`,
  };
}

async function credentialsCheck(env: (name: string) => string | undefined): Promise<DoctorCheck> {
  const base = { name: "Registry credentials", required: false };
  const found: string[] = [];
  const problems: string[] = [];
  if (env(CREDENTIAL_ENV.username) && env(CREDENTIAL_ENV.password) !== undefined) {
    found.push(`${CREDENTIAL_ENV.username}/${CREDENTIAL_ENV.password} (any registry)`);
  }
  const dockerPath = `${dockerConfigDir(env)}/config.json`;
  const runtime = env("XDG_RUNTIME_DIR");
  const files = [dockerPath, env("REGISTRY_AUTH_FILE") ?? (runtime ? `${runtime}/containers/auth.json` : undefined)];
  for (const file of files) {
    if (!file) continue;
    let config: { auths?: Record<string, unknown>; credHelpers?: Record<string, string>; credsStore?: string };
    try {
      config = JSON.parse(await Deno.readTextFile(file));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) problems.push(`cannot read ${file}: ${(e as Error).message}`);
      continue;
    }
    const registries = [...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})]
      .map((r) => r.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, ""));
    const store = config.credsStore ? `, credsStore "${config.credsStore}"` : "";
    if (registries.length || store) found.push(`${file}: ${registries.join(", ") || "no entries"}${store}`);
  }
  if (found.length) {
    return { ...base, status: problems.length ? "warn" : "ok", detail: [...found, ...problems].join("; ") };
  }
  return {
    ...base,
    status: "warn",
    detail: problems.length ? problems.join("; ") : "none found",
    fix: `'docker login <registry>' (or podman login), or set ${CREDENTIAL_ENV.username} and ` +
      `${CREDENTIAL_ENV.password}: pushing to a private registry needs them`,
  };
}

/** The executable `name` on `path`, if any. */
function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (!dir) continue;
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && (info.mode === null || (info.mode & 0o111) !== 0)) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}
