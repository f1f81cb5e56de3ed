/**
 * Registry authentication: where credentials come from (explicit flags or
 * environment, then `~/.docker/config.json`), and how a `401` challenge is
 * answered (HTTP basic, or a bearer token fetched from the realm the
 * registry names, for the scopes the request needs). Credentials never
 * appear in messages.
 *
 * @module
 */
import { RegistryError } from "../errors.ts";
import { DOCKER_HUB } from "./reference.ts";

/** A username and password (or token used as a password). */
export interface Credentials {
  username: string;
  password: string;
}

/** Looks up credentials for a registry host, e.g. `ghcr.io` or `127.0.0.1:5000`. */
export type CredentialProvider = (registry: string) => Promise<Credentials | undefined>;

/** Environment variables holding credentials for the registry being pushed to or pulled from. */
export const CREDENTIAL_ENV = {
  username: "BIFROST_AS_REGISTRY_USER",
  password: "BIFROST_AS_REGISTRY_PASSWORD",
} as const;

/**
 * Credentials from {@link CREDENTIAL_ENV}, when both are set.
 *
 * @example
 * ```ts
 * import { credentialsFromEnv } from "./auth.ts";
 * import assert from "node:assert/strict";
 * const env = { BIFROST_AS_REGISTRY_USER: "ci", BIFROST_AS_REGISTRY_PASSWORD: "t0ken" };
 * assert.deepEqual(credentialsFromEnv((k) => env[k as keyof typeof env]), { username: "ci", password: "t0ken" });
 * ```
 */
export function credentialsFromEnv(
  get: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Credentials | undefined {
  const username = get(CREDENTIAL_ENV.username);
  const password = get(CREDENTIAL_ENV.password);
  return username && password !== undefined ? { username, password } : undefined;
}

/** Reduces a Docker config `auths` key or server URL to a registry host. */
function registryKey(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  return host === "index.docker.io" || host === "registry-1.docker.io" ? DOCKER_HUB : host;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The directory holding Docker's `config.json`: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(get: (name: string) => string | undefined = (n) => Deno.env.get(n)): string {
  return get("DOCKER_CONFIG") ?? `${get("HOME") ?? get("USERPROFILE") ?? "."}/.docker`;
}

async function runCredentialHelper(helper: string, registry: string): Promise<Credentials | undefined> {
  const server = registry === DOCKER_HUB ? "https://index.docker.io/v1/" : registry;
  let child;
  try {
    child = new Deno.Command(`docker-credential-${helper}`, {
      args: ["get"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return undefined; // helper not installed: fall through like Docker does for a missing entry
  }
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(server));
  await w.close();
  const out = await child.output();
  if (!out.success) return undefined;
  try {
    const { Username, Secret } = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, string>;
    // "<token>" marks an OAuth identity token, which needs a flow this client does not speak.
    return Username && Secret && Username !== "<token>" ? { username: Username, password: Secret } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Credentials for `registry` from Docker's `config.json` in `configDir`
 * (default {@link dockerConfigDir}): a `credHelpers` entry, an `auths`
 * entry (`auth` as base64 `user:password`, or `username` and `password`),
 * then the `credsStore` helper.
 *
 * @example
 * ```ts
 * import { dockerCredentials } from "./auth.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({
 *   auths: { "https://ghcr.io": { auth: btoa("octo:pat") } },
 * }));
 * assert.deepEqual(await dockerCredentials("ghcr.io", dir), { username: "octo", password: "pat" });
 * assert.equal(await dockerCredentials("quay.io", dir), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function dockerCredentials(
  registry: string,
  configDir: string = dockerConfigDir(),
): Promise<Credentials | undefined> {
  let config: DockerConfig;
  try {
    config = JSON.parse(await Deno.readTextFile(`${configDir}/config.json`)) as DockerConfig;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new RegistryError(`Cannot read "${configDir}/config.json": ${(e as Error).message}`);
  }
  const key = registryKey(registry);
  const helper = Object.entries(config.credHelpers ?? {}).find(([k]) => registryKey(k) === key)?.[1];
  if (helper) return runCredentialHelper(helper, key);
  const entry = Object.entries(config.auths ?? {}).find(([k]) => registryKey(k) === key)?.[1];
  if (entry?.auth) {
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(entry.auth), (c) => c.charCodeAt(0)));
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry?.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  if (config.credsStore) return runCredentialHelper(config.credsStore, key);
  return undefined;
}

/**
 * The usual lookup: `explicit` credentials (flags or environment) for the
 * one registry they were given for, Docker's config (in `configDir`,
 * default {@link dockerConfigDir}) for every registry.
 */
export function defaultCredentials(
  explicit?: { registry: string; credentials: Credentials },
  configDir?: string,
): CredentialProvider {
  return (registry) =>
    explicit && registryKey(explicit.registry) === registryKey(registry)
      ? Promise.resolve(explicit.credentials)
      : dockerCredentials(registry, configDir);
}

/** One `WWW-Authenticate` challenge. */
export interface Challenge {
  /** Lowercased scheme, e.g. `basic`, `bearer`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header into its challenges.
 *
 * @example
 * ```ts
 * import { parseChallenges } from "./auth.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   parseChallenges('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"'),
 *   [{ scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg", scope: "repository:a/b:pull,push" } }],
 * );
 * ```
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const re = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*,?/gy;
  let current: Challenge | undefined;
  for (let m = re.exec(header); m && m[0]; m = re.exec(header)) {
    const [, token, quoted, bare] = m;
    if (quoted === undefined && bare === undefined) {
      current = { scheme: token!.toLowerCase(), params: {} };
      out.push(current);
    } else if (current) {
      current.params[token!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare!;
    }
  }
  return out;
}

/**
 * Merges space-separated `type:name:actions` scopes so each resource is
 * asked for once with every action.
 *
 * @example
 * ```ts
 * import { mergeScopes } from "./auth.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(mergeScopes("repository:a:pull,push repository:a:push repository:b:pull"), [
 *   "repository:a:pull,push",
 *   "repository:b:pull",
 * ]);
 * ```
 */
export function mergeScopes(scopes: string): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes.split(" ").filter(Boolean)) {
    const colon = s.lastIndexOf(":");
    const resource = colon === -1 ? s : s.slice(0, colon);
    const actions = byResource.get(resource) ?? new Set();
    for (const a of colon === -1 ? [] : s.slice(colon + 1).split(",")) actions.add(a);
    byResource.set(resource, actions);
  }
  return [...byResource].map(([resource, actions]) =>
    actions.size ? `${resource}:${[...actions].join(",")}` : resource
  );
}

function basicAuthorization(c: Credentials): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${c.username}:${c.password}`)))}`;
}

/** Answers one registry's challenges and remembers what worked. */
export class RegistryAuth {
  readonly #registry: string;
  readonly #credentials: CredentialProvider;
  readonly #fetch: typeof fetch;
  #loaded?: Promise<Credentials | undefined>;
  #basic?: string;
  readonly #tokens = new Map<string, { token: string; expires: number }>();

  constructor(registry: string, options: { credentials?: CredentialProvider; fetch?: typeof fetch } = {}) {
    this.#registry = registry;
    this.#credentials = options.credentials ?? defaultCredentials();
    this.#fetch = options.fetch ?? fetch;
  }

  #creds(): Promise<Credentials | undefined> {
    return this.#loaded ??= this.#credentials(this.#registry);
  }

  /** Who the registry sees, for messages: `user "alice"` or `anonymous access`. */
  async identity(): Promise<string> {
    const c = await this.#creds();
    return c ? `user "${c.username}"` : "anonymous access";
  }

  /** The `Authorization` header to send for `scope`, when one is known. */
  header(scope: string): string | undefined {
    const t = this.#tokens.get(scope);
    if (t && t.expires > Date.now()) return `Bearer ${t.token}`;
    return this.#basic;
  }

  /**
   * Answers a `401`'s `WWW-Authenticate` for a request needing `scope`
   * (space-separated `repository:name:actions`). Returns whether the
   * request is worth repeating.
   */
  async challenge(header: string | null, scope: string, signal?: AbortSignal): Promise<boolean> {
    const challenges = parseChallenges(header ?? "");
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    const creds = await this.#creds();
    if (bearer) {
      const token = await this.#fetchToken(bearer.params, scope, creds, signal);
      this.#tokens.set(scope, token);
      return true;
    }
    if (challenges.some((c) => c.scheme === "basic")) {
      if (!creds) {
        throw new RegistryError(
          `Authentication required by "${this.#registry}": no credentials found (give credentials, set ${CREDENTIAL_ENV.username} and ${CREDENTIAL_ENV.password}, or run docker login)`,
          { status: 401, reference: this.#registry, field: "credentials" },
        );
      }
      const next = basicAuthorization(creds);
      if (next === this.#basic) return false;
      this.#basic = next;
      return true;
    }
    return false;
  }

  async #fetchToken(
    params: Record<string, string>,
    scope: string,
    creds: Credentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ token: string; expires: number }> {
    let url: URL;
    try {
      url = new URL(params.realm!);
    } catch {
      throw new RegistryError(`Cannot authenticate to "${this.#registry}": token realm "${params.realm}" is not a URL`);
    }
    if (params.service) url.searchParams.set("service", params.service);
    // Ask for what the request needs plus what the registry named, so one token serves both.
    for (const s of mergeScopes(`${scope} ${params.scope ?? ""}`)) url.searchParams.append("scope", s);
    if (creds) url.searchParams.set("account", creds.username);
    const headers: Record<string, string> = creds ? { Authorization: basicAuthorization(creds) } : {};
    let res: Response;
    try {
      res = await this.#fetch(url, { headers, ...(signal ? { signal } : {}) });
    } catch (e) {
      throw new RegistryError(
        `Cannot reach the token service "${url.origin}" of "${this.#registry}": ${(e as Error).message}`,
      );
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new RegistryError(
        `Authentication failed for "${this.#registry}": the token service refused ${await this.identity()}`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(`Cannot get a token for "${this.#registry}": the token service answered ${res.status}`);
    }
    const body = await res.json().catch(() => ({})) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`Cannot get a token for "${this.#registry}": the token service sent none`);
    // Renew a little early; tokens without expires_in last 60 s by the spec.
    const expires = Date.now() + Math.max(1, (body.expires_in ?? 60) - 10) * 1000;
    return { token, expires };
  }
}
