/**
 * `bifrost-as dev` as a library: the local gateway started from the same
 * `config.json` a real Bifrost reads, with a mock upstream when no upstream
 * is given.
 *
 * The upstream is a mock started here unless one is given, or, with
 * `useConfigUpstream`, the config's own `openai` base URL, as Bifrost calls it.
 *
 * Plugin paths resolve as in the Bifrost container: a path under Bifrost's
 * app dir `/app/data` is looked up in the config's own directory (compose
 * mounts that directory at `/app/data`), a relative path against the config's
 * directory, an absolute one as is.
 *
 * @module
 */
import { type BifrostConfigFile, readBifrostConfig } from "../config/bifrost_config.ts";
import { ConfigError, InputError } from "../errors.ts";
import { type Gateway, type GatewayOptions, startGateway } from "./gateway.ts";
import type { PluginEntry } from "./types.ts";
import { type MockUpstream, startMockUpstream } from "../mock/mock_upstream.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../host/types.ts";

/** Bifrost's app dir in its Docker image. */
export const BIFROST_APP_DIR = "/app/data";

/** Options of {@link startDev}. */
export interface DevOptions extends Omit<GatewayOptions, "plugins" | "upstreamUrl" | "upstreamKey"> {
  /** The `config.json` to read. */
  configPath: string;
  /** The upstream to call instead of the config's; omitted: a mock upstream is started. */
  upstreamUrl?: string;
  /**
   * Call the config's `providers.openai.network_config.base_url`, as Bifrost
   * does, instead of starting a mock upstream (e.g. in a container whose
   * upstream is another service). Not together with `upstreamUrl`.
   */
  useConfigUpstream?: boolean;
  /**
   * The deadline of each hook call and of loading a plugin (a reload too),
   * in ms; 0: none. Omitted: {@link HOOK_TIMEOUT_ENV} when set, else
   * `DEFAULT_HOOK_TIMEOUT_MS`. With a deadline, V8 runs each plugin in a
   * child process, so a hook that spins is stopped at its deadline and the
   * gateway answers other requests meanwhile. `host.timeoutMs` is ignored.
   */
  hookTimeoutMs?: number;
}

/**
 * The dev gateway's setting for {@link DevOptions.hookTimeoutMs}, an
 * environment variable as the container's other settings are: Bifrost's
 * `config.json` schema allows no key of ours.
 */
export const HOOK_TIMEOUT_ENV = "BIFROST_AS_HOOK_TIMEOUT_MS";

/** {@link HOOK_TIMEOUT_ENV}'s value in ms, `undefined` when unset. Throws `ConfigError` when it is not an integer. */
export function hookTimeoutFromEnv(get: (name: string) => string | undefined): number | undefined {
  const raw = get(HOOK_TIMEOUT_ENV);
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^\s*\d+\s*$/.test(raw) || Number(raw) > 3_600_000) {
    throw new ConfigError(`Invalid ${HOOK_TIMEOUT_ENV} "${raw}": expected milliseconds from 0 to 3600000`);
  }
  return Number(raw);
}

/** A running dev setup. */
export interface Dev extends AsyncDisposable {
  gateway: Gateway;
  /** The mock upstream, when one was started. */
  upstream?: MockUpstream;
  /** The upstream the gateway calls: the mock's, the given one, or the config's. */
  upstreamUrl: string;
  config: BifrostConfigFile;
  close(): Promise<void>;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** Where a plugin `path` from config.json is on this machine. */
export function resolvePluginPath(path: string, configDir: string): string {
  if (path === BIFROST_APP_DIR || path.startsWith(`${BIFROST_APP_DIR}/`)) {
    return `${configDir}${path.slice(BIFROST_APP_DIR.length)}`;
  }
  return path.startsWith("/") ? path : `${configDir}/${path}`;
}

/** The gateway's plugin entries, upstream and body limit (`client.max_request_body_size_mb`) from a config file. */
export function gatewayInputs(
  file: BifrostConfigFile,
): { plugins: PluginEntry[]; upstreamUrl?: string; key?: string; maxRequestBodyBytes?: number } {
  const dir = dirOf(file.path);
  const plugins = file.plugins.map((p) => {
    if (!p.path) {
      throw new ConfigError(`Plugin "${p.name}" in "${file.path}" has no path: built-in plugins are not WASM`);
    }
    if (/^https?:/.test(p.path)) {
      throw new ConfigError(`Plugin "${p.name}" in "${file.path}" is a URL: the local gateway loads files only`);
    }
    return { name: p.name, path: resolvePluginPath(p.path, dir), enabled: p.enabled, config: p.config };
  });
  const openai = file.config.providers?.openai;
  const baseUrl = openai?.network_config?.base_url;
  const key = openai?.keys?.[0]?.value;
  const client = file.config.client as { max_request_body_size_mb?: unknown } | undefined;
  const mb = client?.max_request_body_size_mb;
  const maxRequestBodyBytes = typeof mb === "number" && Number.isInteger(mb) && mb >= 1 ? mb * 1024 * 1024 : undefined;
  return {
    plugins,
    ...(baseUrl ? { upstreamUrl: baseUrl } : {}),
    ...(key ? { key } : {}),
    ...(maxRequestBodyBytes ? { maxRequestBodyBytes } : {}),
  };
}

/** Reads the config, starts a mock upstream unless one is given, then the gateway. */
export async function startDev(options: DevOptions): Promise<Dev> {
  const { configPath, upstreamUrl: asked, useConfigUpstream, hookTimeoutMs, ...gatewayOptions } = options;
  const deadline = hookTimeoutMs ?? hookTimeoutFromEnv((name) => Deno.env.get(name)) ?? DEFAULT_HOOK_TIMEOUT_MS;
  const { timeoutMs: _, ...host } = gatewayOptions.host ?? {};
  gatewayOptions.host = { ...host, ...(deadline > 0 ? { timeoutMs: deadline } : {}) };
  if (useConfigUpstream && asked) {
    throw new InputError("Give either an upstream URL or use the config's upstream, not both", "upstreamUrl");
  }
  const config = await readBifrostConfig(configPath);
  const inputs = gatewayInputs(config);
  if (useConfigUpstream && !inputs.upstreamUrl) {
    throw new ConfigError(
      `Bifrost config "${configPath}" names no upstream: providers.openai.network_config.base_url is missing`,
    );
  }
  const given = useConfigUpstream ? inputs.upstreamUrl : asked;
  const upstream = given ? undefined : await startMockUpstream({ port: 0 });
  const upstreamUrl = given ?? upstream!.url;
  try {
    const gateway = await startGateway({
      ...gatewayOptions,
      plugins: inputs.plugins,
      upstreamUrl,
      ...(inputs.key ? { upstreamKey: inputs.key } : {}),
      ...(inputs.maxRequestBodyBytes ? { maxRequestBodyBytes: inputs.maxRequestBodyBytes } : {}),
    });
    const close = async () => {
      await gateway.close();
      await upstream?.close();
    };
    return { gateway, ...(upstream ? { upstream } : {}), upstreamUrl, config, close, [Symbol.asyncDispose]: close };
  } catch (e) {
    await upstream?.close();
    throw e;
  }
}
