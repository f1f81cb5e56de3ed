/** Finding a file in an image's layers, top layer first. Private to lib/oci. */
import { RegistryError } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { gunzip } from "./gzip.ts";
import type { Image, ImageBlob } from "./image.ts";
import { MediaType } from "./media_types.ts";
import { normalizeTarPath, readTar } from "./tar.ts";
import { MAX_PLUGIN_BYTES } from "../wasm/validate.ts";

const GZIP_LAYERS: readonly string[] = [MediaType.OciLayerGzip, MediaType.DockerLayerGzip];
const TAR_LAYERS: readonly string[] = [MediaType.OciLayer, "application/vnd.docker.image.rootfs.diff.tar"];

/** Whether a layer media type is a filesystem tar this toolkit can read. */
export function isTarLayer(mediaType: string): boolean {
  return GZIP_LAYERS.includes(mediaType) || TAR_LAYERS.includes(mediaType);
}

/**
 * The most a layer holding a plugin may take uncompressed (and compressed):
 * twice the plugin size limit, room for the plugin, tar headers and a few
 * small files beside it.
 */
export const MAX_PLUGIN_LAYER_BYTES = 2 * MAX_PLUGIN_BYTES;

/**
 * The uncompressed tar of a layer, checked against its `diff_id` from the
 * image config when one is given. A layer larger than `limit`, compressed
 * or not, is refused before or while it is read.
 */
export async function layerTar(
  layer: ImageBlob,
  diffId: string | undefined,
  where: string,
  limit: number,
): Promise<Uint8Array> {
  const d = layer.descriptor;
  if (d.mediaType === MediaType.OciLayerZstd) {
    throw new RegistryError(`Cannot read layer "${d.digest}" of ${where}: zstd layers are not supported`);
  }
  if (d.size > limit) {
    throw new RegistryError(`Cannot read layer "${d.digest}" of ${where}: its ${d.size} bytes are over ${limit}`);
  }
  const data = await layer.read();
  const what = `layer "${d.digest}" of ${where}`;
  const tar = GZIP_LAYERS.includes(d.mediaType) ? await gunzip(data, what, limit) : data;
  if (diffId !== undefined) {
    const actual = await sha256Digest(tar);
    if (actual !== diffId) {
      throw new RegistryError(
        `Digest mismatch for the uncompressed layer "${d.digest}" of ${where}: the config's diff_id is "${diffId}", the content is "${actual}"`,
      );
    }
  }
  return tar;
}

/** A file found in a layer. */
export interface LayerFile {
  data: Uint8Array;
  /** Index of the layer that holds it. */
  layer: number;
}

/**
 * Finds `path` in the image's filesystem: searches layers from the top,
 * stopping at a whiteout that deletes it. `diffIds` are the config's
 * `rootfs.diff_ids`, checked for every layer read; every layer read must
 * stay within `limit` bytes, compressed and uncompressed.
 */
export async function findFile(
  image: Image,
  diffIds: readonly string[] | undefined,
  path: string,
  where: string,
  limit: number,
): Promise<LayerFile | undefined> {
  const target = normalizeTarPath(path);
  const dir = target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : "";
  const base = target.slice(target.lastIndexOf("/") + 1);
  const whiteout = dir ? `${dir}/.wh.${base}` : `.wh.${base}`;
  const opaque = "/.wh..wh..opq";
  for (let i = image.layers.length - 1; i >= 0; i--) {
    const layer = image.layers[i]!;
    if (!isTarLayer(layer.descriptor.mediaType)) continue;
    const tar = await layerTar(layer, diffIds?.[i], where, limit);
    let hidden = false;
    for (const entry of readTar(tar, `layer "${layer.descriptor.digest}" of ${where}`)) {
      if (entry.path === target && entry.type === "file") return { data: entry.data, layer: i };
      // A whiteout, or an opaque marker in the directory or an ancestor, hides lower layers' copies.
      hidden ||= entry.path === whiteout ||
        (entry.path.endsWith(opaque) && `${target}/`.startsWith(`${entry.path.slice(0, -opaque.length)}/`));
    }
    if (hidden) return undefined;
  }
  return undefined;
}
