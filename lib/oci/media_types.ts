/**
 * The media types and annotation keys the OCI image spec, Docker's image
 * format, the CNCF wasm artifact guidance and this toolkit use.
 *
 * @module
 */

/**
 * Media types of manifests, configs and layers.
 *
 * @example
 * ```ts
 * import { MediaType } from "./media_types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(MediaType.WasmConfig, "application/vnd.wasm.config.v0+json");
 * ```
 */
export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  /** CNCF TAG Runtime wasm artifact config. */
  WasmConfig: "application/vnd.wasm.config.v0+json",
  /** CNCF TAG Runtime wasm artifact layer: the module itself. */
  WasmLayer: "application/wasm",
  /** Istio's single-layer wasm image variant: the layer is the module itself. */
  IstioWasmLayer: "application/vnd.module.wasm.content.layer.v1+wasm",
} as const;

/** Every manifest media type a registry may answer with, for `Accept` headers. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
];

/**
 * Annotation and label keys: the OCI pre-defined ones and this toolkit's.
 *
 * @example
 * ```ts
 * import { Annotation } from "./media_types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(Annotation.PluginName, "dev.bifrost-as.plugin.name");
 * ```
 */
export const Annotation = {
  Title: "org.opencontainers.image.title",
  Version: "org.opencontainers.image.version",
  Created: "org.opencontainers.image.created",
  Source: "org.opencontainers.image.source",
  Revision: "org.opencontainers.image.revision",
  Description: "org.opencontainers.image.description",
  BaseName: "org.opencontainers.image.base.name",
  BaseDigest: "org.opencontainers.image.base.digest",
  /** Names a manifest in an OCI image layout's `index.json` (the tag). */
  RefName: "org.opencontainers.image.ref.name",
  /** The plugin's `get_name()`, the name Bifrost registers it under. */
  PluginName: "dev.bifrost-as.plugin.name",
  /** Where the plugin file sits inside an image's filesystem. */
  PluginPath: "dev.bifrost-as.plugin.path",
  /** Which of the package formats the manifest is. */
  Format: "dev.bifrost-as.format",
} as const;
