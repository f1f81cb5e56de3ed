/**
 * OCI packaging and a registry client: package a plugin as an artifact or image, push it, pull it back verified.
 *
 * @example
 * ```ts
 * import { parseReference } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseReference("ghcr.io/acme/plug:1.0").repository, "acme/plug");
 * ```
 *
 * @module
 */
export { sha256Digest } from "./digest.ts";
export { Annotation, MediaType } from "./media_types.ts";
export {
  type BlobInput,
  createImage,
  type CreateImageOptions,
  type Descriptor,
  type Image,
  type ImageBlob,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from "./image.ts";
export { formatReference, type ImageReference, parseReference } from "./reference.ts";
export {
  CREDENTIAL_ENV,
  type CredentialProvider,
  type Credentials,
  credentialsFromEnv,
  defaultCredentials,
  dockerCredentials,
} from "./auth.ts";
export {
  type FetchedManifest,
  type PushResult,
  RegistryClient,
  type RegistryClientOptions,
  type RegistryEvent,
  type RetryOptions,
} from "./registry.ts";
export { isLayoutArchive, readLayout, writeLayout } from "./layout.ts";
export {
  BIFROST_IMAGE_ENV,
  PACKAGE_FORMATS,
  type PackagedPlugin,
  type PackageFormat,
  type PackageOptions,
  packagePlugin,
  PLUGIN_DIR,
} from "./package.ts";
export { type ExtractedPlugin, extractPlugin, type PulledPlugin, type PullOptions, pullPlugin } from "./pull.ts";
