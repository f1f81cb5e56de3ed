/**
 * OCI image layouts: the `oci-layout` + `index.json` + `blobs/sha256/`
 * directory (or a `.tar` of it) that `skopeo copy oci:DIR:TAG`,
 * `skopeo copy oci-archive:FILE.tar` and `podman load` read.
 *
 * @module
 */
import { InputError, RegistryError } from "../errors.ts";
import { isFsError, writeFileAtomic } from "../internal/fs.ts";
import { verifyContent } from "./digest.ts";
import { createTar, readTar, type TarInput } from "./tar.ts";
import { type Descriptor, type Image, imageBlobs, imageFromManifest, type ImageIndex, parseManifest } from "./image.ts";
import { Annotation, MediaType } from "./media_types.ts";

const OCI_LAYOUT = new TextEncoder().encode(JSON.stringify({ imageLayoutVersion: "1.0.0" }));
const enc = new TextEncoder();

/** Whether `path` names a layout archive rather than a directory. */
export function isLayoutArchive(path: string): boolean {
  return /\.tar$/i.test(path);
}

function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return `blobs/${algorithm}/${hex}`;
}

function indexEntry(image: Image, tag: string): Descriptor {
  return {
    mediaType: image.mediaType,
    digest: image.digest,
    size: image.manifestBytes.length,
    annotations: { [Annotation.RefName]: tag },
  };
}

function indexBytes(manifests: Descriptor[]): Uint8Array {
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
  return enc.encode(JSON.stringify(index));
}

/**
 * Writes `image` as an OCI image layout at `path`: a directory, or a tar
 * archive when `path` ends in `.tar`. In an existing layout directory the
 * image is added, replacing any image with the same `tag` (default
 * `latest`). Blobs are written first and `index.json` last, each atomically.
 *
 * @example
 * ```ts
 * import { createImage, MediaType, readLayout, writeLayout } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const image = await createImage(
 *   { mediaType: MediaType.WasmConfig, data: new TextEncoder().encode("{}") },
 *   [{ mediaType: MediaType.WasmLayer, data: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }],
 * );
 * await writeLayout(`${dir}/layout`, image, { tag: "1.0" });
 * await writeLayout(`${dir}/layout.tar`, image);
 * assert.equal((await readLayout(`${dir}/layout`, { tag: "1.0" })).digest, image.digest);
 * assert.equal((await readLayout(`${dir}/layout.tar`)).digest, image.digest);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeLayout(path: string, image: Image, options: { tag?: string } = {}): Promise<void> {
  try {
    await write(path, image, options.tag ?? "latest");
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new InputError(`Cannot write image layout "${path}": ${e.message.split(":")[0]}`, "path");
  }
}

async function write(path: string, image: Image, tag: string): Promise<void> {
  const blobs = imageBlobs(image).map((b) => ({ digest: b.descriptor.digest, read: b.read }));
  blobs.push({ digest: image.digest, read: () => Promise.resolve(image.manifestBytes) });
  if (isLayoutArchive(path)) {
    const entries: TarInput[] = [
      { path: "oci-layout", data: OCI_LAYOUT },
      { path: "blobs" },
      { path: "blobs/sha256" },
    ];
    const seen = new Set<string>();
    for (const b of blobs) {
      if (seen.has(b.digest)) continue;
      seen.add(b.digest);
      entries.push({ path: blobPath(b.digest), data: await b.read() });
    }
    entries.push({ path: "index.json", data: indexBytes([indexEntry(image, tag)]) });
    await writeFileAtomic(path, createTar(entries));
    return;
  }
  const existing = await Deno.readFile(`${path}/index.json`).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  });
  let manifests: Descriptor[] = [];
  if (existing) {
    const index = parseManifest(existing, MediaType.OciIndex, `index.json of the image layout "${path}"`);
    if (index.kind !== "index") throw new RegistryError(`Malformed index.json in "${path}": it lists no manifests`);
    manifests = index.index.manifests.filter((m) => m.annotations?.[Annotation.RefName] !== tag);
  }
  await Deno.mkdir(`${path}/blobs/sha256`, { recursive: true });
  for (const b of blobs) {
    const file = `${path}/${blobPath(b.digest)}`;
    if (await Deno.stat(file).then(() => true, () => false)) continue;
    await writeFileAtomic(file, await b.read());
  }
  await writeFileAtomic(`${path}/oci-layout`, OCI_LAYOUT);
  await writeFileAtomic(`${path}/index.json`, indexBytes([...manifests, indexEntry(image, tag)]));
}

/** Reads files of a layout directory or archive. */
type FileReader = (relative: string) => Promise<Uint8Array>;

async function layoutReader(path: string): Promise<FileReader> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    throw new InputError(`Cannot read image layout "${path}": no such file or directory`, "path");
  }
  if (info.isDirectory) {
    return async (relative) => {
      try {
        return await Deno.readFile(`${path}/${relative}`);
      } catch (e) {
        throw new RegistryError(`Cannot read "${relative}" in image layout "${path}": ${(e as Error).message}`);
      }
    };
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of readTar(await Deno.readFile(path), `image layout "${path}"`)) {
    if (entry.type === "file") files.set(entry.path, entry.data);
  }
  return (relative) => {
    const data = files.get(relative);
    if (!data) return Promise.reject(new RegistryError(`Missing "${relative}" in image layout "${path}"`));
    return Promise.resolve(data);
  };
}

/**
 * Reads the image tagged `tag` (or the only image) from an OCI image layout
 * directory or `.tar`. Blobs are checked against their digests when read.
 */
export async function readLayout(path: string, options: { tag?: string } = {}): Promise<Image> {
  const read = await layoutReader(path);
  const index = parseManifest(await read("index.json"), MediaType.OciIndex, `index.json of "${path}"`);
  if (index.kind !== "index") throw new RegistryError(`Malformed index.json in "${path}": it lists no manifests`);
  const all = index.index.manifests;
  const candidates = options.tag ? all.filter((m) => m.annotations?.[Annotation.RefName] === options.tag) : all;
  if (candidates.length !== 1) {
    const names = all.map((m) => m.annotations?.[Annotation.RefName] ?? m.digest);
    const why = candidates.length ? "it holds several images" : "no such image";
    throw new InputError(
      `Cannot choose an image in "${path}"${options.tag ? ` tagged "${options.tag}"` : ""}: ${why} (${
        names.join(", ") || "empty"
      })`,
      "tag",
    );
  }
  const descriptor = candidates[0]!;
  const readBlob = async (d: Descriptor) => {
    const data = await read(blobPath(d.digest));
    await verifyContent(data, d, `blob "${d.digest}" in "${path}"`);
    return data;
  };
  const bytes = await readBlob(descriptor);
  const parsed = parseManifest(bytes, descriptor.mediaType, `manifest "${descriptor.digest}" in "${path}"`);
  if (parsed.kind !== "manifest") throw new RegistryError(`Image index inside "${path}" is not supported`);
  return await imageFromManifest(bytes, parsed.manifest, descriptor.mediaType, readBlob);
}
