/**
 * The host options every command that runs a plugin shares (`run`, `test`,
 * `check`, `dev`, `bench`), declared once with one meaning:
 *
 * - `--engine v8|wazero`: where the plugin runs. `test`, `check` and
 *   `bench` run under both engines when it is not given and the wazero
 *   engine is there, and say so when it is not; `run` and `dev` default to
 *   V8.
 * - `--hook-timeout MS`: the deadline of each hook call and of loading
 *   (`_start`, `_initialize`, `init`, `get_name`). 0: none, and V8 then runs
 *   the plugin in this process (the fastest path, which cannot be stopped).
 *   With a deadline V8 runs it in a child process that is killed past it;
 *   wazero stops the call itself. `bench` defaults to 0, to measure the
 *   in-process path; every other command to {@link DEFAULT_HOOK_TIMEOUT_MS}.
 *
 * @module
 */
import { type Engine, engineAvailability, ENGINES, findEngine, parseEngine } from "../lib/host/engine.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../lib/host/types.ts";
import { type CommandInput, intOption, type OptionSpec, str } from "./_command.ts";

/** The longest deadline `--hook-timeout` takes: an hour. */
const MAX_HOOK_TIMEOUT_MS = 3_600_000;

/** The shared declarations; a command spreads them into its `options`. */
export function hostOptionSpecs(
  defaults: { engine: "v8" | "both"; hookTimeoutMs?: number; hookTimeoutNote?: string },
): Record<string, OptionSpec> {
  return {
    engine: {
      type: "string",
      arg: "ENGINE",
      description: defaults.engine === "both"
        ? `Run under one engine only: ${ENGINES.join(" or ")} (default: both when the wazero engine is there)`
        : `Where the plugin runs: v8 (Deno) or wazero (Go, Bifrost's runtime)`,
      ...(defaults.engine === "v8" ? { default: "v8" } : {}),
    },
    "hook-timeout": {
      type: "string",
      arg: "MS",
      description: `Deadline of each hook call and of loading the plugin, in ms (0: none)${
        defaults.hookTimeoutNote ? ` (default: ${defaults.hookTimeoutNote})` : ""
      }`,
      ...(defaults.hookTimeoutNote ? {} : { default: String(defaults.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS) }),
    },
  };
}

/** `--hook-timeout`: the deadline in ms, or `undefined` for 0 (none). */
export function hookTimeout(input: CommandInput): number | undefined {
  const ms = intOption(input, "hook-timeout", 0, MAX_HOOK_TIMEOUT_MS) ?? DEFAULT_HOOK_TIMEOUT_MS;
  return ms === 0 ? undefined : ms;
}

/** `--hook-timeout` as given (0 for none), or `undefined` when absent, for a command whose default lies elsewhere. */
export function hookTimeoutGiven(input: CommandInput): number | undefined {
  return intOption(input, "hook-timeout", 0, MAX_HOOK_TIMEOUT_MS);
}

/** `--engine` for a command that runs under one engine. */
export function oneEngine(input: CommandInput): Engine {
  return parseEngine(str(input, "engine") ?? "v8");
}

/** The engines a command that can run under both runs under, and a note when wazero was wanted but is missing. */
export interface EngineChoice {
  engines: Engine[];
  /** Why wazero did not run although no `--engine` was given: what the engine lookup said. */
  missing?: string;
}

/**
 * `--engine` for `test`, `check` and `bench`: the one named, or both when
 * the wazero engine is there. Throws when `--engine wazero` names a missing
 * engine (its message says how to get it).
 */
export async function chooseEngines(
  input: CommandInput,
  onProgress: (line: string) => void,
): Promise<EngineChoice> {
  const named = str(input, "engine");
  if (named !== undefined) {
    const engine = parseEngine(named);
    if (engine === "wazero") await findEngine({ onProgress }); // says how to get it when it is missing
    return { engines: [engine] };
  }
  const found = await engineAvailability({ onProgress });
  return "missing" in found ? { engines: ["v8"], missing: found.missing } : { engines: [...ENGINES] };
}

/** The line that says which engines ran, and why wazero did not when it did not. */
export function enginesLine(choice: EngineChoice): string {
  const ran = `Engines: ${choice.engines.join(", ")}`;
  return choice.missing ? `${ran} (wazero did not run: ${choice.missing})` : ran;
}
