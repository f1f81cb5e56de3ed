/**
 * Fixture tests: a plugin's behaviours as JSON files, run through the
 * conformance host under every free policy.
 *
 * A fixture is `fixtures/<hook>/<case>.json` (hook directories may sit in
 * group directories, e.g. `fixtures/recorded/pre_hook/0001-gpt-4o.json`):
 *
 * ```json
 * {
 *   "description": "optional, for people",
 *   "config": { "blocked_models": ["gpt-3.5-turbo"] },
 *   "input": { "context": {}, "request": { "provider": "openai", "model": "gpt-3.5-turbo", "input": [] } },
 *   "expect": { "has_short_circuit": true },
 *   "match": "partial"
 * }
 * ```
 *
 * - `input`: the hook's input; a string is sent as is (to try malformed input).
 *   An HTTP hook's `request` or `response` may give its body as `body_text`
 *   or `body_json` instead of base64 `body`; in `expect` too, where the
 *   output's body is then compared decoded (diffs of a base64 `body` show it
 *   decoded, as `body_text`, whenever it is UTF-8).
 * - `config`: the plugin's `init` config, `{}` when omitted.
 * - `expect`: the hook's output; `match` says how it is compared: `exact`
 *   (the default) or `partial` (objects may have keys `expect` does not name).
 * - Every fixture runs under every free policy ({@link FREE_POLICIES}). The
 *   fixtures of a run share one plugin instance per policy and config, called
 *   in file order, as Bifrost keeps one long-lived instance per plugin.
 * - `update` rewrites each failing `expect` from the output under the first
 *   policy (a partial one keeps only the keys it names), atomically; a
 *   fixture without `expect` gets one. Numbers are kept as written.
 * - A fixture whose `pre_hook` answers a JSON input with a non-empty `error`
 *   and no short-circuit gets a warning: Bifrost only logs that error and
 *   goes on with the request, so it blocks nothing.
 *
 * @example
 * ```ts
 * import { formatFixtureReport, runFixtures } from "./fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/pre_hook`);
 * await Deno.writeTextFile(`${dir}/pre_hook/processed.json`, JSON.stringify({
 *   input: { context: {}, request: { provider: "openai", model: "gpt-4o", input: [] } },
 *   expect: { context: { plugin_processed: true } },
 *   match: "partial",
 * }));
 * // hello-world as `deno task build` builds it; in a plugin project, "build/my-plugin.wasm".
 * const plugin = new URL("../../build/hello-world.wasm", import.meta.url);
 * const report = await runFixtures(plugin, dir);
 * assert.equal(report.passed, 1);
 * assert.match(formatFixtureReport(report), /1 fixture, each under 4 free policies .*: 1 passed, 0 failed/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { HOOK_NAMES, type HookName } from "../abi/abi.ts";
import { FixtureError, PluginError } from "../errors.ts";
import { FREE_POLICIES, type FreePolicy } from "../abi/free_policy.ts";
import { PluginHost } from "../host/host.ts";
import type { PluginSource } from "../host/types.ts";
import type { Engine } from "../host/engine.ts";
import { readPluginOnce } from "../host/plugin_source.ts";
import { diffJson, type MatchMode, projectOnto } from "../internal/json_diff.ts";
import { parseLossless, prettyJson } from "../internal/lossless_json.ts";
import { isFsError, writeFileAtomic } from "../internal/fs.ts";
import { decodeBase64, encodeBase64 } from "../internal/base64.ts";
import { PRE_HOOK_ERROR_NOTE } from "../abi/contract.ts";

/** How a fixture's output is compared: `exact`, or `partial` (objects may have more keys). */
export type FixtureMatch = MatchMode;

/** The contents of a fixture file. */
export interface Fixture {
  /** The hook's input; a string is sent as is. */
  input: unknown;
  /** The plugin's config; `{}` when omitted. */
  config?: Record<string, unknown>;
  /** The expected output; absent only in a fixture waiting for `update`. */
  expect?: unknown;
  /** Default `exact`. */
  match?: FixtureMatch;
  description?: string;
}

/** A fixture file, read and checked. */
export interface FixtureCase {
  /** The path under the fixtures directory without `.json`, e.g. `pre_hook/blocked`. */
  name: string;
  hook: HookName;
  path: string;
  fixture: Fixture;
}

/** What went wrong under some free policies: diff lines, or the plugin's error. */
export interface FixtureProblem {
  policies: FreePolicy[];
  lines: string[];
}

/** The outcome of one fixture file. */
export interface FixtureResult {
  name: string;
  path: string;
  /** `invalid`: the file is not a usable fixture (`problems` says why). */
  status: "passed" | "failed" | "invalid";
  /** Its `expect` was rewritten by `update`. */
  updated: boolean;
  match: FixtureMatch;
  problems: FixtureProblem[];
  /** What passes here but may not do in Bifrost what the fixture suggests (a pre_hook `error` that blocks nothing). */
  warnings?: string[];
  /** It fails under the `double` free policy alone, among others that pass: reported as a warning. */
  probeFailed?: boolean;
}

/** The outcome of {@link runFixtures}. */
export interface FixtureReport {
  results: FixtureResult[];
  passed: number;
  /** Failed or invalid. */
  failed: number;
  updated: number;
  /** Passed, but fail under the `double` free policy alone: a probe that informs (a warning), not a failure. */
  probeWarnings: number;
  policies: FreePolicy[];
}

/** Options of {@link runFixtures}. */
export interface FixtureRunOptions {
  /** Rewrite failing expectations from the plugin's output. */
  update?: boolean;
  /** Only fixtures whose name contains this text. */
  filter?: string;
  /** Default: every policy. */
  policies?: readonly FreePolicy[];
  /**
   * Deadline of each hook call and of loading, in ms. Default 10000; 0: none
   * (under V8 the plugin then runs in-thread).
   */
  timeoutMs?: number;
  /** Default `"v8"`. */
  engine?: Engine;
  /** Plugin logs and host notes. */
  onLog?: (line: string) => void;
}

const FIXTURE_KEYS = ["description", "config", "input", "expect", "match"];

/** Reads every fixture under `dir`, sorted by name. Throws {@link FixtureError} when `dir` cannot be read. */
export async function loadFixtures(dir: string): Promise<{ cases: FixtureCase[]; invalid: FixtureResult[] }> {
  const cases: FixtureCase[] = [];
  const invalid: FixtureResult[] = [];
  let files: { path: string; name: string; hook: HookName | undefined }[];
  try {
    files = await listFixtureFiles(dir, "", undefined);
  } catch (e) {
    if (!isFsError(e)) throw e;
    const reason = e instanceof Deno.errors.NotFound ? "directory not found" : e.message;
    throw new FixtureError(`Cannot read fixtures "${dir}": ${reason}`, { cause: e });
  }
  for (const f of files.sort((a, b) => a.name.localeCompare(b.name))) {
    const bad = (message: string) =>
      invalid.push({
        name: f.name,
        path: f.path,
        status: "invalid",
        updated: false,
        match: "exact",
        problems: [{ policies: [], lines: [message] }],
      });
    if (!f.hook) {
      bad(`Not in a hook directory: put it in a directory named after its hook (${HOOK_NAMES.join(", ")})`);
      continue;
    }
    const parsed = parseFixture(await Deno.readTextFile(f.path));
    if (typeof parsed === "string") bad(parsed);
    else cases.push({ name: f.name, hook: f.hook, path: f.path, fixture: parsed });
  }
  return { cases, invalid };
}

async function listFixtureFiles(
  dir: string,
  prefix: string,
  hook: HookName | undefined,
): Promise<{ path: string; name: string; hook: HookName | undefined }[]> {
  const out: { path: string; name: string; hook: HookName | undefined }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory && !hook) {
      const h = HOOK_NAMES.includes(entry.name as HookName) ? entry.name as HookName : undefined;
      out.push(...await listFixtureFiles(path, `${name}/`, h));
    } else if (entry.isFile && entry.name.endsWith(".json")) {
      out.push({ path, name: name.slice(0, -".json".length), hook });
    }
  }
  return out;
}

/** What a JSON value is, for messages: `a number`, `an array`, `null`. */
function kindOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * Whether a parsed JSON file is meant as a fixture rather than a hook's
 * input: an object with `input` whose keys are all fixture keys.
 */
export function looksLikeFixture(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.includes("input") && keys.every((k) => FIXTURE_KEYS.includes(k));
}

/** The HTTP objects of a hook's input and output, whose `body` is base64: `request`, `response`. */
const HTTP_OBJECTS = ["request", "response"] as const;
const HTTP_HOOKS: readonly HookName[] = ["http_intercept", "http_pre_hook", "http_post_hook", "http_stream_chunk_hook"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A copy of an HTTP hook's input or output whose HTTP objects (`request`,
 * `response`) are copies too, to rewrite their bodies; other values shared.
 */
function withHttpCopies(hook: HookName, value: unknown): { value: unknown; http: Record<string, unknown>[] } {
  if (!HTTP_HOOKS.includes(hook) || !isRecord(value)) return { value, http: [] };
  const copy: Record<string, unknown> = { ...value };
  const http: Record<string, unknown>[] = [];
  for (const k of HTTP_OBJECTS) {
    const o = copy[k];
    if (isRecord(o)) http.push(copy[k] = { ...o });
  }
  return { value: copy, http };
}

/**
 * The text a fixture sends to its hook: a string input as is, else its
 * JSON, where an HTTP hook's `request` or `response` may give its body as
 * `body_text` (sent as the base64 of its UTF-8) or `body_json` (of its JSON).
 */
export function fixtureInputText(fixture: Pick<Fixture, "input">, hook: HookName): string {
  if (typeof fixture.input === "string") return fixture.input;
  const { value: input, http } = withHttpCopies(hook, fixture.input);
  for (const o of http) {
    if ("body_text" in o) o.body = encodeBase64(utf8.encode(String(o.body_text)));
    else if ("body_json" in o) o.body = encodeBase64(utf8.encode(JSON.stringify(o.body_json)));
    delete o.body_text;
    delete o.body_json;
  }
  return JSON.stringify(input);
}

/** A base64 body's text, when it is base64 of valid UTF-8. */
function decodedBody(body: unknown): string | undefined {
  if (typeof body !== "string") return undefined;
  try {
    return strictUtf8.decode(decodeBase64(body));
  } catch {
    return undefined;
  }
}

/**
 * `expect` and `output` with HTTP bodies compared as text or JSON: where
 * `expect` gives `body_json`, the output's body is parsed as JSON; where it
 * gives `body_text` or a base64 `body`, both are decoded to `body_text`
 * (when they are UTF-8), so a diff shows what the body says.
 */
function decodeBodies(hook: HookName, expect: unknown, output: unknown): [unknown, unknown] {
  const e = withHttpCopies(hook, expect).value, o = withHttpCopies(hook, output).value;
  if (!HTTP_HOOKS.includes(hook) || !isRecord(e) || !isRecord(o)) return [e, o];
  for (const key of HTTP_OBJECTS) {
    const want = e[key], got = o[key];
    if (!isRecord(want) || !isRecord(got) || typeof got.body !== "string") continue;
    const text = decodedBody(got.body);
    if (text === undefined) continue;
    if ("body_json" in want) {
      try {
        got.body_json = JSON.parse(text);
      } catch {
        got.body_text = text;
      }
      delete got.body;
    } else if ("body_text" in want || (typeof want.body === "string" && decodedBody(want.body) !== undefined)) {
      if (typeof want.body === "string") {
        want.body_text = decodedBody(want.body);
        delete want.body;
      }
      got.body_text = text;
      delete got.body;
    }
  }
  return [e, o];
}

/** The diff lines of an output against an expectation, HTTP bodies decoded (see {@link decodeBodies}). */
function compareOutput(hook: HookName, expect: unknown, output: unknown, match: FixtureMatch): string[] {
  const [e, o] = decodeBodies(hook, expect, output);
  return diffJson(e, o, match);
}

/** The diff lines of `output` against the fixture's `expect` (empty when it matches; `undefined` without one). */
export function diffAgainstExpect(fixture: Fixture, output: unknown, hook: HookName): string[] | undefined {
  return fixture.expect === undefined
    ? undefined
    : compareOutput(hook, fixture.expect, output, fixture.match ?? "exact");
}

/**
 * Checks a fixture file's text; returns the fixture or what is wrong with it.
 *
 * @example
 * ```ts
 * import { parseFixture } from "./fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   parseFixture('{"input": 42, "expect": {}}'),
 *   `"input" must be the hook's input object (or a string, sent as is), found a number`,
 * );
 * ```
 */
export function parseFixture(text: string): Fixture | string {
  let value: unknown;
  try {
    value = parseLossless(text);
  } catch (e) {
    return `Invalid JSON: ${(e as Error).message}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `Expected an object with "input" and "expect", found ${Array.isArray(value) ? "an array" : typeof value}`;
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !FIXTURE_KEYS.includes(k));
  if (unknown !== undefined) return `Unknown key "${unknown}": expected ${FIXTURE_KEYS.join(", ")}`;
  if (!("input" in o)) return `Missing "input": the hook's input`;
  if (typeof o.input !== "string" && (typeof o.input !== "object" || o.input === null || Array.isArray(o.input))) {
    return `"input" must be the hook's input object (or a string, sent as is), found ${kindOf(o.input)}`;
  }
  if (o.match !== undefined && o.match !== "exact" && o.match !== "partial") {
    return `Invalid "match" ${JSON.stringify(o.match)}: expected "exact" or "partial"`;
  }
  if (o.config !== undefined && (typeof o.config !== "object" || o.config === null || Array.isArray(o.config))) {
    return `Invalid "config": expected an object`;
  }
  if (o.description !== undefined && typeof o.description !== "string") {
    return `Invalid "description": expected a string`;
  }
  return o as unknown as Fixture;
}

/**
 * Runs the fixtures under `dir` against a plugin under every free policy
 * (see the module documentation). Throws {@link FixtureError} when there
 * are no fixtures to run, `PluginError` when the plugin cannot be read.
 */
export async function runFixtures(
  plugin: PluginSource,
  dir: string,
  options: FixtureRunOptions = {},
): Promise<FixtureReport> {
  const policies = [...(options.policies ?? FREE_POLICIES)];
  const { cases: all, invalid: allInvalid } = await loadFixtures(dir);
  const keep = (name: string) => options.filter === undefined || name.includes(options.filter);
  const cases = all.filter((c) => keep(c.name));
  const invalid = allInvalid.filter((r) => keep(r.name));
  if (cases.length + invalid.length === 0) {
    const what = options.filter === undefined ? "" : ` matching "${options.filter}"`;
    throw new FixtureError(`No fixtures${what} in "${dir}": add files named ${dir}/<hook>/<case>.json`);
  }
  const { bytes, label } = await readPluginOnce(plugin);
  const hosts = new HostPool(bytes, label, options);
  const results: FixtureResult[] = [...invalid];
  try {
    for (const c of cases) results.push(await runCase(c, hosts, policies, options.update ?? false));
  } finally {
    hosts.close();
  }
  results.sort((a, b) => a.name.localeCompare(b.name));
  const count = (s: FixtureResult["status"]) => results.filter((r) => r.status === s).length;
  return {
    results,
    passed: count("passed"),
    failed: count("failed") + count("invalid"),
    updated: results.filter((r) => r.updated).length,
    probeWarnings: results.filter((r) => r.probeFailed).length,
    policies,
  };
}

/** One instance per (policy, config), loaded on first use; a config the plugin refuses is remembered as its error. */
class HostPool {
  #hosts = new Map<string, Promise<PluginHost | PluginError>>();
  constructor(private bytes: Uint8Array, private label: string, private options: FixtureRunOptions) {}

  get(policy: FreePolicy, config: Record<string, unknown> | undefined): Promise<PluginHost | PluginError> {
    const key = `${policy}\n${JSON.stringify(config ?? {})}`;
    let host = this.#hosts.get(key);
    if (!host) {
      const timeoutMs = this.options.timeoutMs ?? 10_000;
      host = PluginHost.load(this.bytes, {
        label: this.label,
        config: config ?? {},
        freePolicy: policy,
        strict: true,
        ...(this.options.engine ? { engine: this.options.engine } : {}),
        ...(timeoutMs > 0 ? { timeoutMs } : {}),
        ...(this.options.onLog ? { onLog: this.options.onLog } : {}),
      }).catch((e) => {
        if (e instanceof PluginError) return e;
        throw e;
      });
      this.#hosts.set(key, host);
    }
    return host;
  }

  close(): void {
    for (const h of this.#hosts.values()) h.then((x) => x instanceof PluginHost && x.close(), () => {});
  }
}

type Outcome = { output: unknown } | { error: string };

async function runCase(
  c: FixtureCase,
  hosts: HostPool,
  policies: FreePolicy[],
  update: boolean,
): Promise<FixtureResult> {
  const match = c.fixture.match ?? "exact";
  const input = fixtureInputText(c.fixture, c.hook);
  const outcomes: Outcome[] = [];
  for (const policy of policies) outcomes.push(await callOnce(hosts, policy, c, input));

  let expect = c.fixture.expect;
  let updated = false;
  const first = outcomes[0];
  const stale = expect === undefined ||
    outcomes.some((o) => "error" in o || compareOutput(c.hook, expect, o.output, match).length);
  if (update && stale && first && "output" in first) {
    const next = expect === undefined || match === "exact" ? first.output : projectOnto(expect, first.output);
    if (expect === undefined || diffJson(expect, next, "exact").length) {
      await writeExpect(c, next);
      expect = next;
      updated = true;
    }
  }

  const byText = new Map<string, FixtureProblem>();
  outcomes.forEach((o, i) => {
    const lines = "error" in o
      ? [o.error]
      : expect === undefined
      ? [`Missing "expect": run with --update to record the output`]
      : compareOutput(c.hook, expect, o.output, match);
    if (lines.length === 0) return;
    const key = lines.join("\n");
    const problem = byText.get(key) ?? { policies: [], lines };
    problem.policies.push(policies[i]!);
    byText.set(key, problem);
  });
  let problems = [...byText.values()];
  const firstOk = outcomes.find((o): o is { output: unknown } => "output" in o);
  const warnings = firstOk ? outputWarnings(c, firstOk.output) : [];
  // Bifrost cannot be freeing twice (its own Rust example would crash): a failure under "double" alone, when other
  // policies ran and passed, informs; it is not the plugin failing its fixture.
  const probe = policies.length > 1 && problems.length > 0 &&
    problems.every((p) => p.policies.length === 1 && p.policies[0] === "double");
  if (probe) {
    const lines = problems.flatMap((p) => p.lines).join("; ");
    const why = lines.includes("a probe") ? "" : ", a probe (Bifrost does not free a buffer twice)";
    warnings.unshift(`fails under the "double" free policy only${why}: ${lines}`);
    problems = [];
  }
  return {
    name: c.name,
    path: c.path,
    status: problems.length ? "failed" : "passed",
    updated,
    match,
    problems,
    ...(warnings.length ? { warnings } : {}),
    ...(probe ? { probeFailed: true } : {}),
  };
}

/** A pre_hook that answers well-formed input with an error and no short-circuit, likely meaning to block it. */
function outputWarnings(c: FixtureCase, output: unknown): string[] {
  if (c.hook !== "pre_hook" || typeof c.fixture.input !== "object" || c.fixture.input === null) return [];
  const o = output as { error?: unknown; has_short_circuit?: unknown } | null;
  if (typeof o?.error !== "string" || o.error === "" || o.has_short_circuit === true) return [];
  return [`pre_hook answers with error ${JSON.stringify(o.error)}: ${PRE_HOOK_ERROR_NOTE} (output.reject(...))`];
}

async function callOnce(hosts: HostPool, policy: FreePolicy, c: FixtureCase, input: string): Promise<Outcome> {
  const host = await hosts.get(policy, c.fixture.config);
  if (host instanceof PluginError) return { error: host.message };
  try {
    const { raw } = await host.call(c.hook, input);
    return { output: parseLossless(raw) };
  } catch (e) {
    if (e instanceof PluginError) return { error: e.message };
    throw e;
  }
}

/** Rewrites the fixture file with a new `expect`, keeping its other keys in place. */
async function writeExpect(c: FixtureCase, expect: unknown): Promise<void> {
  const entries = Object.entries(c.fixture as unknown as Record<string, unknown>);
  const i = entries.findIndex(([k]) => k === "expect");
  if (i >= 0) entries[i] = ["expect", expect];
  else entries.splice(entries.findIndex(([k]) => k === "input") + 1, 0, ["expect", expect]);
  await writeFileAtomic(c.path, prettyJson(Object.fromEntries(entries)));
}

/**
 * A readable report: one line per fixture (per failing or updated one with
 * `failuresOnly`), the diff of each failure, a summary. Paths are shown
 * relative to `cwd` (default: the current directory).
 */
export function formatFixtureReport(
  report: FixtureReport,
  options: { cwd?: string; failuresOnly?: boolean } = {},
): string {
  const cwd = options.cwd ?? Deno.cwd();
  const rel = (p: string) => p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p;
  const lines: string[] = [];
  for (const r of report.results) {
    if (options.failuresOnly && r.status === "passed" && !r.updated && !r.warnings) continue;
    if (r.status === "invalid") {
      lines.push(`INVALID ${rel(r.path)}: ${r.problems[0]?.lines[0]}`);
      continue;
    }
    const tag = r.status === "passed" ? (r.updated ? "updated" : "ok") : "FAIL";
    lines.push(`${tag.padEnd(7)} ${r.name}${r.status === "failed" ? `  (${rel(r.path)}, ${r.match} match)` : ""}`);
    for (const p of r.problems) {
      const under = p.policies.length === report.policies.length
        ? "under every free policy"
        : `under free ${p.policies.length === 1 ? "policy" : "policies"} ${p.policies.join(", ")}`;
      lines.push(`          ${under}:`, ...p.lines.map((l) => `          ${l}`));
    }
    for (const w of r.warnings ?? []) lines.push(`          warning: ${w}`);
  }
  const n = report.results.length;
  const updated = report.updated ? `, ${report.updated} updated` : "";
  const probes = report.probeWarnings
    ? `; ${report.probeWarnings} fail${report.probeWarnings === 1 ? "s" : ""} only under the "double" probe (a warning)`
    : "";
  if (lines.length) lines.push("");
  lines.push(
    `${n} fixture${n === 1 ? "" : "s"}, each under ${report.policies.length} free ${
      report.policies.length === 1 ? "policy" : "policies"
    } (${report.policies.join(", ")}): ${report.passed} passed, ${report.failed} failed${updated}${probes}`,
  );
  return lines.join("\n");
}
