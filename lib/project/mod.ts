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
export {
  type BuildOptions,
  buildPlugin,
  type BuildResult,
  DEFAULT_DEBUG_OUT,
  DEFAULT_ENTRY,
  DEFAULT_OUT,
  MAX_INPUT_MB_RANGE,
} from "./build.ts";
export { type InitOptions, initProject, type InitResult } from "./init.ts";
export {
  type Fixture,
  type FixtureCase,
  type FixtureMatch,
  type FixtureProblem,
  type FixtureReport,
  type FixtureResult,
  type FixtureRunOptions,
  formatFixtureReport,
  loadFixtures,
  runFixtures,
} from "./fixtures.ts";
export { type WatchEvent, type WatchOptions, watchPlugin } from "./watch.ts";
export {
  type CheckStatus,
  type DoctorCheck,
  doctorExitCode,
  type DoctorOptions,
  formatDoctor,
  runDoctor,
} from "./doctor.ts";
export {
  type CaseKind,
  type CaseOutcome,
  type CaseResult,
  type CheckFinding,
  type CheckOptions,
  checkPlugin,
  type CheckReport,
  type CheckSeverity,
  formatCheckReport,
} from "./check.ts";
