/**
 * Checking and compiling a plugin before any engine runs it, and starting
 * it in the engine the options name. Not re-exported from `mod.ts`: the
 * host and the benchmarks' wazero figures use it.
 *
 * @module
 */
import { HOOK_NAMES, type HookName, importProblem } from "../abi/abi.ts";
import { PluginError } from "../errors.ts";
import { type Finding, validateModule } from "../wasm/validate.ts";
import { parseWasm, withMemoryMaximum } from "../wasm/wasm_binary.ts";
import { type Backend, InlineBackend, type Prepared, ProcessBackend, v8Program, wazeroProgram } from "./_backend.ts";
import { findEngine } from "./engine.ts";
import { readSource } from "./plugin_source.ts";

export type { ProcessBackend } from "./_backend.ts";
import type { HostOptions, PluginSource } from "./types.ts";

/** In-thread under V8 without a deadline; otherwise a child process: the V8 worker or the wazero engine. */
export async function startBackend(
  prepared: Prepared,
  options: HostOptions,
  log: (line: string) => void,
): Promise<Backend> {
  const { timeoutMs } = options;
  if ((options.engine ?? "v8") === "v8") {
    if (timeoutMs === undefined) return new InlineBackend(prepared, log);
    return await ProcessBackend.start(prepared, { program: v8Program(), timeoutMs, log });
  }
  const program = wazeroProgram(await findEngine({ onProgress: log }));
  return await ProcessBackend.start(prepared, { program, log, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
}

/** A plugin prepared and started in the wazero engine, for the engine's own benchmarks (`lib/bench/`). */
export async function startWazeroBackend(source: PluginSource, options: HostOptions = {}): Promise<ProcessBackend> {
  const { bytes, label } = await readSource(source);
  const log = options.onLog ?? (() => {});
  const prepared = prepare(bytes, options.label ?? label, options, options.strict ?? true);
  for (const n of prepared.notes) log(`host: ${n}`);
  return await startBackend(prepared, { ...options, engine: "wazero" }, log) as ProcessBackend;
}

/**
 * Validation errors a non-strict host lets through (logged as notes): the
 * module can still be called, Bifrost would refuse it.
 */
function lenient(f: Finding): boolean {
  return f.code === "profile-unsatisfied" || (f.code === "export-missing" && HOOK_NAMES.includes(f.export as HookName));
}

/** Validates (refusing what Bifrost cannot load), caps the memory, compiles. */
export function prepare(bytes: Uint8Array, label: string, options: HostOptions, strict: boolean): Prepared {
  const fail = (reason: string, cause?: unknown) =>
    new PluginError(`Cannot load plugin "${label}": ${reason}`, cause === undefined ? {} : { cause });
  const report = validateModule(bytes, { source: label });
  const errors = report.findings.filter((f) => f.severity === "error");
  const blocking = errors.filter((f) => strict || !lenient(f));
  if (blocking.length) {
    // Imports get importProblem's wording, which names the fix; other findings keep the validator's.
    const reason = (f: Finding) => {
      const i = f.import && report.imports.find((x) => `${x.module}.${x.name}` === f.import);
      const text = i
        ? importProblem(i.module, i.name, i.kind === "func" ? "function" : i.kind) ?? f.message
        : f.message;
      return text.charAt(0).toLowerCase() + text.slice(1);
    };
    throw fail(blocking.map(reason).join("; "));
  }
  const notes = errors.filter((f) => !blocking.includes(f)).map((f) => `${f.message} (Bifrost would refuse it)`);
  const info = parseWasm(bytes, label);
  const exports = new Map(info.exports.map((e) => [e.name, e]));

  const memory = info.memories[exports.get("memory")!.index]!;
  let capped = bytes;
  if (options.maxMemoryPages !== undefined) {
    if (memory.importedFrom !== undefined) throw fail(`its memory is imported from "${memory.importedFrom}"`);
    try {
      capped = withMemoryMaximum(bytes, options.maxMemoryPages, label);
    } catch (e) {
      throw new PluginError((e as Error).message, { cause: e });
    }
  }
  const memoryLimitPages = options.maxMemoryPages ?? memory.max;

  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(capped as BufferSource);
  } catch (e) {
    throw fail((e as Error).message, e);
  }
  const functionNames = new Map(info.functionNames);
  for (const e of info.exports) {
    if (e.kind === "func" && !functionNames.has(e.index)) functionNames.set(e.index, e.name);
  }

  let config: string | undefined;
  try {
    config = options.config === undefined ? "{}" : JSON.stringify(options.config);
  } catch (e) {
    throw new PluginError(`Cannot load plugin "${label}": its config is not JSON: ${(e as Error).message}`);
  }
  if (config === undefined) throw fail("its config is not a JSON value");
  return {
    runner: {
      module,
      label,
      config,
      freePolicy: options.freePolicy ?? "both",
      functionNames,
      memoryLimitPages,
      timeHook: options.timeHook ?? false,
    },
    bytes: capped,
    exports: new Set(exports.keys()),
    notes,
  };
}
