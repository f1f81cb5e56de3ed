/**
 * The plugin the end-to-end checks exercise, and what they expect of it.
 * Expectations are stated, never inferred from a plugin's name: by the
 * command line (`--expect mock,rate-limit,suffix`, `--model-suffix`,
 * `--error-suffix`, `--kinds`), by an expectations file
 * (`--expect-file bifrost-as.expect.json`), or, for hello-world when the
 * suite runs it by default, by {@link HELLO_WORLD} below. With none stated
 * a plugin is held only to what every correct plugin does: pass every
 * request and answer through unchanged on every route, streamed or not,
 * errors included, and keep serving.
 *
 * The behaviours a plugin may be expected to have are those of Bifrost's
 * hello-world examples as this toolkit's hello-world implements them:
 *
 * - `mock`: `mock-model` is answered by the plugin ("This is a mock
 *   response!", usage 10/15/25), the upstream sees nothing;
 * - `rate-limit`: `rate-limited-model` is refused with 429 and type
 *   `rate_limit`;
 * - `suffix`: the post hook appends `modelSuffix` to every answer's model
 *   and `errorSuffix` to every error's message.
 *
 * An expectations file is JSON:
 *
 * ```json
 * { "expect": ["mock", "rate-limit", "suffix"], "model_suffix": " (via rust-wasm)",
 *   "error_suffix": " (via rust plugin)", "kinds": ["chat"] }
 * ```
 *
 * @module
 */

import type { RequestKindName } from "../lib/abi/request_kinds.ts";
import { UsageError } from "../lib/errors.ts";

/** A request kind Bifrost runs a plugin's LLM hooks for. */
export type PluginKind = Exclude<RequestKindName, "unknown">;

/** Every kind, in the order checks meet them. */
export const PLUGIN_KINDS: readonly PluginKind[] = ["chat", "text_completion", "responses", "embedding", "list_models"];

/** A behaviour a plugin may be expected to have (see the module documentation). */
export type Behaviour = "mock" | "rate-limit" | "suffix";

/** Every behaviour. */
export const BEHAVIOURS: readonly Behaviour[] = ["mock", "rate-limit", "suffix"];

/** The plugin under test and what the checks expect of it. */
export interface PluginUnderTest {
  /** A short label for the output: its `get_name`, or `hello-world`. */
  label: string;
  /** The behaviours it is expected to have; none for a plugin of which nothing is stated. */
  behaviours: readonly Behaviour[];
  /** What its post hook appends to a response's `model`: `""` unless `suffix` is expected. */
  modelSuffix: string;
  /** What its post hook appends to an error's `message`: `""` unless `suffix` is expected. */
  errorSuffix: string;
  /**
   * The kinds it handles: passes through, and has its behaviours for. A
   * check that needs another kind is reported as skipped, with the reason,
   * never as passed. Every kind unless stated otherwise.
   */
  kinds: readonly PluginKind[];
  /** Where the expectations came from, for the output. */
  source: string;
}

/** This repository's hello-world plugin (`assembly/hello_world.ts`), what the suite runs by default. */
export const HELLO_WORLD: PluginUnderTest = {
  label: "hello-world",
  behaviours: BEHAVIOURS,
  modelSuffix: " (via assemblyscript-wasm)",
  errorSuffix: " (via assemblyscript plugin)",
  kinds: PLUGIN_KINDS,
  source: "hello-world's, stated in integration/plugin_under_test.ts",
};

/** What is stated on the command line or in a file, before it is checked and completed. */
export interface StatedExpectations {
  behaviours?: Behaviour[];
  modelSuffix?: string;
  errorSuffix?: string;
  kinds?: PluginKind[];
}

const FILE_KEYS = ["expect", "model_suffix", "error_suffix", "kinds", "description"];

/**
 * Reads an expectations file (see the module documentation). Throws
 * `UsageError` naming the file and what is wrong.
 *
 * @example
 * ```ts
 * import { parseExpectationsFile } from "./plugin_under_test.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseExpectationsFile('{"expect":["mock"],"kinds":["chat"]}', "x.json"), {
 *   behaviours: ["mock"],
 *   kinds: ["chat"],
 * });
 * assert.throws(() => parseExpectationsFile('{"expect":["mocks"]}', "x.json"), {
 *   message: 'Invalid expectations file "x.json": unknown behaviour "mocks" in "expect" (expected mock, rate-limit, suffix)',
 * });
 * ```
 */
export function parseExpectationsFile(text: string, path: string): StatedExpectations {
  const bad = (why: string) => new UsageError(`Invalid expectations file "${path}": ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("expected a JSON object");
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !FILE_KEYS.includes(k));
  if (unknown !== undefined) throw bad(`unknown key "${unknown}" (expected ${FILE_KEYS.join(", ")})`);
  const strings = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw bad(`"${key}" must be an array of strings`);
    return v;
  };
  const string = (key: string): string | undefined => {
    const v = o[key];
    if (v !== undefined && typeof v !== "string") throw bad(`"${key}" must be a string`);
    return v;
  };
  const stated: StatedExpectations = {};
  const behaviours = strings("expect");
  if (behaviours) {
    stated.behaviours = parseList(
      behaviours,
      BEHAVIOURS,
      (x) => bad(`unknown behaviour "${x}" in "expect" (expected ${BEHAVIOURS.join(", ")})`),
    );
  }
  const kinds = strings("kinds");
  if (kinds) {
    stated.kinds = parseList(
      kinds,
      PLUGIN_KINDS,
      (x) => bad(`unknown kind "${x}" in "kinds" (expected ${PLUGIN_KINDS.join(", ")})`),
    );
  }
  const model = string("model_suffix");
  if (model !== undefined) stated.modelSuffix = model;
  const error = string("error_suffix");
  if (error !== undefined) stated.errorSuffix = error;
  return stated;
}

/** `--expect mock,suffix`: known behaviours only. */
export function parseBehaviours(text: string): Behaviour[] {
  const items = text.split(",").map((x) => x.trim()).filter((x) => x !== "" && x !== "none");
  return parseList(
    items,
    BEHAVIOURS,
    (x) => new UsageError(`Unknown behaviour "${x}" in --expect: expected ${BEHAVIOURS.join(", ")} (or none)`),
  );
}

/** `--kinds chat,responses`: known kinds only. */
export function parseKinds(text: string): PluginKind[] {
  return parseList(
    text.split(",").map((x) => x.trim()),
    PLUGIN_KINDS,
    (x) => new UsageError(`Unknown kind "${x}" in --kinds: expected ${PLUGIN_KINDS.join(", ")}`),
  );
}

function parseList<T extends string>(items: string[], known: readonly T[], fail: (item: string) => Error): T[] {
  return [
    ...new Set(items.map((x) => {
      const found = known.find((k) => k === x);
      if (!found) throw fail(x);
      return found;
    })),
  ];
}

/**
 * The plugin under test from what was stated: `fromFlags` wins over
 * `fromFile`. Throws `UsageError` when `suffix` is expected without both
 * suffixes, or suffixes are given without `suffix`.
 */
export function pluginUnderTest(
  label: string,
  fromFile: StatedExpectations | undefined,
  fromFlags: StatedExpectations,
  sources: string[],
): PluginUnderTest {
  const merged = {
    ...fromFile,
    ...Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined)),
  } as StatedExpectations;
  const behaviours = merged.behaviours ?? [];
  const suffix = behaviours.includes("suffix");
  if (suffix && (merged.modelSuffix === undefined || merged.errorSuffix === undefined)) {
    throw new UsageError(
      "--expect suffix needs --model-suffix and --error-suffix (what the post hook appends), or an expectations file with model_suffix and error_suffix",
    );
  }
  if (!suffix && (merged.modelSuffix !== undefined || merged.errorSuffix !== undefined)) {
    throw new UsageError(
      '--model-suffix and --error-suffix describe the suffix behaviour: add suffix to --expect (or to the file\'s "expect")',
    );
  }
  return {
    label,
    behaviours: BEHAVIOURS.filter((b) => behaviours.includes(b)),
    modelSuffix: suffix ? merged.modelSuffix! : "",
    errorSuffix: suffix ? merged.errorSuffix! : "",
    kinds: merged.kinds ?? PLUGIN_KINDS,
    source: sources.length ? `from ${sources.join(", ")}` : "none stated",
  };
}

/**
 * One line on what the suite expects of the plugin and why.
 *
 * @example
 * ```ts
 * import { describeExpectations, HELLO_WORLD } from "./plugin_under_test.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(describeExpectations(HELLO_WORLD), /^mock, rate-limit, suffix \(model " \(via assemblyscript-wasm\)"/);
 * ```
 */
export function describeExpectations(p: PluginUnderTest): string {
  const kinds = p.kinds.length === PLUGIN_KINDS.length ? "every kind" : p.kinds.join(", ");
  if (p.behaviours.length === 0) {
    return `none stated (--expect, --expect-file): the checks every correct plugin must pass ` +
      `(pass-through fidelity on every route, streams, errors, robustness); kinds: ${kinds} (${p.source})`;
  }
  const suffix = p.behaviours.includes("suffix")
    ? ` (model ${JSON.stringify(p.modelSuffix)}, error ${JSON.stringify(p.errorSuffix)})`
    : "";
  return `${p.behaviours.join(", ")}${suffix}; kinds: ${kinds} (${p.source})`;
}
