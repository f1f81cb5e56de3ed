/**
 * Fetching a packaged plugin back: from any of the three package formats
 * (and Istio's single-layer wasm image), from a registry or an OCI image
 * layout, every blob read checked against its digest.
 *
 * @module
 */
import { RegistryError } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { findFile, MAX_PLUGIN_LAYER_BYTES } from "./_layers.ts";
import { readPluginName } from "./_plugin_name.ts";
import { type Image, type ImageBlob, parseJson, type Platform } from "./image.ts";
import { MAX_PLUGIN_BYTES } from "../wasm/validate.ts";
import { Annotation, MediaType } from "./media_types.ts";
import { COMPAT_PLUGIN_PATH, isPluginName, type PackageFormat } from "./package.ts";
import { clientFor, type RegistryClientOptions } from "./registry.ts";
import { formatReference, type ImageReference, parseReference } from "./reference.ts";

/** A plugin taken out of an image. */
export interface ExtractedPlugin {
  wasm: Uint8Array;
  /** Digest of the `.wasm` bytes. */
  wasmDigest: string;
  format: PackageFormat;
  /**
   * The plugin's name from the image's annotations, else its `get_name()`,
   * when either tells one that is safe as a file name ({@link isPluginName}).
   */
  name: string | undefined;
  /** Where the plugin was in the image's filesystem (`undefined` for the artifact format). */
  imagePath: string | undefined;
}

interface ConfigJson {
  layerDigests?: unknown;
  config?: { Labels?: Record<string, string> | null };
  rootfs?: { diff_ids?: string[] };
}

/**
 * Takes the plugin out of `image`, whichever format it was packaged in;
 * `where` names the image in errors.
 *
 * @example
 * ```ts
 * import { extractPlugin, packagePlugin } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const wasm = await Deno.readFile("build/hello-world.wasm");
 * for (const format of ["artifact", "compat"] as const) {
 *   const { image } = await packagePlugin(wasm, { format });
 *   const plugin = await extractPlugin(image, "example");
 *   assert.equal(plugin.format, format);
 *   assert.equal(plugin.name, "hello-world-wasm-typescript");
 *   assert.deepEqual(plugin.wasm, wasm);
 * }
 * ```
 */
export async function extractPlugin(image: Image, where: string): Promise<ExtractedPlugin> {
  const { manifest } = image;
  const config = parseJson(await image.config.read(), `the config of "${where}"`) as ConfigJson | null;
  const labels = config?.config?.Labels ?? {};
  const annotations = manifest.annotations ?? {};
  let wasm: Uint8Array;
  let format: PackageFormat;
  let imagePath: string | undefined;
  const only = image.layers.length === 1 ? image.layers[0]! : undefined;
  if (manifest.config.mediaType === MediaType.WasmConfig) {
    if (only?.descriptor.mediaType !== MediaType.WasmLayer) {
      throw new RegistryError(
        `Unsupported wasm artifact "${where}": expected one "${MediaType.WasmLayer}" layer, found ${
          image.layers.map((l) => `"${l.descriptor.mediaType}"`).join(", ") || "none"
        }`,
      );
    }
    const digests = config?.layerDigests;
    if (Array.isArray(digests) && digests[0] !== only.descriptor.digest) {
      throw new RegistryError(`Inconsistent wasm artifact "${where}": its config names layer "${digests[0]}"`);
    }
    wasm = await readPluginLayer(only, where);
    format = "artifact";
  } else if (only?.descriptor.mediaType === MediaType.IstioWasmLayer) {
    wasm = await readPluginLayer(only, where);
    format = "compat";
  } else {
    imagePath = labels[Annotation.PluginPath] ?? annotations[Annotation.PluginPath] ?? COMPAT_PLUGIN_PATH;
    const found = await findFile(image, config?.rootfs?.diff_ids, imagePath, `"${where}"`, MAX_PLUGIN_LAYER_BYTES);
    if (!found) throw new RegistryError(`No plugin in "${where}": "${imagePath}" is not in its layers`);
    wasm = found.data;
    const declared = labels[Annotation.Format] ?? annotations[Annotation.Format];
    format = declared === "bifrost" || declared === "compat"
      ? declared
      : imagePath === COMPAT_PLUGIN_PATH
      ? "compat"
      : "bifrost";
  }
  if (!WebAssembly.validate(wasm as BufferSource)) {
    throw new RegistryError(
      `Not a plugin in "${where}": ${imagePath ? `"${imagePath}"` : "the layer"} is not valid WebAssembly`,
    );
  }
  let name = annotations[Annotation.PluginName] ?? labels[Annotation.PluginName];
  if (name === undefined) {
    try {
      name = await readPluginName(wasm, where);
    } catch { /* a plugin that cannot be instantiated alone still gets pulled */ }
  }
  // Callers build file names from it: an image must not be able to name "../../somewhere".
  if (name !== undefined && !isPluginName(name)) name = undefined;
  return { wasm, wasmDigest: await sha256Digest(wasm), format, name, imagePath };
}

/** A layer that is the plugin itself, refused unread when its descriptor says it is over the plugin size limit. */
async function readPluginLayer(layer: ImageBlob, where: string): Promise<Uint8Array> {
  const { size, digest } = layer.descriptor;
  if (size > MAX_PLUGIN_BYTES) {
    throw new RegistryError(
      `Not a plugin in "${where}": layer "${digest}" has ${size} bytes, over the plugin size limit (${MAX_PLUGIN_BYTES})`,
    );
  }
  return await layer.read();
}

/** Options of {@link pullPlugin}. */
export interface PullOptions extends RegistryClientOptions {
  /** Platform to choose from an image index (default linux/amd64). */
  platform?: Platform;
}

/** A plugin pulled from a registry. */
export interface PulledPlugin extends ExtractedPlugin {
  /** The reference pinned to the manifest digest, e.g. `ghcr.io/acme/plugin@sha256:...`. */
  reference: string;
  manifestDigest: string;
}

/**
 * Pulls the plugin packaged at `ref` (any of the package formats), checking
 * the manifest and every blob it reads against their digests.
 */
export async function pullPlugin(ref: string | ImageReference, options: PullOptions = {}): Promise<PulledPlugin> {
  const parsed = typeof ref === "string" ? parseReference(ref) : ref;
  const { client, repository, reference, name } = clientFor(parsed, options);
  const image = await client.readImage(repository, reference, options.platform ? { platform: options.platform } : {});
  const plugin = await extractPlugin(image, name);
  return {
    ...plugin,
    manifestDigest: image.digest,
    reference: formatReference({ registry: parsed.registry, repository, digest: image.digest }),
  };
}
