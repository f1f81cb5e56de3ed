/**
 * A plugin project: build, init, fixture tests, watch and doctor.
 *
 * @example
 * ```ts
 * import { loadFixtures } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const { cases, invalid } = await loadFixtures(new URL("../../fixtures", import.meta.url).pathname);
 * assert.ok(cases.some((c) => c.hook === "pre_hook"));
 * assert.deepEqual(invalid, []);
 * ```
 *
 * @module
 */
export * from "./build.ts";
export * from "./init.ts";
export * from "./fixtures.ts";
export * from "./watch.ts";
export * from "./doctor.ts";
export * from "./check.ts";
