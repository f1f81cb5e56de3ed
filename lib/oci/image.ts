/**
 * The image model shared by packaging, OCI image layouts and the registry
 * client: descriptors, manifests, and an {@link Image} whose blobs are read
 * on demand (from memory, a layout, or a registry).
 *
 * @module
 */
import { RegistryError } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { MediaType } from "./media_types.ts";

/** A content descriptor: what a manifest says about one blob. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
  urls?: string[];
}

/** An image platform, as image indexes and configs name it. */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
}

/** An OCI (or Docker schema 2) image manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index (or Docker manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** One blob of an image: its descriptor and a way to read its verified bytes. */
export interface ImageBlob {
  descriptor: Descriptor;
  /** Returns the blob's bytes, checked against the descriptor's digest and size. */
  read(): Promise<Uint8Array>;
  /** Where the blob already lives, so a push to the same registry can mount it instead of uploading. */
  source?: { registry: string; repository: string };
}

/** A single-platform image: its exact manifest bytes and its blobs. */
export interface Image {
  /** Manifest media type (also the `Content-Type` it is pushed with). */
  mediaType: string;
  manifest: ImageManifest;
  /** The exact bytes the digest is computed over. */
  manifestBytes: Uint8Array;
  /** Digest of {@link Image.manifestBytes}. */
  digest: string;
  config: ImageBlob;
  layers: ImageBlob[];
}

/** Content for {@link createImage}: bytes with their media type. */
export interface BlobInput {
  mediaType: string;
  data: Uint8Array;
  annotations?: Record<string, string>;
}

/**
 * A blob held in memory. Its digest and size come from `data`.
 *
 * @example
 * ```ts
 * import { memoryBlob } from "./image.ts";
 * import assert from "node:assert/strict";
 * const blob = await memoryBlob({ mediaType: "application/wasm", data: new Uint8Array([0, 97, 115, 109]) });
 * assert.equal(blob.descriptor.size, 4);
 * assert.match(blob.descriptor.digest, /^sha256:/);
 * ```
 */
export async function memoryBlob(input: BlobInput): Promise<ImageBlob> {
  const descriptor: Descriptor = {
    mediaType: input.mediaType,
    digest: await sha256Digest(input.data),
    size: input.data.length,
    ...(input.annotations && Object.keys(input.annotations).length ? { annotations: input.annotations } : {}),
  };
  const data = input.data;
  return { descriptor, read: () => Promise.resolve(data) };
}

/** Options of {@link createImage}. */
export interface CreateImageOptions {
  /** Manifest media type: OCI (default) or Docker schema 2. */
  mediaType?: string;
  annotations?: Record<string, string>;
  artifactType?: string;
}

/**
 * Builds an image from a config and layers, which may be in-memory
 * {@link BlobInput}s or existing {@link ImageBlob}s (e.g. a base image's
 * layers, read only when pushed or written).
 *
 * @example
 * ```ts
 * import { createImage, MediaType } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const image = await createImage(
 *   { mediaType: MediaType.WasmConfig, data: new TextEncoder().encode("{}") },
 *   [{ mediaType: MediaType.WasmLayer, data: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }],
 * );
 * assert.equal(image.manifest.layers[0]?.size, 8);
 * assert.equal(image.mediaType, MediaType.OciManifest);
 * ```
 */
export async function createImage(
  config: BlobInput | ImageBlob,
  layers: (BlobInput | ImageBlob)[],
  options: CreateImageOptions = {},
): Promise<Image> {
  const toBlob = (b: BlobInput | ImageBlob) => "descriptor" in b ? Promise.resolve(b) : memoryBlob(b);
  const configBlob = await toBlob(config);
  const layerBlobs = await Promise.all(layers.map(toBlob));
  const mediaType = options.mediaType ?? MediaType.OciManifest;
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: configBlob.descriptor,
    layers: layerBlobs.map((l) => l.descriptor),
    ...(options.annotations && Object.keys(options.annotations).length ? { annotations: options.annotations } : {}),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    mediaType,
    manifest,
    manifestBytes,
    digest: await sha256Digest(manifestBytes),
    config: configBlob,
    layers: layerBlobs,
  };
}

/** Every blob of `image`, config first. */
export function imageBlobs(image: Image): ImageBlob[] {
  return [image.config, ...image.layers];
}

/** Parses JSON bytes, or throws a {@link RegistryError} naming `what`. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new RegistryError(`Cannot parse ${what}: ${(e as Error).message}`);
  }
}

function isDescriptor(v: unknown): v is Descriptor {
  const d = v as Descriptor;
  return typeof d === "object" && d !== null && typeof d.mediaType === "string" && typeof d.digest === "string" &&
    Number.isSafeInteger(d.size) && d.size >= 0;
}

/** A parsed manifest: either one image manifest or an index of them. */
export type ParsedManifest = { kind: "manifest"; manifest: ImageManifest } | { kind: "index"; index: ImageIndex };

/**
 * Parses manifest bytes of `mediaType` (or of the `mediaType` field inside,
 * when the transport did not say), checking the shape this toolkit relies on.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string | undefined, what: string): ParsedManifest {
  const value = parseJson(bytes, what) as Record<string, unknown>;
  if (typeof value !== "object" || value === null || value.schemaVersion !== 2) {
    throw new RegistryError(`Unsupported ${what}: schemaVersion must be 2`);
  }
  const type = mediaType && mediaType !== "application/json" ? mediaType : value.mediaType as string | undefined;
  const isIndex = type === MediaType.OciIndex || type === MediaType.DockerManifestList ||
    (type === undefined && Array.isArray(value.manifests));
  if (isIndex) {
    if (!Array.isArray(value.manifests) || !value.manifests.every(isDescriptor)) {
      throw new RegistryError(`Malformed ${what}: "manifests" must be a list of descriptors`);
    }
    return { kind: "index", index: value as unknown as ImageIndex };
  }
  if (type !== undefined && type !== MediaType.OciManifest && type !== MediaType.DockerManifest) {
    throw new RegistryError(`Unsupported ${what}: media type "${type}"`);
  }
  if (!isDescriptor(value.config) || !Array.isArray(value.layers) || !value.layers.every(isDescriptor)) {
    throw new RegistryError(`Malformed ${what}: "config" and "layers" must be descriptors`);
  }
  return { kind: "manifest", manifest: value as unknown as ImageManifest };
}

/**
 * An {@link Image} from exact manifest bytes, with blobs read through
 * `readBlob` (which must verify them) and tagged with `source` for mounts.
 */
export async function imageFromManifest(
  manifestBytes: Uint8Array,
  manifest: ImageManifest,
  mediaType: string,
  readBlob: (d: Descriptor) => Promise<Uint8Array>,
  source?: ImageBlob["source"],
): Promise<Image> {
  const blob = (descriptor: Descriptor): ImageBlob => ({
    descriptor,
    read: () => readBlob(descriptor),
    ...(source ? { source } : {}),
  });
  return {
    mediaType,
    manifest,
    manifestBytes,
    digest: await sha256Digest(manifestBytes),
    config: blob(manifest.config),
    layers: manifest.layers.map(blob),
  };
}
