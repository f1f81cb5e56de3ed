/**
 * Test-only: Debian's `docker-registry` (distribution 2.8) started as a
 * plain process on 127.0.0.1 with a free port, a temporary storage dir and
 * its own config, in one of three auth modes: none, htpasswd basic auth, or
 * bearer tokens from a token issuer this module runs (JWTs signed with a
 * throwaway key whose self-signed certificate is the registry's
 * `rootcertbundle`; the certificate travels in the JWT's `x5c` header,
 * which is how distribution 2.8 finds the signing key).
 *
 * Install the tools with `scripts/install-registry-tools.sh`.
 */

/** Finds an executable on PATH. */
export function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const path = `${dir}/${name}`;
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Whether the registry binary is installed; tests needing it are ignored otherwise. */
export const hasRegistry = which("docker-registry") !== undefined;
/** Whether skopeo is installed. */
export const hasSkopeo = which("skopeo") !== undefined;
/** Why registry tests are ignored, for test names. */
export const NO_REGISTRY = "needs docker-registry and skopeo: run scripts/install-registry-tools.sh";

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...(cwd ? { cwd } : {}) })
    .output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** Auth modes of the test registry. */
export type AuthMode = "none" | "basic" | "token";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  auth?: AuthMode;
  /** Users and passwords for basic and token modes (default `alice` / `wonderland`). */
  users?: Record<string, string>;
  /** Token mode: let requests without credentials pull. */
  anonymousPull?: boolean;
}

const MAX_LOG_LINES = 300;

/** A running registry; stop it with `await using` or {@link TestRegistry.stop}. */
export class TestRegistry implements AsyncDisposable {
  /** `127.0.0.1:PORT`, as image references name it. */
  readonly host: string;
  readonly #dir: string;
  readonly #config: string;
  #child: Deno.ChildProcess | undefined;
  #pumps: Promise<void>[] = [];
  readonly #log: string[] = [];
  readonly issuer: TokenIssuer | undefined;

  constructor(host: string, dir: string, config: string, issuer: TokenIssuer | undefined) {
    this.host = host;
    this.#dir = dir;
    this.#config = config;
    this.issuer = issuer;
  }

  /** The registry's recent log lines, for failure messages. */
  logs(): string {
    return this.#log.join("\n");
  }

  /** Starts (or restarts, on the same port and storage) the process and waits for `/v2/` to answer. */
  async start(): Promise<void> {
    this.#child = new Deno.Command("docker-registry", {
      args: ["serve", this.#config],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#pumps = [this.#child.stdout, this.#child.stderr].map(async (stream) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#log.push(...chunk.split("\n").filter(Boolean));
        this.#log.splice(0, Math.max(0, this.#log.length - MAX_LOG_LINES));
      }
    });
    let exitCode: number | undefined;
    this.#child.status.then((s) => exitCode = s.code);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`docker-registry exited with ${exitCode}:\n${this.logs()}`);
      const res = await fetch(`http://${this.host}/v2/`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      await res?.body?.cancel();
      if (res && (res.status === 200 || res.status === 401)) return;
      // A bounded poll, not a sleep standing in for readiness.
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.kill();
    throw new Error(`docker-registry did not answer on ${this.host} within 15 s:\n${this.logs()}`);
  }

  /** Stops the registry process at once (SIGKILL), keeping its storage for a restart. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await Promise.all(this.#pumps);
  }

  /** Stops the registry and the token issuer and removes the storage. */
  async stop(): Promise<void> {
    await this.kill();
    await this.issuer?.close();
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Starts a registry in `auth` mode on a free 127.0.0.1 port with fresh
 * storage; for token mode, also a token issuer.
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? "none";
  const users = options.users ?? { alice: "wonderland" };
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-registry-" });
  const port = freePort();
  let authYaml = "";
  let issuer: TokenIssuer | undefined;
  if (auth === "basic") {
    const lines = await Promise.all(Object.entries(users).map(([u, p]) => run("htpasswd", ["-Bbn", u, p])));
    await Deno.writeTextFile(`${dir}/htpasswd`, lines.map((l) => l.trim()).join("\n") + "\n");
    authYaml = `auth:\n  htpasswd:\n    realm: bifrost-as-test\n    path: ${dir}/htpasswd\n`;
  } else if (auth === "token") {
    issuer = await startTokenIssuer(dir, users, options.anonymousPull ?? false);
    authYaml = [
      "auth:",
      "  token:",
      `    realm: ${issuer.realm}`,
      `    service: ${issuer.service}`,
      `    issuer: ${issuer.issuer}`,
      `    rootcertbundle: ${issuer.certPath}`,
      "",
    ].join("\n");
  }
  const config = `${dir}/config.yml`;
  await Deno.writeTextFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${dir}/data`,
      "  delete:",
      "    enabled: true",
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "  secret: bifrost-as-test-secret",
      authYaml,
    ].join("\n"),
  );
  const registry = new TestRegistry(`127.0.0.1:${port}`, dir, config, issuer);
  try {
    await registry.start();
  } catch (e) {
    await registry.stop();
    throw e;
  }
  return registry;
}

/** A bearer token issuer for distribution's token auth. */
export interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  /** Every token request: the account asked for (or undefined) and the scopes. */
  requests: { account: string | undefined; scopes: string[]; granted: boolean }[];
  close(): Promise<void>;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const pemBody = (pem: string, label: string) =>
  Uint8Array.from(
    atob(pem.split(`-----BEGIN ${label}-----`)[1]!.split(`-----END ${label}-----`)[0]!.replace(/\s+/g, "")),
    (c) => c.charCodeAt(0),
  );

async function startTokenIssuer(
  dir: string,
  users: Record<string, string>,
  anonymousPull: boolean,
): Promise<TokenIssuer> {
  const certPath = `${dir}/issuer.crt`;
  const keyPath = `${dir}/issuer.key`;
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    "/CN=bifrost-as-test-issuer",
  ]);
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pemBody(await Deno.readTextFile(keyPath), "PRIVATE KEY"),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const x5c = btoa(String.fromCharCode(...pemBody(await Deno.readTextFile(certPath), "CERTIFICATE")));
  const service = "bifrost-as-test";
  const issuerName = "bifrost-as-test-issuer";
  const requests: TokenIssuer["requests"] = [];
  const enc = new TextEncoder();

  const sign = async (sub: string, access: unknown[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(enc.encode(JSON.stringify({ typ: "JWT", alg: "ES256", x5c: [x5c] })));
    const claims = b64url(enc.encode(JSON.stringify({
      iss: issuerName,
      sub,
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    })));
    // WebCrypto's ECDSA signature is r||s, the JWS form distribution expects.
    const sig = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, enc.encode(`${header}.${claims}`)),
    );
    return `${header}.${claims}.${b64url(sig)}`;
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/token") return new Response("not found", { status: 404 });
    const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" ")).filter(Boolean);
    const basic = req.headers.get("Authorization")?.match(/^Basic (.+)$/)?.[1];
    let account: string | undefined;
    if (basic) {
      const [user, ...rest] = atob(basic).split(":");
      if (users[user!] === undefined || users[user!] !== rest.join(":")) {
        requests.push({ account: user, scopes, granted: false });
        return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }, { status: 401 });
      }
      account = user;
    } else if (!anonymousPull) {
      requests.push({ account, scopes, granted: false });
      return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "credentials required" }] }, { status: 401 });
    }
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(":");
      const actions = rest.pop()!.split(",");
      return { type, name: rest.join(":"), actions: account ? actions : actions.filter((a) => a === "pull") };
    });
    requests.push({ account, scopes, granted: true });
    return Response.json({ token: await sign(account ?? "", access), expires_in: 300 });
  });
  return {
    realm: `http://127.0.0.1:${server.addr.port}/token`,
    service,
    issuer: issuerName,
    certPath,
    requests,
    close: () => server.shutdown(),
  };
}
