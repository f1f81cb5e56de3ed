/**
 * Bifrost's `config.json` for our setups: generate it ({@link bifrostConfig}),
 * write it with the data files an offline start needs
 * ({@link writeBifrostConfig}), check it against Bifrost's own JSON Schema
 * ({@link validateBifrostConfig}) and read its plugin entries back
 * ({@link readBifrostConfig}), the way a real Bifrost reads the same file.
 *
 * @module
 */
import { Ajv2019, type ErrorObject, type ValidateFunction } from "ajv/dist/2019.js";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeFileAtomic } from "../internal/fs.ts";
import { ConfigError } from "../errors.ts";
import { MOCK_MODELS } from "../mock/mock_upstream.ts";

/** Where a plugin runs relative to Bifrost's built-in plugins (DB-backed setups only). */
export type PluginPlacement = "pre_builtin" | "post_builtin" | "builtin";

/** One entry of `config.json`'s `plugins` array, as Bifrost's schema defines it. */
export interface BifrostPluginJson {
  enabled: boolean;
  name: string;
  /** A file path or an https URL; built-in plugins have none. */
  path?: string;
  config?: Record<string, unknown>;
  /** DB-backed setups only. */
  version?: number;
  /** DB-backed setups only: ignored in `config.json`. */
  placement?: PluginPlacement;
  /** DB-backed setups only: ignored in `config.json`. */
  order?: number;
}

/** A provider key of `config.json`. */
export interface BifrostKeyJson {
  name: string;
  value?: string;
  models?: string[];
  weight: number;
  [key: string]: unknown;
}

/** A provider's `network_config`. */
export interface BifrostNetworkConfigJson {
  /** The upstream, without `/v1`. */
  base_url?: string;
  allow_private_network?: boolean;
  max_retries?: number;
  default_request_timeout_in_seconds?: number;
  [key: string]: unknown;
}

/** A provider of `config.json`. */
export interface BifrostProviderJson {
  keys: BifrostKeyJson[];
  network_config?: BifrostNetworkConfigJson;
  [key: string]: unknown;
}

/** `framework.pricing`: where Bifrost loads its pricing and model data from. */
export interface BifrostPricingJson {
  pricing_url?: string;
  model_parameters_url?: string;
  mcp_library_url?: string;
  pricing_sync_interval?: number;
  mcp_library_sync_interval?: number;
}

/** Bifrost's `config.json`: the parts this toolkit writes, typed; the rest kept as is. */
export interface BifrostConfigJson {
  $schema?: string;
  framework?: { pricing?: BifrostPricingJson };
  providers?: Record<string, BifrostProviderJson>;
  plugins?: BifrostPluginJson[];
  [key: string]: unknown;
}

/** A plugin to load. */
export interface BifrostPluginOptions {
  /** The `.wasm` as the gateway sees it: a file path, or an https URL Bifrost downloads. */
  path: string;
  /** The name it is configured under; Bifrost registers the plugin under its `get_name()`. */
  name: string;
  /** Default true. */
  enabled?: boolean;
  /** Passed to the plugin's `init` as JSON. Default `{}`. */
  config?: Record<string, unknown>;
}

/** What {@link bifrostConfig} generates. */
export interface BifrostConfigOptions {
  /**
   * The OpenAI-compatible upstream as the gateway reaches it, e.g. the mock
   * upstream's `url`. A trailing `/v1` is dropped: Bifrost adds it.
   */
  upstreamUrl: string;
  /** In the order they run (config.json has no other ordering). */
  plugins?: BifrostPluginOptions[];
  /**
   * The directory holding `config.json` and the data files, as the gateway
   * sees it (Bifrost's app dir): an absolute path. Default `/app/data`, the
   * Docker image's.
   */
  appDir?: string;
  /** The fake key sent upstream as `Authorization: Bearer <apiKey>`. Default `sk-bifrost-as-mock`. */
  apiKey?: string;
  /**
   * Lets Bifrost reach an upstream on a private network (RFC 1918, e.g. a
   * Docker network). Default: true unless the upstream host is loopback,
   * which Bifrost always allows.
   */
  allowPrivateNetwork?: boolean;
  /** `network_config.max_retries`; Bifrost's default when omitted. */
  maxRetries?: number;
  /** `network_config.default_request_timeout_in_seconds`; Bifrost's default when omitted. */
  requestTimeoutSeconds?: number;
}

/** A plugin entry read from a `config.json`. */
export interface BifrostPluginEntry {
  enabled: boolean;
  name: string;
  /** As written: a file path (relative to the gateway's working directory) or an https URL. */
  path?: string;
  /** The plugin's config, `{}` when absent. */
  config: Record<string, unknown>;
  version?: number;
  /** Kept but ignored: in `config.json` plugins run in array order (the schema marks it DB-backed only). */
  placement?: PluginPlacement;
  /** Kept but ignored, like `placement`. */
  order?: number;
}

/** A `config.json` read by {@link readBifrostConfig}. */
export interface BifrostConfigFile {
  path: string;
  config: BifrostConfigJson;
  /** In array order, which is the order Bifrost runs them in. */
  plugins: BifrostPluginEntry[];
}

/** The result of {@link validateBifrostConfig}. */
export interface BifrostConfigValidation {
  valid: boolean;
  /** One line per problem: the JSON pointer of the offending value, then what is wrong. */
  errors: string[];
}

/** What {@link writeBifrostConfig} wrote. */
export interface WrittenBifrostConfig {
  configPath: string;
  /** Every file written, `config.json` last. */
  files: string[];
  config: BifrostConfigJson;
}

const DEFAULT_APP_DIR = "/app/data";
const DEFAULT_API_KEY = "sk-bifrost-as-mock";
const SCHEMA_URL = "https://www.getbifrost.ai/schema";
const DEFAULT_SCHEMA = new URL("../../schemas/bifrost-config.schema.json", import.meta.url);

/** The data files an offline start reads instead of downloading them. */
const DATA_FILES = {
  pricing: "pricing.json",
  modelParameters: "model-parameters.json",
  mcpLibrary: "mcp-library.json",
} as const;

/**
 * Bifrost's `config.json` for a gateway in front of one OpenAI-compatible
 * upstream: an `openai` provider whose `network_config.base_url` is the
 * upstream, one fake key allowed every model (`models: ["*"]`), pricing,
 * model parameters and the MCP catalog read from local files under `appDir`
 * (so Bifrost starts offline), and the plugins in order. Throws a
 * {@link ConfigError} for a bad upstream URL or plugin entry; check the rest
 * with {@link validateBifrostConfig}, or use {@link writeBifrostConfig},
 * which does.
 *
 * @example
 * ```ts
 * import { bifrostConfig } from "./bifrost_config.ts";
 * import assert from "node:assert/strict";
 *
 * const config = bifrostConfig({
 *   upstreamUrl: "http://127.0.0.1:8081/v1",
 *   plugins: [{ path: "/app/data/hello-world.wasm", name: "hello-world", config: { greeting: "hi" } }],
 * });
 * assert.equal(config.providers?.openai?.network_config?.base_url, "http://127.0.0.1:8081");
 * assert.deepEqual(config.providers?.openai?.keys[0]?.models, ["*"]);
 * assert.equal(config.framework?.pricing?.pricing_url, "file:///app/data/pricing.json");
 * assert.deepEqual(config.plugins, [
 *   { enabled: true, name: "hello-world", path: "/app/data/hello-world.wasm", config: { greeting: "hi" } },
 * ]);
 * ```
 */
export function bifrostConfig(options: BifrostConfigOptions): BifrostConfigJson {
  const upstream = upstreamBase(options.upstreamUrl);
  const appDir = options.appDir ?? DEFAULT_APP_DIR;
  if (!isAbsolute(appDir)) throw new ConfigError(`Invalid app dir "${appDir}": expected an absolute path`);
  const dataUrl = (file: string) => pathToFileURL(join(appDir, file)).href;
  const allowPrivate = options.allowPrivateNetwork ?? !isLoopback(upstream.hostname);

  const names = new Set<string>();
  const plugins = (options.plugins ?? []).map((plugin): BifrostPluginJson => {
    const { name, path, config = {}, enabled = true } = plugin;
    if (typeof name !== "string" || name.trim() === "") {
      throw new ConfigError(`Invalid plugin name ${JSON.stringify(name)}: expected a non-empty string`);
    }
    if (names.has(name)) throw new ConfigError(`Duplicate plugin name "${name}": each plugin needs its own name`);
    names.add(name);
    if (typeof path !== "string" || path === "") {
      throw new ConfigError(`Invalid path ${JSON.stringify(path)} for plugin "${name}": expected a file path or URL`);
    }
    if (/^http:\/\//i.test(path)) {
      throw new ConfigError(`Invalid path "${path}" for plugin "${name}": Bifrost downloads plugins over https only`);
    }
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
      throw new ConfigError(
        `Invalid config for plugin "${name}": expected a JSON object, got ${JSON.stringify(config)}`,
      );
    }
    return { enabled, name, path, config };
  });

  return {
    $schema: SCHEMA_URL,
    framework: {
      pricing: {
        pricing_url: dataUrl(DATA_FILES.pricing),
        model_parameters_url: dataUrl(DATA_FILES.modelParameters),
        mcp_library_url: dataUrl(DATA_FILES.mcpLibrary),
      },
    },
    providers: {
      openai: {
        keys: [{ name: "bifrost-as-mock", value: options.apiKey ?? DEFAULT_API_KEY, models: ["*"], weight: 1 }],
        network_config: {
          base_url: upstream.base,
          ...(allowPrivate ? { allow_private_network: true } : {}),
          ...(options.maxRetries !== undefined ? { max_retries: options.maxRetries } : {}),
          ...(options.requestTimeoutSeconds !== undefined
            ? { default_request_timeout_in_seconds: options.requestTimeoutSeconds }
            : {}),
        },
      },
    },
    plugins,
  };
}

/**
 * Writes `config.json` into `dir` with the data files it points at (pricing
 * and model parameters for {@link MOCK_MODELS}, an empty MCP catalog), each
 * atomically and `config.json` last, after validating it against Bifrost's
 * schema. `appDir` defaults to `dir`'s absolute path; set it to where the
 * gateway sees `dir` (e.g. `/app/data` when mounted into the Docker image).
 *
 * @example
 * ```ts
 * import { readBifrostConfig, writeBifrostConfig } from "./bifrost_config.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   const written = await writeBifrostConfig(dir, {
 *     upstreamUrl: "http://127.0.0.1:8081",
 *     plugins: [{ path: "build/hello-world.wasm", name: "hello-world" }],
 *   });
 *   assert.equal(written.files.length, 4);
 *   const { plugins } = await readBifrostConfig(written.configPath);
 *   assert.deepEqual(plugins, [{ enabled: true, name: "hello-world", path: "build/hello-world.wasm", config: {} }]);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function writeBifrostConfig(dir: string, options: BifrostConfigOptions): Promise<WrittenBifrostConfig> {
  const absDir = resolve(dir);
  const configPath = join(absDir, "config.json");
  const config = bifrostConfig({ ...options, appDir: options.appDir ?? absDir });
  const { valid, errors } = validateBifrostConfig(config);
  if (!valid) throw new ConfigError(`Cannot write Bifrost config "${configPath}": ${describeErrors(errors)}`);

  const pricingEntry = { provider: "openai", mode: "chat" };
  const data: [string, unknown][] = [
    [DATA_FILES.pricing, modelTable({ ...pricingEntry, input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 })],
    [DATA_FILES.modelParameters, modelTable({ ...pricingEntry, max_input_tokens: 128_000, max_output_tokens: 16_384 })],
    [DATA_FILES.mcpLibrary, { servers: [] }],
    ["config.json", config],
  ];
  const files: string[] = [];
  for (const [name, value] of data) {
    const path = join(absDir, name);
    await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
    files.push(path);
  }
  return { configPath, files, config };
}

/**
 * Checks a parsed `config.json` against Bifrost's JSON Schema (draft
 * 2019-09), read from `schemas/bifrost-config.schema.json` in this
 * package unless `schemaPath` says otherwise. Throws a
 * {@link ConfigError} only when the schema itself cannot be loaded.
 *
 * @example
 * ```ts
 * import { bifrostConfig, validateBifrostConfig } from "./bifrost_config.ts";
 * import assert from "node:assert/strict";
 *
 * const config = bifrostConfig({ upstreamUrl: "http://127.0.0.1:8081" });
 * assert.deepEqual(validateBifrostConfig(config), { valid: true, errors: [] });
 *
 * const broken = { ...config, plugins: [{ name: "x", enabled: "yes" }] };
 * assert.deepEqual(validateBifrostConfig(broken).errors, ['/plugins/0/enabled: must be boolean (got "yes")']);
 * ```
 */
export function validateBifrostConfig(
  json: unknown,
  options: { schemaPath?: string | URL } = {},
): BifrostConfigValidation {
  const validate = schemaValidator(options.schemaPath ?? DEFAULT_SCHEMA);
  if (validate(json)) return { valid: true, errors: [] };
  const errors = (validate.errors ?? []).map(formatSchemaError).filter((e): e is string => e !== undefined);
  return { valid: false, errors: [...new Set(errors)] };
}

/**
 * Reads a `config.json` the way the gateway does and returns its plugin
 * entries in array order, which is the order Bifrost runs them in
 * (`placement` and `order` are kept but only matter in DB-backed setups).
 * Throws a {@link ConfigError} naming the file for a missing file, invalid
 * JSON or a config Bifrost's schema rejects.
 *
 * @example
 * ```ts
 * import { readBifrostConfig } from "./bifrost_config.ts";
 * import { ConfigError } from "../errors.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(readBifrostConfig("no/such/config.json"), ConfigError);
 * ```
 */
export async function readBifrostConfig(
  path: string,
  options: { schemaPath?: string | URL } = {},
): Promise<BifrostConfigFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new ConfigError(`Cannot read Bifrost config "${path}": ${why}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`Invalid Bifrost config "${path}": not JSON: ${(e as Error).message}`, { cause: e });
  }
  const { valid, errors } = validateBifrostConfig(json, options);
  if (!valid) throw new ConfigError(`Invalid Bifrost config "${path}": ${describeErrors(errors)}`);
  const config = json as BifrostConfigJson;
  const plugins = (config.plugins ?? []).map((plugin): BifrostPluginEntry => ({
    enabled: plugin.enabled,
    name: plugin.name,
    ...(plugin.path !== undefined ? { path: plugin.path } : {}),
    config: plugin.config ?? {},
    ...(plugin.version !== undefined ? { version: plugin.version } : {}),
    ...(plugin.placement !== undefined ? { placement: plugin.placement } : {}),
    ...(plugin.order !== undefined ? { order: plugin.order } : {}),
  }));
  return { path, config, plugins };
}

// ---------------------------------------------------------------------------

/** The upstream's base URL without a trailing slash or `/v1`: Bifrost appends `/v1/...` to it. */
function upstreamBase(raw: string): { base: string; hostname: string } {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch { /* reported below */ }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
    throw new ConfigError(`Invalid upstream URL "${raw}": expected http:// or https:// with no query`);
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return { base: `${url.origin}${path}`, hostname: url.hostname };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function modelTable(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(MOCK_MODELS.map((model) => [model, entry]));
}

function describeErrors(errors: string[]): string {
  return `${errors.length} schema ${errors.length === 1 ? "error" : "errors"}:\n  ${errors.join("\n  ")}`;
}

/** Keywords whose message is about the value itself, so quoting it helps. */
const VALUE_KEYWORDS = new Set(["type", "enum", "const", "format", "pattern", "minimum", "maximum", "minLength"]);

function formatSchemaError(e: ErrorObject): string | undefined {
  // A failed "then" is reported on its own; the "if" around it adds nothing.
  if (e.keyword === "if") return undefined;
  const at = e.instancePath || "/";
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties":
      return `${at}: unknown property "${params.additionalProperty}"`;
    case "required":
      return `${at}: missing required property "${params.missingProperty}"`;
    case "enum":
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` +
        ` (got ${quote(e.data)})`;
  }
  return `${at}: ${e.message}${VALUE_KEYWORDS.has(e.keyword) ? ` (got ${quote(e.data)})` : ""}`;
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const validators = new Map<string, ValidateFunction>();

/** Compiles the schema once per file: it is large (about 270 KB) and takes a few hundred ms. */
function schemaValidator(schemaPath: string | URL): ValidateFunction {
  const url = schemaPath instanceof URL ? schemaPath : pathToFileURL(resolve(schemaPath));
  const cached = validators.get(url.href);
  if (cached) return cached;
  const shown = url.protocol === "file:" ? fileURLToPath(url) : url.href;
  let text: string;
  try {
    text = Deno.readTextFileSync(url);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "file not found (the package ships it as schemas/bifrost-config.schema.json)"
      : (e as Error).message;
    throw new ConfigError(`Cannot load Bifrost's config schema "${shown}": ${why}`, { cause: e });
  }
  let validate: ValidateFunction;
  try {
    // The schema uses annotations ajv does not know ("optional") and loose
    // constructs strict mode refuses: it is Bifrost's, not ours to tighten.
    const ajv = new Ajv2019({ allErrors: true, strict: false, verbose: true });
    ajv.addFormat("uri", (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && URL.canParse(s));
    ajv.addFormat("hostname", /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i);
    ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
    ajv.addFormat("date-time", (s: string) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)));
    validate = ajv.compile(JSON.parse(text));
  } catch (e) {
    throw new ConfigError(`Invalid Bifrost config schema "${shown}": ${(e as Error).message}`, { cause: e });
  }
  validators.set(url.href, validate);
  return validate;
}
