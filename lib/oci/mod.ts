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
export * from "./digest.ts";
export * from "./media_types.ts";
export * from "./image.ts";
export * from "./reference.ts";
export * from "./auth.ts";
export * from "./registry.ts";
export * from "./layout.ts";
export * from "./package.ts";
export * from "./pull.ts";
