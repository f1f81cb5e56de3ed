/**
 * What the repository's scripts (bench, soak, fuzz, e2e, images) share: argv parsing with
 * `--help`, typed numeric options, and the exit code (a `UsageError` exits 2
 * with its message, any other error exits 1 with its message only, the
 * stack with BIFROST_AS_DEBUG=1).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BifrostAsError, UsageError } from "../errors.ts";

/** Option declarations as parseArgs takes them. */
export type ScriptOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Parsed options. */
export type ScriptValues = Record<string, string | boolean | undefined>;

/** Parses `args`; `--help` prints `usage` and returns `null`. */
export function scriptArgs(usage: string, options: ScriptOptions, args: string[] = Deno.args): ScriptValues | null {
  return scriptInput(usage, options, args)?.values ?? null;
}

/**
 * Like {@link scriptArgs}, for scripts that also take positional arguments:
 * between `min` and `max` of them, else a `UsageError`.
 */
export function scriptInput(
  usage: string,
  options: ScriptOptions,
  args: string[] = Deno.args,
  positionals: { min: number; max: number } = { min: 0, max: 0 },
): { values: ScriptValues; positionals: string[] } | null {
  let parsed: { values: ScriptValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: positionals.max > 0,
    }) as { values: ScriptValues; positionals: string[] };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split(/\.\s/)[0]!.replace(/\.$/, "")}: see --help`);
  }
  if (parsed.values.help) {
    console.log(usage.trim());
    return null;
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError("Missing argument: see --help");
  if (n > positionals.max) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[positionals.max]}": see --help`);
  }
  return parsed;
}

/** A whole-number option of at least `min`, or `fallback` when absent. */
export function intOption(values: ScriptValues, name: string, fallback: number, min = 1): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === "string" && /^\d+$/.test(raw.replaceAll("_", "")) ? Number(raw.replaceAll("_", "")) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Invalid --${name} "${raw}": expected a whole number of at least ${min}`);
  }
  return n;
}

/** A list of sizes in MiB (`1,10,100`), each above 0 and at most 1024, or `fallback` when absent. */
export function sizesOption(values: ScriptValues, name: string, fallback: readonly number[]): number[] {
  const raw = values[name];
  if (raw === undefined) return [...fallback];
  const sizes = typeof raw === "string" ? raw.split(",").map((s) => Number(s.trim())) : [NaN];
  if (sizes.some((s) => !(s > 0 && s <= 1024))) {
    throw new UsageError(`Invalid --${name} "${raw}": expected sizes in MiB above 0 and up to 1024, comma-separated`);
  }
  return sizes;
}

/** Runs a script's main and sets the exit code from its result or error. */
export async function runScript(main: () => Promise<number>): Promise<void> {
  try {
    Deno.exitCode = await main();
  } catch (e) {
    if (e instanceof BifrostAsError) {
      console.error(`error: ${e.message}`);
      Deno.exitCode = e.exitCode;
      return;
    }
    const detail = Deno.env.get("BIFROST_AS_DEBUG") && e instanceof Error ? e.stack : (e as Error)?.message ?? e;
    console.error(`error: unexpected failure (BIFROST_AS_DEBUG=1 shows the stack): ${detail}`);
    Deno.exitCode = 1;
  }
}
