/**
 * The options that say how the conformance host runs a plugin, declared once
 * with one meaning for every command that hosts one (`run`, `check`, `test`,
 * `watch`, `dev`), and read by one function each. A command lists the ones
 * it takes with {@link hostOptionSpecs}; an option added here (the engine,
 * say) is then one line in each command that offers it.
 *
 * @module
 */
import { FREE_POLICIES, type FreePolicy, parseFreePolicies } from "../lib/abi/free_policy.ts";
import { UsageError } from "../lib/errors.ts";
import { type CommandInput, intOption, jsonOption, type OptionSpec, str } from "./command.ts";

/** The most `--timeout` takes: an hour. */
export const MAX_TIMEOUT_MS = 3_600_000;

/** The host options, by name. */
export const HOST_OPTIONS = {
  config: { type: "string", arg: "JSON", description: "The plugin's config, inline or @FILE (default: {})" },
  timeout: {
    type: "string",
    arg: "MS",
    description: "Time budget per hook call and for init, in ms; 0: none (the plugin then runs in this thread)",
    default: "10000",
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

/** `--timeout`: the budget per call in ms, 0 for none. */
export function timeoutOption(input: CommandInput): number {
  return intOption(input, "timeout", 0, MAX_TIMEOUT_MS) ?? 0;
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
