/**
 * A real, open-source Bifrost HTTP server running WASM plugins through
 * bifrost-as's loader, as a local process: `deno task bifrost:build` builds
 * both into `build/bifrost/`; {@link startRealBifrost} takes the same
 * `config.json` the local gateway reads (WASM plugins by path), writes the
 * config Bifrost needs (each WASM plugin an entry whose `path` is a loader
 * `.so` and whose `config` is `{wasm, config}`), starts the server on
 * loopback with a mock upstream unless one is given, and waits for its
 * `/health`.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { readBifrostConfig, writeBifrostConfig } from "../config/bifrost_config.ts";
import { gatewayInputs } from "./dev.ts";
import { type MockUpstream, startMockUpstream } from "../mock/mock_upstream.ts";

/** What `build/bifrost/build.json` records (written by `scripts/bifrost_build.ts`). */
export interface BifrostBuildInfo {
  /** The server's version: the pinned release, or the checkout's `transports/version`. */
  version: string;
  /** `modules` (the Go module proxy) or `checkout`. */
  source: "modules" | "checkout";
  /** The core module's version in the graph. */
  core: string;
  server: string;
  /** The loader slots, in order: the n-th WASM plugin entry uses the n-th. */
  loaders: string[];
  go: string;
  /** The C library the binaries link to (`ldd --version`'s first line): a container running them needs it. */
  libc?: string;
}

/** Options of {@link startRealBifrost}. */
export interface RealBifrostOptions {
  /** A config.json with WASM plugins, as `bifrost-as dev` reads it. */
  configPath: string;
  /** Where `deno task bifrost:build` wrote the server and loaders (default `<cwd>/build/bifrost`). */
  buildDir?: string;
  /**
   * Bifrost's app dir, written here (emptied first, kept after close). Default: a temporary
   * directory, removed on close.
   */
  appDir?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  hostname?: string;
  /** The upstream to call; omitted: a mock upstream is started. */
  upstreamUrl?: string;
  /** Each line the server writes. */
  onLog?: (line: string) => void;
  /** How long to wait for `/health` (default 60 s). */
  startTimeoutMs?: number;
  /** Each WASM plugin's hook time limit (default 30 s). */
  hookTimeoutMs?: number;
  /** Which buffers the loader frees: both (default), input or none. */
  freePolicy?: "both" | "input" | "none";
  /** Call the config's openai base_url instead of starting a mock upstream. */
  useConfigUpstream?: boolean;
}

/** A running real Bifrost. */
export interface RealBifrost extends AsyncDisposable {
  url: string;
  /** The server's version and where it was built from. */
  build: BifrostBuildInfo;
  /** The WASM plugins' config names, in order. */
  plugins: string[];
  upstream?: MockUpstream;
  upstreamUrl: string;
  appDir: string;
  /** The server's last output lines. */
  logTail(): string[];
  close(): Promise<void>;
}

/** Reads `build.json`, or explains how to build. */
export async function readBuildInfo(buildDir: string): Promise<BifrostBuildInfo> {
  let info: BifrostBuildInfo;
  try {
    info = JSON.parse(await Deno.readTextFile(join(buildDir, "build.json")));
  } catch {
    throw new ConfigError(
      `No real Bifrost is built in ${buildDir}: run 'deno task bifrost:build' ` +
        "(BIFROST_SRC=<checkout> to build from a Bifrost source checkout)",
    );
  }
  for (const file of [info.server, ...info.loaders]) {
    if (!await Deno.stat(file).then((s) => s.isFile, () => false)) {
      throw new ConfigError(`${file} is missing: run 'deno task bifrost:build' again`);
    }
  }
  return info;
}

function freePort(hostname: string): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Whether a version `vX.Y.Z` is older than `major.minor`. */
export function olderThan(version: string, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  return Number(m[1]) < major || (Number(m[1]) === major && Number(m[2]) < minor);
}

/**
 * Fits a config.json written by `writeBifrostConfig` to Bifrost `version`:
 * before v1.5 a key's `models: ["*"]` names a model called "*" and an empty
 * list allows every model (core's selectKeyFromProviderForModel), so there
 * the keys lose their `models`. Newer versions get the file unchanged.
 */
export async function fitConfigToVersion(path: string, version: string): Promise<void> {
  if (!olderThan(version, 1, 5)) return;
  const config = JSON.parse(await Deno.readTextFile(path));
  for (const provider of Object.values(config.providers ?? {}) as { keys?: { models?: string[] }[] }[]) {
    for (const key of provider.keys ?? []) delete key.models;
  }
  await Deno.writeTextFile(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** Starts the server with the config's WASM plugins, each through a loader slot. */
export async function startRealBifrost(options: RealBifrostOptions): Promise<RealBifrost> {
  const buildDir = resolve(options.buildDir ?? join(Deno.cwd(), "build", "bifrost"));
  const build = await readBuildInfo(buildDir);
  const source = await readBifrostConfig(options.configPath);
  const { plugins, upstreamUrl: configUpstream } = gatewayInputs(source);
  if (options.useConfigUpstream && !configUpstream) {
    throw new ConfigError(
      `Bifrost config "${options.configPath}" names no upstream: providers.openai.network_config.base_url is missing`,
    );
  }
  const givenUpstream = options.upstreamUrl ?? (options.useConfigUpstream ? configUpstream : undefined);
  const enabled = plugins.filter((p) => p.enabled !== false);
  if (enabled.length > build.loaders.length) {
    throw new ConfigError(
      `${enabled.length} WASM plugins need ${enabled.length} loader slots, ${buildDir} has ${build.loaders.length}: ` +
        `run 'deno task bifrost:build --slots ${enabled.length}'`,
    );
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port || freePort(hostname);
  const ownDir = options.appDir === undefined;
  const appDir = ownDir ? await Deno.makeTempDir({ prefix: "bifrost-as-bifrost-" }) : resolve(options.appDir!);
  if (!ownDir) {
    await Deno.remove(appDir, { recursive: true }).catch(() => {});
    await Deno.mkdir(appDir, { recursive: true });
  }

  const upstream = givenUpstream ? undefined : await startMockUpstream({ port: 0 });
  const upstreamUrl = givenUpstream ?? upstream!.url;
  const lines: string[] = [];
  let child: Deno.ChildProcess | undefined;
  const close = async () => {
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const killer = setTimeout(() => {
        try {
          child?.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5_000);
      await child.status;
      clearTimeout(killer);
      child = undefined;
    }
    await upstream?.close();
    if (ownDir) await Deno.remove(appDir, { recursive: true }).catch(() => {});
  };
  try {
    await writeBifrostConfig(appDir, {
      upstreamUrl,
      appDir,
      plugins: enabled.map((p, i) => ({
        name: p.name,
        path: build.loaders[i]!,
        config: {
          wasm: resolve(p.path),
          config: p.config ?? {},
          hook_timeout_ms: options.hookTimeoutMs ?? 30_000,
          ...(options.freePolicy ? { free_policy: options.freePolicy } : {}),
        },
      })),
    });
    await fitConfigToVersion(join(appDir, "config.json"), build.version);
    child = new Deno.Command(build.server, {
      args: ["-app-dir", appDir, "-port", String(port), "-host", hostname, "-log-style", "pretty"],
      cwd: appDir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "info" },
    }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + text).split("\n");
        rest = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          if (lines.length > 200) lines.shift();
          options.onLog?.(line);
        }
      }
    };
    pump(child.stdout).catch(() => {});
    pump(child.stderr).catch(() => {});
    const exited = child.status.then((s) => s);
    const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    while (true) {
      const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 200))]);
      if (gone) {
        child = undefined;
        throw new Error(`Bifrost exited while starting (${JSON.stringify(gone)}): ${lines.slice(-15).join("\n")}`);
      }
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
        .then(async (r) => (await r.body?.cancel(), r.ok), () => false);
      if (ok) break;
      if (Date.now() > deadline) {
        throw new Error(`Bifrost did not answer ${url}/health in time: ${lines.slice(-15).join("\n")}`);
      }
    }
    return {
      url,
      build,
      plugins: enabled.map((p) => p.name),
      ...(upstream ? { upstream } : {}),
      upstreamUrl,
      appDir,
      logTail: () => [...lines],
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
