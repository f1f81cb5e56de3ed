/**
 * Packaging a built plugin for registries, in three formats:
 *
 * - `artifact`: the CNCF TAG Runtime wasm OCI artifact (config
 *   `application/vnd.wasm.config.v0+json`, one `application/wasm` layer).
 * - `compat`: a one-layer image whose filesystem is `/plugin.wasm`, the
 *   form Istio, Envoy Gateway and init containers copy from.
 * - `bifrost`: a base Bifrost image plus one layer holding the plugin at
 *   `/app/plugins/<name>.wasm` and, optionally, `/app/data/config.json`
 *   enabling it; the image config gets the layer's `diff_id`, a `history`
 *   entry and labels.
 *
 * @module
 */
import type { BifrostPluginJson } from "../config/bifrost_config.ts";
import { ConfigError, InputError, RegistryError } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { gzip } from "./gzip.ts";
import { findFile } from "./_layers.ts";
import { readPluginName } from "./_plugin_name.ts";
import { createTar, type TarInput } from "./tar.ts";
import { createImage, type Image, memoryBlob, parseJson } from "./image.ts";
import { Annotation, MediaType } from "./media_types.ts";

/**
 * The most a base image's layer may take, compressed or not, when its
 * `config.json` is looked up in it: 1 GiB, above Bifrost's own image layers
 * and a bound on what a hostile base can make this process hold.
 */
const MAX_BASE_LAYER_BYTES = 1 << 30;

/** The package formats. */
export type PackageFormat = "artifact" | "compat" | "bifrost";

/** Every package format, the default first. */
export const PACKAGE_FORMATS: readonly PackageFormat[] = ["artifact", "compat", "bifrost"];

/** Where the `bifrost` format puts plugins in the image. */
export const PLUGIN_DIR = "/app/plugins";

/** Where the `bifrost` format puts `config.json` (Bifrost's app dir is `/app/data`). */
export const BIFROST_CONFIG_PATH = "/app/data/config.json";

/** Where the `compat` format puts the plugin. */
export const COMPAT_PLUGIN_PATH = "/plugin.wasm";

/** Environment variable naming the default base image of the `bifrost` format. */
export const BIFROST_IMAGE_ENV = "BIFROST_IMAGE";

/** Options of {@link packagePlugin}. */
export interface PackageOptions {
  /** Default `artifact`. */
  format?: PackageFormat;
  /** The plugin's name; read from its `get_name()` export when omitted. */
  name?: string;
  /** The plugin file's name, for messages. */
  label?: string;
  version?: string;
  /** URL of the plugin's source (`org.opencontainers.image.source`). */
  source?: string;
  /** Source revision, e.g. a git commit (`org.opencontainers.image.revision`). */
  revision?: string;
  /** Creation time recorded in configs, annotations and tar entries (default: now). */
  created?: Date;
  /** `bifrost` format: the image to build on, e.g. from `RegistryClient.readImage` or `readLayout`. */
  base?: Image;
  /** `bifrost` format: the base's reference, recorded in annotations and history. */
  baseName?: string;
  /** `bifrost` format: also write `/app/data/config.json` enabling the plugin, merged into the base's own. */
  withConfig?: boolean;
  /** The `config` object of the plugin entry (default `{}`). */
  pluginConfig?: Record<string, unknown>;
}

/** A packaged plugin: the image and what it holds. */
export interface PackagedPlugin {
  image: Image;
  format: PackageFormat;
  name: string;
  /** Digest and size of the `.wasm` itself. */
  wasmDigest: string;
  wasmSize: number;
  /** Where the plugin file is in the image's filesystem (`undefined` for the artifact format, which has none). */
  imagePath: string | undefined;
  /** The `config.json` plugin entry for a gateway running the plugin from {@link pluginPath}. */
  entry: BifrostPluginJson;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Whether `name` can serve as a plugin's file name: letters, digits, ".",
 * "_" and "-", at most 128, not starting with a separator.
 *
 * @example
 * ```ts
 * import { isPluginName } from "./package.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isPluginName("hello-world"), true);
 * assert.equal(isPluginName("../../etc/cron.d/x"), false);
 * ```
 */
export function isPluginName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * Where a plugin named `name` lives in a Bifrost image.
 *
 * @example
 * ```ts
 * import { pluginPath } from "./package.ts";
 * import assert from "node:assert/strict";
 * assert.equal(pluginPath("hello-world"), "/app/plugins/hello-world.wasm");
 * ```
 */
export function pluginPath(name: string): string {
  return `${PLUGIN_DIR}/${name}.wasm`;
}

/**
 * A Bifrost `config.json` plugin entry enabling plugin `name` at `path`.
 *
 * @example
 * ```ts
 * import { pluginEntry } from "./package.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(pluginEntry("hello-world"), {
 *   enabled: true,
 *   name: "hello-world",
 *   path: "/app/plugins/hello-world.wasm",
 *   config: {},
 * });
 * ```
 */
export function pluginEntry(
  name: string,
  path: string = pluginPath(name),
  config: Record<string, unknown> = {},
): BifrostPluginJson {
  return { enabled: true, name, path, config };
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/**
 * Packages a plugin's `.wasm` bytes as an image in one of the
 * {@link PACKAGE_FORMATS}. Nothing is written: push the result with
 * `RegistryClient.pushImage` or write it with `writeLayout`.
 *
 * @example Artifact format, written to an OCI image layout
 * ```ts
 * import { MediaType, packagePlugin, readLayout, writeLayout } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const wasm = await Deno.readFile("build/hello-world.wasm");
 * const pkg = await packagePlugin(wasm, { version: "1.0.0" });
 * assert.equal(pkg.name, "hello-world-wasm-typescript"); // its get_name()
 * assert.equal(pkg.image.manifest.config.mediaType, MediaType.WasmConfig);
 * assert.equal(pkg.image.manifest.annotations?.["dev.bifrost-as.plugin.name"], pkg.name);
 * const dir = await Deno.makeTempDir();
 * await writeLayout(`${dir}/oci`, pkg.image, { tag: "1.0.0" });
 * const back = await readLayout(`${dir}/oci`, { tag: "1.0.0" });
 * assert.deepEqual(await back.layers[0]!.read(), wasm);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Bifrost format on a base image
 * ```ts
 * import { createImage, MediaType, packagePlugin } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const base = await createImage(
 *   {
 *     mediaType: MediaType.OciConfig,
 *     data: new TextEncoder().encode(JSON.stringify({
 *       architecture: "amd64",
 *       os: "linux",
 *       config: { Entrypoint: ["/app/bifrost"] },
 *       rootfs: { type: "layers", diff_ids: [] },
 *     })),
 *   },
 *   [],
 * );
 * const wasm = await Deno.readFile("build/hello-world.wasm");
 * const pkg = await packagePlugin(wasm, { format: "bifrost", base, withConfig: true });
 * const config = JSON.parse(new TextDecoder().decode(await pkg.image.config.read()));
 * assert.equal(config.rootfs.diff_ids.length, 1);
 * assert.deepEqual(config.config.Entrypoint, ["/app/bifrost"]);
 * assert.equal(pkg.imagePath, `/app/plugins/${pkg.name}.wasm`);
 * assert.equal(config.config.Labels["dev.bifrost-as.plugin.path"], pkg.imagePath);
 * ```
 */
export async function packagePlugin(wasm: Uint8Array, options: PackageOptions = {}): Promise<PackagedPlugin> {
  const label = options.label ?? "plugin";
  const format = options.format ?? "artifact";
  if (!PACKAGE_FORMATS.includes(format)) {
    throw new InputError(`Unknown package format "${format}": expected ${PACKAGE_FORMATS.join(", ")}`, "format");
  }
  if (!WebAssembly.validate(wasm as BufferSource)) {
    throw new InputError(`Cannot package "${label}": it is not a valid WebAssembly module`, "wasm");
  }
  const name = options.name ?? await readPluginName(wasm, label);
  if (!isPluginName(name)) {
    throw new InputError(
      `Cannot package plugin "${name}": its name must be letters, digits, ".", "_" or "-" to serve as a file name`,
      "name",
    );
  }
  const created = options.created ?? new Date();
  const annotations: Record<string, string> = {
    [Annotation.Title]: name,
    [Annotation.Created]: created.toISOString(),
    ...(options.version ? { [Annotation.Version]: options.version } : {}),
    ...(options.source ? { [Annotation.Source]: options.source } : {}),
    ...(options.revision ? { [Annotation.Revision]: options.revision } : {}),
    [Annotation.PluginName]: name,
    [Annotation.Format]: format,
  };
  const entry = pluginEntry(name, pluginPath(name), options.pluginConfig ?? {});
  const ctx: FormatContext = { wasm, name, created, annotations, entry, options };
  const built = format === "artifact"
    ? await artifact(ctx)
    : format === "compat"
    ? await compat(ctx)
    : await bifrost(ctx);
  return { ...built, format, name, wasmDigest: await sha256Digest(wasm), wasmSize: wasm.length, entry };
}

interface FormatContext {
  wasm: Uint8Array;
  name: string;
  created: Date;
  annotations: Record<string, string>;
  entry: BifrostPluginJson;
  options: PackageOptions;
}

type Built = Pick<PackagedPlugin, "image" | "imagePath">;

async function artifact(ctx: FormatContext): Promise<Built> {
  const layer = await memoryBlob({
    mediaType: MediaType.WasmLayer,
    data: ctx.wasm,
    annotations: { [Annotation.Title]: `${ctx.name}.wasm` },
  });
  const config = {
    created: ctx.created.toISOString(),
    architecture: "wasm",
    os: "wasip1",
    layerDigests: [layer.descriptor.digest],
  };
  const image = await createImage({ mediaType: MediaType.WasmConfig, data: json(config) }, [layer], {
    annotations: ctx.annotations,
  });
  return { image, imagePath: undefined };
}

/** A gzipped layer of `files` (written in order, no directory entries) and its diff_id. */
async function layerOf(files: TarInput[]): Promise<{ data: Uint8Array; diffId: string }> {
  // No directory entries: an entry for /app would replace the base's owner and mode of /app.
  const tar = createTar(files);
  return { data: await gzip(tar), diffId: await sha256Digest(tar) };
}

function historyEntry(ctx: FormatContext, path: string) {
  return {
    created: ctx.created.toISOString(),
    created_by: `bifrost-as package --format ${ctx.annotations[Annotation.Format]}`,
    comment: `Bifrost plugin "${ctx.name}" at ${path}`,
  };
}

async function compat(ctx: FormatContext): Promise<Built> {
  const mtime = Math.floor(ctx.created.getTime() / 1000);
  const layer = await layerOf([{ path: COMPAT_PLUGIN_PATH.slice(1), data: ctx.wasm, mtime }]);
  const config = {
    created: ctx.created.toISOString(),
    architecture: "amd64",
    os: "linux",
    config: { Labels: { ...ctx.annotations, [Annotation.PluginPath]: COMPAT_PLUGIN_PATH } },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [historyEntry(ctx, COMPAT_PLUGIN_PATH)],
  };
  const image = await createImage(
    { mediaType: MediaType.OciConfig, data: json(config) },
    [{ mediaType: MediaType.OciLayerGzip, data: layer.data }],
    { annotations: ctx.annotations },
  );
  return { image, imagePath: COMPAT_PLUGIN_PATH };
}

/** `config.json` bytes with `entry` enabled: the base's own config with any same-named plugin replaced. */
function withPluginEntry(existing: Uint8Array | undefined, entry: BifrostPluginJson, where: string): Uint8Array {
  let config: Record<string, unknown> = {};
  if (existing) {
    const parsed = (() => {
      try {
        return JSON.parse(new TextDecoder().decode(existing)) as unknown;
      } catch (e) {
        throw new ConfigError(`Cannot add the plugin to ${BIFROST_CONFIG_PATH} of ${where}: ${(e as Error).message}`);
      }
    })();
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`Cannot add the plugin to ${BIFROST_CONFIG_PATH} of ${where}: it is not a JSON object`);
    }
    config = parsed as Record<string, unknown>;
  }
  const plugins = Array.isArray(config.plugins)
    ? config.plugins.filter((p) => (p as { name?: unknown } | null)?.name !== entry.name)
    : [];
  config.plugins = [...plugins, entry];
  return new TextEncoder().encode(JSON.stringify(config, null, 2) + "\n");
}

interface ImageConfigJson {
  created?: string;
  config?: { Labels?: Record<string, string> | null; [key: string]: unknown };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

async function bifrost(ctx: FormatContext): Promise<Built> {
  const { base } = ctx.options;
  if (!base) {
    throw new InputError(`The bifrost format needs a base image: give one or set ${BIFROST_IMAGE_ENV}`, "base");
  }
  const baseName = ctx.options.baseName ?? base.digest;
  const where = `base image "${baseName}"`;
  const config = parseJson(await base.config.read(), `the config of ${where}`) as ImageConfigJson;
  const diffIds = config?.rootfs?.diff_ids;
  if (typeof config !== "object" || !Array.isArray(diffIds) || diffIds.length !== base.layers.length) {
    throw new RegistryError(
      `Cannot build on ${where}: its config lists ${
        Array.isArray(diffIds) ? diffIds.length : "no"
      } diff_ids for ${base.layers.length} layers`,
    );
  }
  const path = pluginPath(ctx.name);
  const mtime = Math.floor(ctx.created.getTime() / 1000);
  const files: TarInput[] = [{ path: path.slice(1), data: ctx.wasm, mtime }];
  if (ctx.options.withConfig) {
    const existing = await findFile(base, diffIds, BIFROST_CONFIG_PATH, where, MAX_BASE_LAYER_BYTES);
    files.push({
      path: BIFROST_CONFIG_PATH.slice(1),
      data: withPluginEntry(existing?.data, ctx.entry, where),
      mtime,
    });
  }
  const layer = await layerOf(files);
  const docker = base.mediaType === MediaType.DockerManifest;
  const history = Array.isArray(config.history) ? [...config.history] : base.layers.map(() => ({
    // Keeps one history entry per layer, as image tools expect, when the base recorded none.
    created: config.created ?? ctx.created.toISOString(),
    created_by: `base image ${baseName}`,
  }));
  const next: ImageConfigJson = {
    ...config,
    created: ctx.created.toISOString(),
    config: {
      ...config.config,
      Labels: {
        ...config.config?.Labels,
        ...ctx.annotations,
        [Annotation.BaseName]: baseName,
        [Annotation.BaseDigest]: base.digest,
        [Annotation.PluginPath]: path,
      },
    },
    rootfs: { ...config.rootfs, type: "layers", diff_ids: [...diffIds, layer.diffId] },
    history: [...history, historyEntry(ctx, path)],
  };
  const image = await createImage(
    { mediaType: base.manifest.config.mediaType, data: json(next) },
    [...base.layers, { mediaType: docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip, data: layer.data }],
    {
      mediaType: base.mediaType,
      // Docker schema 2 manifests have no annotations; the labels carry the same facts.
      ...(docker ? {} : {
        annotations: { ...ctx.annotations, [Annotation.BaseName]: baseName, [Annotation.BaseDigest]: base.digest },
      }),
    },
  );
  return { image, imagePath: path };
}
