/**
 * The options that say how the conformance host runs a plugin, declared once
 * with one meaning for every command that hosts one (`run`, `check`, `test`,
 * `watch`, `dev`, `bench`), and read by one function each. A command lists
 * the ones it takes with {@link hostOptionSpecs}.
 *
 * - `--engine v8|wazero`: where the plugin runs. `test`, `check` and
 *   `bench` run under both engines when it is not given and the wazero
 *   engine is there, and say so when it is not ({@link chooseEngines});
 *   `run` and `dev` run under V8 unless told ({@link engineOption}).
 * - `--hook-timeout MS`: the deadline of each hook call and of loading
 *   (`_start`, `_initialize`, `init`, `get_name`). 0: none, and V8 then runs
 *   the plugin in this thread (the fastest path, which nothing can stop).
 *   With a deadline V8 runs it in a child process killed past it; wazero
 *   stops the call itself. Default 10000 (`dev`: `BIFROST_AS_HOOK_TIMEOUT_MS`
 *   first).
 *
 * @module
 */
import { FREE_POLICIES, type FreePolicy, parseFreePolicies } from "../lib/abi/free_policy.ts";
import { UsageError } from "../lib/errors.ts";
import { type Engine, engineAvailability, ENGINES, findEngine, parseEngine } from "../lib/host/engine.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../lib/host/types.ts";
import { type CommandInput, intOption, jsonOption, type OptionSpec, str } from "./command.ts";

/** The most `--hook-timeout` takes: an hour. */
export const MAX_TIMEOUT_MS = 3_600_000;

/** The host options, by name. */
export const HOST_OPTIONS = {
  config: { type: "string", arg: "JSON", description: "The plugin's config, inline or @FILE (default: {})" },
  engine: {
    type: "string",
    arg: "ENGINE",
    description: "Where the plugin runs: v8 (Deno) or wazero (Go, Bifrost's runtime); test, check and bench run " +
      "under both when it is not given and the wazero engine is there, run and dev under v8",
  },
  "hook-timeout": {
    type: "string",
    arg: "MS",
    description: `Deadline of each hook call and of loading the plugin, in ms (default ${DEFAULT_HOOK_TIMEOUT_MS}; ` +
      "dev: BIFROST_AS_HOOK_TIMEOUT_MS first); 0: none (V8 then runs the plugin in this thread, where nothing can " +
      "stop it)",
  },
  "free-policy": {
    type: "string",
    arg: "LIST",
    description: `Which buffers the host frees after a call: ${FREE_POLICIES.join(", ")}; comma-separated where the ` +
      "command runs under several",
  },
  "max-pages": { type: "string", arg: "N", description: "Cap the plugin's memory at N 64 KiB pages" },
} as const satisfies Record<string, OptionSpec>;

/** The name of a host option. */
export type HostOptionName = keyof typeof HOST_OPTIONS;

/** The declarations of the host options a command takes, to spread into its `options`. */
export function hostOptionSpecs(...names: HostOptionName[]): Record<string, OptionSpec> {
  return Object.fromEntries(names.map((n) => [n, HOST_OPTIONS[n]]));
}

/** `--config`: the plugin's config, or `undefined` when not given. */
export function pluginConfigOption(input: CommandInput): Promise<unknown> {
  return jsonOption(input, "config");
}

/** `--hook-timeout`: the deadline in ms, 0 for none; {@link DEFAULT_HOOK_TIMEOUT_MS} when not given. */
export function timeoutOption(input: CommandInput): number {
  return givenTimeoutOption(input) ?? DEFAULT_HOOK_TIMEOUT_MS;
}

/** `--hook-timeout` as given (0 for none), `undefined` when not given: for `dev`, whose default comes from elsewhere. */
export function givenTimeoutOption(input: CommandInput): number | undefined {
  return intOption(input, "hook-timeout", 0, MAX_TIMEOUT_MS);
}

/** `--engine` where a command runs under one engine: the one named, V8 when not given. */
export function engineOption(input: CommandInput): Engine {
  return parseEngine(str(input, "engine") ?? "v8");
}

/** The engines a command that can run under both runs under, and why wazero did not when it was not named. */
export interface EngineChoice {
  engines: Engine[];
  /** Why wazero did not run although no `--engine` was given: what the engine lookup said. */
  missing?: string;
}

/**
 * `--engine` for `test`, `check` and `bench`: the one named, or both when
 * the wazero engine is there. `--engine wazero` without the engine throws
 * `EngineNotFoundError`, whose message says how to get it.
 */
export async function chooseEngines(input: CommandInput, onProgress: (line: string) => void): Promise<EngineChoice> {
  const named = str(input, "engine");
  if (named !== undefined) {
    const engine = parseEngine(named);
    if (engine === "wazero") await findEngine({ onProgress });
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

/** `--free-policy` as a list, or `undefined` when not given; each policy once. */
export function freePoliciesOption(input: CommandInput): FreePolicy[] | undefined {
  const raw = str(input, "free-policy");
  return raw === undefined ? undefined : [...new Set(parseFreePolicies(raw))];
}

/** `--free-policy` where a command hosts the plugin under one policy: that one, `both` when not given. */
export function freePolicyOption(input: CommandInput): FreePolicy {
  const policies = freePoliciesOption(input) ?? ["both"];
  if (policies.length > 1) {
    throw new UsageError(`Invalid --free-policy "${str(input, "free-policy")}": this command takes one policy`);
  }
  return policies[0]!;
}

/** `--max-pages`: the memory cap in 64 KiB pages, or `undefined` when not given. */
export function maxPagesOption(input: CommandInput): number | undefined {
  return intOption(input, "max-pages", 1, 65536);
}
