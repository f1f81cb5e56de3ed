/**
 * What a plugin does beyond its ABI, whoever built it (this SDK, Rust with
 * serde, TinyGo, AssemblyScript the way Bifrost's docs build it): the
 * probes behind `bifrost-as check`. Nothing is refused that Bifrost would
 * load; everything found is reported with how sure it is:
 *
 * - `error`: it will fail in Bifrost: the module is invalid or does not
 *   load, a hook fails on a well-formed input (trap, contract, 0 return, its
 *   own error), or memory grows under every free policy.
 * - `warning`: it may fail or lose data in Bifrost: a trap or an error on
 *   input Bifrost sends (Go's `null` for nil maps, byte slices and pointers;
 *   fields the types of Bifrost's Rust example do not name; requests beyond
 *   chat: the Responses
 *   API, embeddings, model lists; a stream's chunks and the HTTP post hook
 *   after it), traps on malformed input (what
 *   Bifrost does after a trap is not documented), fields a pass-through
 *   drops, memory bounded under some free policies only (Bifrost's policy is
 *   not documented), validation warnings.
 * - `info`: outputs that are legal but probably not meant (host notes).
 *
 * Each exported hook gets the inputs of `_check_inputs.ts` through the
 * strict conformance host (free policy `both`, one instance re-created after
 * a trap); memory is {@link checkFreePolicies} on `pre_hook`.
 *
 * @example
 * ```ts
 * import { checkPlugin, formatCheckReport } from "./check.ts";
 * import assert from "node:assert/strict";
 *
 * const report = await checkPlugin(new URL("../../build/hello-world.wasm", import.meta.url), { timeoutMs: 0 });
 * assert.equal(report.name, "hello-world-wasm-typescript");
 * assert.deepEqual(report.findings.filter((f) => f.severity !== "info"), []);
 * assert.match(formatCheckReport(report), /0 errors, 0 warnings/);
 * ```
 *
 * @module
 */
import { HOOK_NAMES, type HookName, type Profile } from "../abi/abi.ts";
import { validateModule } from "../wasm/validate.ts";
import { PluginContractError, PluginError, PluginTimeoutError, PluginTrapError } from "../errors.ts";
import { checkFreePolicies, formatPolicyResult, PluginHost, type PolicyReport } from "../host/host.ts";
import type { PluginSource } from "../host/types.ts";
import type { Engine } from "../host/engine.ts";
import { readPluginOnce } from "../host/plugin_source.ts";
import { PRE_HOOK_ERROR_NOTE } from "../abi/contract.ts";
import { type CaseKind, checkCases, PASS_THROUGH } from "./_check_inputs.ts";
import { jsonDifferences } from "../internal/json_diff.ts";

export type { CaseKind } from "./_check_inputs.ts";

/** How sure a finding is to matter in Bifrost (see the module documentation). */
export type CheckSeverity = "error" | "warning" | "info";

/** One thing the checks found. */
export interface CheckFinding {
  severity: CheckSeverity;
  /** What it is about. */
  topic: "module" | "load" | "hooks" | "malformed-input" | "fields" | "memory";
  message: string;
}

/** How a hook answered one input. */
export type CaseOutcome =
  /** An output that honours the contract. */
  | "ok"
  /** An output with its error field set (`error`, or `hook_error` for post_hook). */
  | "error-output"
  | "trap"
  /** The output broke the hook's contract (or was not JSON, or a 0 return). */
  | "contract"
  | "timeout"
  /** Any other plugin error (the instance could not be re-created, say). */
  | "failed";

/** One hook call of the checks. */
export interface CaseResult {
  /** The export called. */
  hook: HookName;
  id: string;
  label: string;
  kind: CaseKind;
  outcome: CaseOutcome;
  /** The error's message, or the output's error field. */
  detail?: string;
  /** Input fields the returned request/response/error/chunk lacks (`response.chat_response.system_fingerprint`). */
  dropped?: string[];
}

/** What {@link checkPlugin} found. */
export interface CheckReport {
  /** The file checked (its name). */
  source: string;
  /** From `get_name`, when the plugin loaded. */
  name?: string;
  valid: boolean;
  /** The export profiles it satisfies. */
  profiles: Profile[];
  /** The hooks it exports and the checks called. */
  hooks: HookName[];
  cases: CaseResult[];
  /** Memory under every free policy (`pre_hook`), when the plugin loaded. */
  memory?: PolicyReport;
  findings: CheckFinding[];
  errors: number;
  warnings: number;
}

/** Options of {@link checkPlugin}. */
export interface CheckOptions {
  /** The plugin's config for `init`; `{}` when omitted. */
  config?: unknown;
  /** Deadline of each call and of loading, in ms. Default 10000; 0: none (under V8 the plugin then runs in-thread). */
  timeoutMs?: number;
  /** Default `"v8"`. */
  engine?: Engine;
  /** pre_hook calls per free policy in the memory check. Default 400. */
  calls?: number;
}

const SHOWN_PATHS = 8;

/** Runs every check on a plugin; see the module documentation. Throws `PluginError` when it cannot be read. */
export async function checkPlugin(source: PluginSource, options: CheckOptions = {}): Promise<CheckReport> {
  const { bytes, label } = await readPluginOnce(source);
  const findings: CheckFinding[] = [];
  const add = (severity: CheckSeverity, topic: CheckFinding["topic"], message: string) =>
    findings.push({ severity, topic, message });

  const validation = validateModule(bytes, { source: label });
  for (const f of validation.findings) {
    if (f.severity !== "info") add(f.severity, "module", f.message);
  }
  const report: CheckReport = {
    source: label,
    valid: validation.valid,
    profiles: validation.profiles,
    hooks: [],
    cases: [],
    findings,
    errors: 0,
    warnings: 0,
  };

  const notes = new Set<string>();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const hostOptions = {
    label,
    strict: true,
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(timeoutMs > 0 ? { timeoutMs } : {}),
  };
  let host: PluginHost;
  try {
    host = await PluginHost.load(bytes, {
      ...hostOptions,
      onLog: (line) => line.startsWith("host: ") && !line.includes("re-instantiated") && notes.add(line.slice(6)),
    });
  } catch (e) {
    if (!(e instanceof PluginError)) throw e;
    if (validation.valid) add("error", "load", e.message);
    return finish(report);
  }
  report.name = host.name;
  try {
    const httpPre = host.has("http_pre_hook") ? "http_pre_hook" : "http_intercept";
    report.hooks = HOOK_NAMES.filter((h) =>
      host.has(h) && (h === httpPre || (h !== "http_pre_hook" && h !== "http_intercept"))
    );
    for (const c of checkCases()) {
      const hook = c.hook === "http_pre_hook" ? httpPre : c.hook;
      if (!host.has(hook)) continue;
      report.cases.push({ hook, id: c.id, label: c.label, kind: c.kind, ...await call(host, hook, c.input) });
    }
  } finally {
    host.close();
  }
  judgeCases(report.cases, add);
  for (const n of notes) add("info", "hooks", n);

  report.memory = await checkFreePolicies(bytes, "pre_hook", preSample(), {
    ...hostOptions,
    ...(options.calls === undefined ? {} : { calls: options.calls }),
  });
  const unbounded = report.memory.boundedUnder.length === 0;
  for (const flag of report.memory.flags) {
    const severity = unbounded && flag.startsWith("Memory is not")
      ? "error"
      : flag.startsWith("Too few calls")
      ? "info"
      : "warning";
    add(severity, "memory", flag);
  }
  return finish(report);
}

/** The sample pre_hook input. */
function preSample(): unknown {
  return checkCases().find((c) => c.hook === "pre_hook" && c.id === "sample")!.input;
}

/** Calls one hook with one input: its outcome, and the fields its returned data lacks. */
async function call(
  host: PluginHost,
  hook: HookName,
  input: unknown,
): Promise<Pick<CaseResult, "outcome" | "detail" | "dropped">> {
  let output: Record<string, unknown>;
  try {
    output = (await host.call(hook, input)).output as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof PluginError)) throw e;
    const outcome = e instanceof PluginTrapError
      ? "trap"
      : e instanceof PluginContractError
      ? "contract"
      : e instanceof PluginTimeoutError
      ? "timeout"
      : "failed";
    return { outcome, detail: e.message };
  }
  const error = output[hook === "post_hook" ? "hook_error" : "error"];
  if (typeof error === "string" && error !== "") return { outcome: "error-output", detail: error };
  const parsed = typeof input === "string" ? parseOrUndefined(input) : input;
  const dropped = droppedFields(hook, parsed, output);
  return { outcome: "ok", ...(dropped.length ? { dropped } : {}) };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Paths of the input's pass-through fields (a request, response, error or
 * chunk) that the output's replacement lacks. A `null` the output leaves
 * out is no loss (Go reads both as the zero value).
 */
function droppedFields(hook: HookName, input: unknown, output: Record<string, unknown>): string[] {
  if (!isObject(input)) return [];
  const out: string[] = [];
  for (const key of PASS_THROUGH[hook]) {
    const given = input[key];
    const returned = output[key];
    if (!isObject(given) || !isObject(returned) || Object.keys(returned).length === 0) continue;
    for (const d of jsonDifferences(given, returned, "partial")) {
      if (d.kind === "missing" && d.expected !== null) out.push(`${key}.${d.path}`);
    }
  }
  return out;
}

/** Findings from the hook calls: failures on well-formed input, on what Bifrost sends, on malformed input; drops. */
function judgeCases(cases: CaseResult[], add: (s: CheckSeverity, t: CheckFinding["topic"], m: string) => void): void {
  const failed = (c: CaseResult) => c.outcome !== "ok";
  for (const c of cases.filter((c) => c.kind === "sample" && failed(c))) {
    const note = c.hook === "pre_hook" && c.outcome === "error-output" ? ` (${PRE_HOOK_ERROR_NOTE})` : "";
    add("error", "hooks", `${c.hook} ${verb(c)} on ${c.label}: ${brief(c)}${note}`);
  }
  for (
    const c of cases.filter((c) => ["go-nulls", "rich", "kinds", "stream"].includes(c.kind) && failed(c))
  ) {
    add("warning", "hooks", `${c.hook} ${verb(c)} on ${c.label}, which Bifrost may send: ${brief(c)}`);
  }
  const malformed = cases.filter((c) => c.kind === "malformed");
  const failing = malformed.filter((c) => failed(c) && c.outcome !== "error-output");
  if (failing.length) {
    const hooks = [...new Set(failing.map((c) => c.hook))].map((h) =>
      `${h} ${failing.filter((c) => c.hook === h).length}/${malformed.filter((c) => c.hook === h).length}`
    );
    const how = [...new Set(failing.map(verb))].join(" or ");
    const first = failing[0]!;
    add(
      "warning",
      "malformed-input",
      `${capitalise(how)} on ${failing.length} of ${malformed.length} malformed inputs (${hooks.join(", ")}), ` +
        `e.g. ${first.hook} on ${first.label}: ${brief(first)}. What Bifrost does after a trap is not documented ` +
        "(this host re-instantiates the plugin): recognise bad input and answer with the hook's error field instead",
    );
  }
  const drops = new Map<HookName, Set<string>>();
  for (const c of cases) {
    for (const p of c.dropped ?? []) {
      drops.set(c.hook, (drops.get(c.hook) ?? new Set()).add(p.replace(/\[\d+\]/g, "[]")));
    }
  }
  for (const [hook, paths] of drops) {
    const list = [...paths];
    const shown = list.slice(0, SHOWN_PATHS).join(", ");
    const more = list.length > SHOWN_PATHS ? ` and ${list.length - SHOWN_PATHS} more` : "";
    add(
      "warning",
      "fields",
      `${hook} drops ${list.length} input field${
        list.length === 1 ? "" : "s"
      } from what it returns: ${shown}${more}. ` +
        "The value it returns replaces the input's, so Bifrost loses them: keep the fields your types do not name",
    );
  }
}

/** A case's error without the plugin's name and hook, which the finding already gives. */
function brief(c: CaseResult): string {
  return (c.detail ?? "").replace(/^Plugin "[^"]*" (trapped in \S+: )?/, "");
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function verb(c: CaseResult): string {
  switch (c.outcome) {
    case "trap":
      return "traps";
    case "contract":
      return "breaks the output contract";
    case "timeout":
      return "runs out of time";
    case "error-output":
      return "answers an error";
    default:
      return "fails";
  }
}

function finish(report: CheckReport): CheckReport {
  const order: Record<CheckSeverity, number> = { error: 0, warning: 1, info: 2 };
  report.findings.sort((a, b) => order[a.severity] - order[b.severity]);
  report.errors = report.findings.filter((f) => f.severity === "error").length;
  report.warnings = report.findings.filter((f) => f.severity === "warning").length;
  return report;
}

const OUTCOME_TEXT: Record<CaseOutcome, string> = {
  ok: "ok",
  "error-output": "answers an error",
  trap: "TRAP",
  contract: "BREAKS CONTRACT",
  timeout: "TIMEOUT",
  failed: "FAILS",
};

/** The report as text: the module, each hook's answers by kind of input, memory per free policy, the findings. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const who = report.name ? `"${report.name}"` : "(did not load)";
  const profiles = report.profiles.length ? `profiles ${report.profiles.join(", ")}` : "no complete profile";
  lines.push(`${report.source}: ${who}, ${report.valid ? "valid" : "INVALID"} (${profiles})`);
  if (report.cases.length) {
    lines.push("", `Hooks (strict host, free policy "both"):`);
    for (const hook of report.hooks) {
      lines.push(`  ${hook}`);
      for (const c of report.cases.filter((c) => c.hook === hook)) {
        const drops = c.dropped ? `, drops ${c.dropped.length} field${c.dropped.length === 1 ? "" : "s"}` : "";
        lines.push(`    ${`${OUTCOME_TEXT[c.outcome]}${drops}`.padEnd(22)} ${c.kind.padEnd(9)} ${c.label}`);
      }
    }
  }
  if (report.memory) {
    lines.push("", `Memory (${report.memory.hook}, ${report.memory.calls} calls per free policy):`);
    for (const r of report.memory.results) {
      const verdict = formatPolicyResult(r);
      lines.push(`  ${r.policy.padEnd(7)} ${verdict}`);
    }
  }
  if (report.findings.length) {
    lines.push("", "Findings:");
    for (const f of report.findings) lines.push(`  ${f.severity.padEnd(8)}${f.message}`);
  }
  lines.push(
    "",
    `${report.errors} error${report.errors === 1 ? "" : "s"}, ${report.warnings} warning${
      report.warnings === 1 ? "" : "s"
    }`,
  );
  return lines.join("\n");
}

/**
 * What differs between check reports of the same plugin under several
 * engines, against the first: the name it loads under, each probe's
 * outcome (and the fields it drops), each free policy's memory verdict.
 */
export function engineDifferences(reports: readonly (CheckReport & { engine: Engine })[]): string[] {
  const [first, ...others] = reports;
  if (!first) return [];
  const out: string[] = [];
  for (const other of others) {
    if (first.name !== other.name) {
      out.push(`loads as "${first.name}" under ${first.engine}, "${other.name}" under ${other.engine}`);
    }
    for (const c of first.cases) {
      const o = other.cases.find((x) => x.hook === c.hook && x.id === c.id);
      const theirs = o ? `${o.outcome}${o.dropped ? ` (drops ${o.dropped.length})` : ""}` : "not run";
      const ours = `${c.outcome}${c.dropped ? ` (drops ${c.dropped.length})` : ""}`;
      if (ours !== theirs) {
        out.push(`${c.hook} ${c.label}: ${ours} under ${first.engine}, ${theirs} under ${other.engine}`);
      }
    }
    for (const r of first.memory?.results ?? []) {
      const o = other.memory?.results.find((x) => x.policy === r.policy);
      const verdict = (x: typeof r | undefined) => !x ? "not run" : x.error ? "fails" : x.bounded ? "bounded" : "grows";
      if (verdict(r) !== verdict(o)) {
        out.push(
          `memory under "${r.policy}": ${verdict(r)} under ${first.engine}, ${verdict(o)} under ${other.engine}`,
        );
      }
    }
  }
  return out;
}
