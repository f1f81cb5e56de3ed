/**
 * Checks a module against Bifrost's WASM plugin ABI without running it:
 * exports and their signatures, memory, imports, export profiles.
 *
 * @module
 */
import {
  ENV_IMPORT_FIXES,
  EXPORT_SIGNATURES,
  formatSignature,
  FREE_SIGNATURES,
  HOOK_NAMES,
  importProblem,
  OPTIONAL_EXPORTS,
  type Profile,
  PROFILES,
  REQUIRED_EXPORTS,
  sameSignature,
  type Signature,
  WASI_FUNCTIONS,
  WASI_MODULE,
} from "../abi/abi.ts";
import { InputError } from "../errors.ts";
import { FileTooLargeError, readFileCapped } from "../internal/fs.ts";
import { type ExternKind, parseWasm, type WasmInfo, type WasmMemory } from "./wasm_binary.ts";

/** The profile a module is checked against; `any` accepts either. */
export type ProfileOption = Profile | "any";

/** Every accepted value of {@link ValidateOptions.profile}. */
export const PROFILE_OPTIONS: readonly ProfileOption[] = [...Object.keys(PROFILES) as Profile[], "any"];

/**
 * Checks a profile name, e.g. from the command line. Throws `InputError`
 * for anything but {@link PROFILE_OPTIONS}.
 *
 * @example
 * ```ts
 * import { parseProfile } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseProfile("legacy"), "legacy");
 * assert.throws(() => parseProfile("new"), { message: 'Unknown profile "new": expected legacy, current, any' });
 * ```
 */
export function parseProfile(value: string): ProfileOption {
  const found = PROFILE_OPTIONS.find((p) => p === value);
  if (!found) throw new InputError(`Unknown profile "${value}": expected ${PROFILE_OPTIONS.join(", ")}`, "profile");
  return found;
}

/** Options of {@link validateModule}. */
export interface ValidateOptions {
  /** Default `any`: valid when either profile is complete. */
  profile?: ProfileOption;
  /** Names the module in messages and in the report (usually its path). */
  source?: string;
}

/** How bad a finding is: only errors make a module invalid. */
export type Severity = "error" | "warning" | "info";

/**
 * Every finding code with its severity. Codes are stable: tests and
 * `--json` consumers rely on them.
 */
export const FINDING_SEVERITIES = {
  "module-invalid": "error",
  "export-missing": "error",
  "export-optional-missing": "info",
  "export-kind": "error",
  "export-signature": "error",
  "memory-missing": "error",
  "memory-not-exported": "error",
  "memory-multiple": "error",
  "memory64": "error",
  "memory-shared": "warning",
  "memory-unbounded": "info",
  "import-wasi": "info",
  "import-wasi-unknown": "error",
  "import-wasi-signature": "error",
  "import-env-abort": "error",
  "import-env-trace": "error",
  "import-env-seed": "error",
  "import-unresolvable": "error",
  "profile-unsatisfied": "error",
  "profile-partial": "warning",
  "profile-single": "info",
  "start-function": "info",
} as const satisfies Record<string, Severity>;

/** A stable identifier of a finding. */
export type FindingCode = keyof typeof FINDING_SEVERITIES;

/** One observation about the module. */
export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  /** The export it is about. */
  export?: string;
  /** The import it is about, as `module.name`. */
  import?: string;
}

/** What the validator expects of one export and what it found. */
export interface ExportCheck {
  name: string;
  /** `required` by every profile, needed by a `profile`, or `optional`. */
  requirement: "required" | "profile" | "optional";
  status: "ok" | "missing" | "wrong-kind" | "wrong-signature";
  /** Expected signature (or `memory`). */
  expected: string;
  /** Found signature or kind, when exported. */
  found?: string;
}

/** One import and whether Bifrost can satisfy it. */
export interface ImportCheck {
  module: string;
  name: string;
  kind: ExternKind;
  signature?: string;
  loadable: boolean;
  code: FindingCode;
}

/** The outcome of {@link validateModule}. */
export interface ValidationReport {
  source?: string;
  /** The profile checked against. */
  profile: ProfileOption;
  /** True when there is no error finding. */
  valid: boolean;
  /** The profiles whose hooks are all exported with the right signature. */
  profiles: Profile[];
  exports: ExportCheck[];
  imports: ImportCheck[];
  /** The module's memory (the first, if several); `null` when it has none. */
  memory: WasmMemory | null;
  findings: Finding[];
}

/** Why the host needs each required export, for "missing" messages. */
const NEEDED_FOR: Record<string, string> = {
  memory: "the host reads and writes the plugin's memory through it",
  malloc: "the host allocates every input buffer with it",
  free: "the host releases buffers with it",
  get_name: "the host registers the plugin under the name it returns",
  pre_hook: "every Bifrost version calls it",
  post_hook: "every Bifrost version calls it",
  init: "the host skips it and the plugin gets no config",
  cleanup: "the host skips it",
};

const KIND_NAMES: Record<ExternKind, string> = {
  func: "function",
  table: "table",
  memory: "memory",
  global: "global",
  tag: "tag",
};

/** Collects findings, taking each one's severity from its code. */
class Findings {
  readonly list: Finding[] = [];
  add(code: FindingCode, message: string, about: { export?: string; import?: string } = {}): void {
    this.list.push({ severity: FINDING_SEVERITIES[code], code, message, ...about });
  }
  has(code: FindingCode): boolean {
    return this.list.some((f) => f.code === code);
  }
}

const formatSignatures = (sigs: readonly Signature[]): string => sigs.map(formatSignature).join(" or ");
const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const pages = (n: number): string => `${n} page${n === 1 ? "" : "s"}`;
const list = (items: readonly string[]): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

/** The signatures an export may have; `undefined` for names the ABI does not define. */
function acceptedSignatures(name: string): readonly Signature[] | undefined {
  if (name === "free") return FREE_SIGNATURES;
  const s = EXPORT_SIGNATURES[name];
  return s && [s];
}

function checkExports(info: WasmInfo, profile: ProfileOption, findings: Findings): ExportCheck[] {
  const required = new Set<string>(REQUIRED_EXPORTS);
  const optional = new Set<string>(OPTIONAL_EXPORTS);
  const names = [...REQUIRED_EXPORTS, ...OPTIONAL_EXPORTS, ...HOOK_NAMES.filter((h) => !required.has(h))];
  return names.map((name): ExportCheck => {
    const requirement = required.has(name) ? "required" : optional.has(name) ? "optional" : "profile";
    const isMemory = name === "memory";
    const accepted = isMemory ? [] : acceptedSignatures(name)!;
    const expected = isMemory ? "memory" : formatSignatures(accepted);
    const e = info.exports.find((x) => x.name === name);
    if (!e) {
      const neededByProfile = requirement === "profile" && profile !== "any" &&
        (PROFILES[profile] as readonly string[]).includes(name);
      if (requirement === "required" || neededByProfile) {
        // A missing "memory" export is reported by checkMemory, which knows why.
        if (!isMemory) {
          const why = NEEDED_FOR[name] ?? `the ${profile} profile needs it`;
          findings.add("export-missing", `Export "${name}" is missing: ${why}`, { export: name });
        }
      } else if (requirement === "optional") {
        findings.add("export-optional-missing", `Export "${name}" is absent: ${NEEDED_FOR[name]}`, { export: name });
      }
      return { name, requirement, status: "missing", expected };
    }
    const wantKind: ExternKind = isMemory ? "memory" : "func";
    if (e.kind !== wantKind) {
      const message = `Export "${name}" is a ${KIND_NAMES[e.kind]}, expected a ${KIND_NAMES[wantKind]}`;
      findings.add("export-kind", message, { export: name });
      return { name, requirement, status: "wrong-kind", expected, found: KIND_NAMES[e.kind] };
    }
    if (isMemory) return { name, requirement, status: "ok", expected, found: "memory" };
    const found = formatSignature(e.signature!);
    if (!accepted.some((s) => sameSignature(s, e.signature!))) {
      findings.add("export-signature", `${name}: expected ${expected}, found ${found}`, { export: name });
      return { name, requirement, status: "wrong-signature", expected, found };
    }
    return { name, requirement, status: "ok", expected, found };
  });
}

function checkMemory(info: WasmInfo, findings: Findings): WasmMemory | null {
  const add = (code: FindingCode, message: string) => findings.add(code, message, { export: "memory" });
  const memory = info.memories[0];
  if (!memory) {
    add("memory-missing", `The module has no memory: ${NEEDED_FOR.memory}`);
    return null;
  }
  if (info.memories.length > 1) {
    add(
      "memory-multiple",
      `The module has ${info.memories.length} memories: wazero, Bifrost's runtime, supports one`,
    );
  }
  const exported = info.exports.find((e) => e.name === "memory");
  if (!exported) {
    const elsewhere = info.memories.flatMap((m) => m.exportedAs);
    add(
      "memory-not-exported",
      elsewhere.length
        ? `Export "memory" is missing: the memory is exported as "${elsewhere[0]}" instead`
        : `Export "memory" is missing: the module's memory is not exported, and ${NEEDED_FOR.memory}`,
    );
  }
  if (memory.memory64) {
    add("memory64", "The memory is 64-bit: wazero, Bifrost's runtime, supports only 32-bit memories");
  }
  if (memory.shared) {
    add(
      "memory-shared",
      "The memory is shared: wazero loads it only with the threads feature, which Bifrost is not known to enable",
    );
  }
  if (memory.max === undefined && !memory.importedFrom) {
    const start = `${pages(memory.min)} (${memory.min * 64} KiB)`;
    add("memory-unbounded", `The memory has no maximum: it starts at ${start} and grows as far as the host allows`);
  }
  return memory;
}

function checkImports(info: WasmInfo, findings: Findings): ImportCheck[] {
  return info.imports.map((i): ImportCheck => {
    const id = `${i.module}.${i.name}`;
    const signature = i.kind === "func" ? formatSignature(i.signature) : undefined;
    const problem = importProblem(i.module, i.name, KIND_NAMES[i.kind]);
    let code: FindingCode;
    let message: string;
    if (i.module === WASI_MODULE) {
      const wasi = WASI_FUNCTIONS[i.name];
      if (problem) {
        code = "import-wasi-unknown";
        message = capitalise(problem);
      } else if (i.kind === "func" && wasi && !sameSignature(wasi, i.signature)) {
        code = "import-wasi-signature";
        message = `Import "${id}": expected ${formatSignature(wasi)}, found ${signature}`;
      } else {
        code = "import-wasi";
        message = `Import "${id}" is WASI preview 1, which Bifrost most likely provides (as for TinyGo plugins)`;
      }
    } else if (i.module === "env" && Object.hasOwn(ENV_IMPORT_FIXES, i.name)) {
      const envCode = `import-env-${i.name}`;
      code = Object.hasOwn(FINDING_SEVERITIES, envCode) ? envCode as FindingCode : "import-unresolvable";
      message = `Import "${id}" is not provided by Bifrost, the usual AssemblyScript mistake: ${
        ENV_IMPORT_FIXES[i.name]!.trim()
      }`;
    } else {
      code = "import-unresolvable";
      message = `${capitalise(problem!)}: the plugin will fail to load`;
    }
    findings.add(code, message, { import: id });
    return {
      module: i.module,
      name: i.name,
      kind: i.kind,
      ...(signature ? { signature } : {}),
      loadable: FINDING_SEVERITIES[code] !== "error",
      code,
    };
  });
}

/** Which profiles are complete, plus findings for incomplete ones. */
function checkProfiles(exports: ExportCheck[], profile: ProfileOption, findings: Findings): Profile[] {
  const ok = new Set(exports.filter((e) => e.status === "ok").map((e) => e.name));
  const all = Object.keys(PROFILES) as Profile[];
  const satisfied = all.filter((p) => PROFILES[p].every((h) => ok.has(h)));
  const describe = (p: Profile) => `${list([...PROFILES[p]])} (${p})`;
  for (const p of all) {
    // Hooks of the requested profile already have export findings.
    if (p === profile || satisfied.includes(p)) continue;
    const present = PROFILES[p].filter((h) => ok.has(h));
    if (present.length === 0) continue;
    const missing = PROFILES[p].filter((h) => !ok.has(h));
    findings.add(
      "profile-partial",
      `The ${p} profile is incomplete: ${list(present)} exported but not ${list(missing)}`,
    );
  }
  if (profile === "any" && satisfied.length === 0) {
    findings.add("profile-unsatisfied", `No HTTP hook profile is complete: export ${all.map(describe).join(" or ")}`);
  }
  if (satisfied.length === 1 && !findings.has("profile-partial")) {
    const other = all.find((p) => p !== satisfied[0])!;
    const message = `Only the ${satisfied[0]} profile is complete: also export ${describe(other)}`;
    findings.add("profile-single", `${message} to load in every Bifrost version`);
  }
  return satisfied;
}

function compileProblem(bytes: Uint8Array): string | undefined {
  try {
    new WebAssembly.Module(bytes as BufferSource);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^WebAssembly\.Module\(\): /, "") : String(e);
  }
}

/**
 * Checks a module against the plugin ABI and reports every finding.
 * Throws `AbiError` when the bytes are not a readable module, and
 * `InputError` for an unknown profile.
 *
 * @example
 * ```ts
 * import { validateModule } from "./validate.ts";
 * import assert from "node:assert/strict";
 * // (module (memory (export "memory") 1)): a memory and nothing else
 * const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0]);
 * const report = validateModule(bytes, { profile: "current" });
 * assert.equal(report.valid, false);
 * assert.deepEqual(report.profiles, []);
 * assert.ok(report.findings.some((f) => f.code === "export-missing" && f.export === "malloc"));
 * ```
 */
export function validateModule(bytes: Uint8Array, options: ValidateOptions = {}): ValidationReport {
  const profile = parseProfile(options.profile ?? "any");
  const info = parseWasm(bytes, options.source);
  const findings = new Findings();
  const problem = compileProblem(bytes);
  if (problem) findings.add("module-invalid", `The module does not compile: ${problem}`);
  const exports = checkExports(info, profile, findings);
  const memory = checkMemory(info, findings);
  const imports = checkImports(info, findings);
  const profiles = checkProfiles(exports, profile, findings);
  if (info.start !== undefined) {
    findings.add(
      "start-function",
      "The module has a start function: it runs when the plugin loads, and a trap there fails the load",
    );
  }
  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const sorted = findings.list.toSorted((a, b) => order[a.severity] - order[b.severity]);
  return {
    ...(options.source === undefined ? {} : { source: options.source }),
    profile,
    valid: !sorted.some((f) => f.severity === "error"),
    profiles,
    exports,
    imports,
    memory,
    findings: sorted,
  };
}

/**
 * The largest plugin module this toolkit reads (from a file, a registry or
 * an image layer), 64 MiB: Bifrost sets no limit of its own, plugins
 * measure in megabytes, and a bound keeps an endless or hostile input from
 * using memory without end.
 */
export const MAX_PLUGIN_BYTES = 64 << 20;

/**
 * Reads and validates a `.wasm` file, reading at most
 * {@link MAX_PLUGIN_BYTES}. Throws `InputError` when the file cannot be
 * read or is larger, and `AbiError` when it is not a module.
 *
 * @example
 * ```ts
 * import { validateFile } from "./validate.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(validateFile("no/such.wasm"), { message: 'Cannot read "no/such.wasm": file not found' });
 * ```
 */
export async function validateFile(
  path: string,
  options: Omit<ValidateOptions, "source"> = {},
): Promise<ValidationReport> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileCapped(path, MAX_PLUGIN_BYTES);
  } catch (e) {
    const why = e instanceof FileTooLargeError
      ? `larger than ${MAX_PLUGIN_BYTES} bytes, the plugin size limit`
      : e instanceof Deno.errors.NotFound
      ? "file not found"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : (e as Error).message;
    throw new InputError(`Cannot read "${path}": ${why}`, "path", { cause: e });
  }
  return validateModule(bytes, { ...options, source: path });
}

const STATUS_LABELS: Record<ExportCheck["status"], string> = {
  "ok": "ok",
  "missing": "missing",
  "wrong-kind": "wrong kind",
  "wrong-signature": "wrong signature",
};

/** Options of {@link formatReport}. */
export interface FormatOptions {
  /** Only the headline and the errors and warnings. */
  brief?: boolean;
}

/**
 * Formats a report for people: a headline, then (unless `brief`) the
 * exports, the memory and the imports, then the findings.
 *
 * @example
 * ```ts
 * import { formatReport, validateModule } from "./validate.ts";
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
 * const text = formatReport(validateModule(bytes, { source: "m.wasm" }), { brief: true });
 * assert.match(text, /^m\.wasm: invalid for profile "any"/);
 * assert.match(text, /error +memory-not-exported +Export "memory" is missing/);
 * ```
 */
export function formatReport(report: ValidationReport, options: FormatOptions = {}): string {
  const count = (s: Severity) => report.findings.filter((f) => f.severity === s).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const satisfies = report.profiles.length ? `complete profiles: ${report.profiles.join(", ")}` : "no complete profile";
  const lines = [
    `${report.source ?? "module"}: ${
      report.valid ? "valid" : "invalid"
    } for profile "${report.profile}" (${satisfies}; ${plural(count("error"), "error")}, ${
      plural(count("warning"), "warning")
    })`,
  ];
  if (!options.brief) {
    lines.push("", "Exports:");
    for (const e of report.exports) {
      const found = e.status === "ok" || e.found === undefined ? "" : `, found ${e.found}`;
      lines.push(`  ${e.name.padEnd(24)}${STATUS_LABELS[e.status].padEnd(17)}${e.expected}${found} [${e.requirement}]`);
    }
    const m = report.memory;
    lines.push(
      "",
      m
        ? `Memory: ${pages(m.min)} initial, ${m.max === undefined ? "no maximum" : `maximum ${pages(m.max)}`}${
          m.importedFrom ? `, imported from "${m.importedFrom}"` : ""
        }${m.exportedAs.length ? `, exported as ${m.exportedAs.map((n) => `"${n}"`).join(", ")}` : ", not exported"}`
        : "Memory: none",
    );
    lines.push("", report.imports.length ? "Imports:" : "Imports: none");
    const importNames = report.imports.map((i) => `${i.module}.${i.name}`);
    const width = Math.max(40, ...importNames.map((n) => n.length + 2));
    for (const [n, i] of report.imports.entries()) {
      lines.push(
        `  ${importNames[n]!.padEnd(width)}${(i.loadable ? "ok" : "unresolvable").padEnd(14)}${i.signature ?? i.kind}`,
      );
    }
  }
  const shown = report.findings.filter((f) => !options.brief || f.severity !== "info");
  if (shown.length) {
    if (!options.brief) lines.push("", "Findings:");
    for (const f of shown) lines.push(`  ${f.severity.padEnd(8)}${f.code.padEnd(24)}${f.message}`);
  }
  return lines.join("\n");
}
