/**
 * The one command runner. Every entry point of the repository (each
 * `bifrost-as` command, and the scripts under `bench/`, `fuzz/`,
 * `integration/`, `scripts/`, `images/` and `testing/`) is a
 * {@link Command}: it declares its options once, and {@link runCommand}
 * parses argv against them, prints `--help` from them, suggests the nearest
 * name for an unknown command or option, and turns what the command throws
 * into an exit code (a `BifrostAsError` its own, with its message; anything
 * else 1, with one line, the stack with BIFROST_AS_DEBUG=1). Only the
 * entry file sets the process's exit code.
 *
 * This file imports nothing but `node:` built-ins and `lib/errors.ts`, so
 * the mock upstream's container runs a command with the few files it holds.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { AbiError, BifrostAsError, InputError, RegistryError, UsageError } from "../lib/errors.ts";

/** One option of a command, as `node:util` parseArgs understands it. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `FILE`. */
  arg?: string;
  description: string;
  default?: string | boolean;
}

/** A positional argument, for help and arity checks. */
export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
  /** Takes every remaining argument. */
  variadic?: boolean;
}

/** Where a command writes. Results go to `out`, progress to `err`. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Parsed input handed to {@link Command.run}. */
export interface CommandInput {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  io: Io;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop when it fires. */
  signal: AbortSignal;
}

/** A command: one per file under `cli/commands/`, or a script's entry file. */
export interface Command {
  /** How it is called after the program, e.g. `init`; for a script, how it is run, e.g. `deno task bench`. */
  name: string;
  summary: string;
  description?: string;
  positionals?: PositionalSpec[];
  options: Record<string, OptionSpec>;
  examples?: string[];
  /**
   * The flag that sets each library field this command passes on, for
   * {@link asUsage}: `{ sdkSpec: "--sdk-spec" }`, or with a hint after the
   * flag, `{ force: "--force writes anyway" }`.
   */
  fields?: Record<string, string>;
  /** Returns the exit code (0 when omitted) or throws a typed error. */
  run(input: CommandInput): Promise<number | void>;
}

/** How {@link runCommand} runs a command. */
export interface RunOptions {
  /** Where output goes. Default: the console. */
  io?: Io;
  /** The program the command belongs to, for help and hints: `bifrost-as`, or `""` for a script. */
  program?: string;
}

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "Show this help" };

/** How a command is invoked: `bifrost-as init`, or a script's `deno task bench`. */
function invocation(cmd: Command, program: string): string {
  return program ? `${program} ${cmd.name}` : cmd.name;
}

/** The help text of a command, generated from its declaration. */
export function formatHelp(cmd: Command, program = "bifrost-as"): string {
  const pos = (cmd.positionals ?? [])
    .map((p) => {
      const n = p.variadic ? `${p.name}...` : p.name;
      return p.optional ? `[${n}]` : `<${n}>`;
    })
    .join(" ");
  const lines = [`${invocation(cmd, program)} ${pos}${pos ? " " : ""}[options]`.replace(/\s+$/, ""), "", cmd.summary];
  if (cmd.description) lines.push("", cmd.description.trim());
  if (cmd.positionals?.length) {
    lines.push("", "Arguments:");
    for (const p of cmd.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
  }
  lines.push("", "Options:");
  for (const [name, o] of Object.entries({ ...cmd.options, help: HELP_OPTION })) {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.arg ?? "VALUE"}` : ""}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : "";
    lines.push(`  ${flag.padEnd(28)} ${o.description}${def}`);
  }
  if (cmd.examples?.length) {
    lines.push("", "Examples:");
    for (const e of cmd.examples) lines.push(`  ${e}`);
  }
  return lines.join("\n");
}

/**
 * The candidate nearest to `name` by edit distance, when it is near enough
 * to be a typo (at most a third of the name's length, and at least 1).
 *
 * @example
 * ```ts
 * import { nearest } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nearest("tiemout", ["timeout", "config"]), "timeout");
 * assert.equal(nearest("xyz", ["timeout", "config"]), undefined);
 * ```
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d <= bestDistance && (best === undefined || d < bestDistance)) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Edits from `a` to `b`: inserts, deletes, substitutions and swaps of two neighbours, each 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** ` (did you mean X?)` for the nearest candidate, or nothing. */
export function didYouMean(name: string, candidates: readonly string[], show = (c: string) => c): string {
  const near = nearest(name, candidates);
  return near === undefined ? "" : ` (did you mean ${show(near)}?)`;
}

/** Parses `args` against the command's declaration; `null` after printing `--help`. */
function parseInput(cmd: Command, args: string[], io: Io, signal: AbortSignal, program: string): CommandInput | null {
  const see = `see '${invocation(cmd, program)} --help'`;
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries({ ...cmd.options, help: HELP_OPTION })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  for (const arg of args) {
    if (arg === "--") break;
    if (!arg.startsWith("--")) continue;
    const name = arg.slice(2).split("=")[0]!;
    if (!(name in options)) {
      const hint = didYouMean(name, Object.keys(options), (c) => `--${c}`);
      throw new UsageError(`Unknown option '--${name}'${hint}: ${see}`);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split(/\.\s/)[0]!.replace(/\.$/, "")}: ${see}`);
  }
  if (parsed.values.help) {
    io.out(formatHelp(cmd, program));
    return null;
  }
  const specs = cmd.positionals ?? [];
  const required = specs.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required) {
    throw new UsageError(`Missing argument <${specs[parsed.positionals.length]!.name}>: ${see}`);
  }
  if (!specs.some((p) => p.variadic) && parsed.positionals.length > specs.length) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[specs.length]}": ${see}`);
  }
  const values: CommandInput["values"] = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    values[name] = (parsed.values as Record<string, string | boolean | string[] | undefined>)[name] ?? o.default;
  }
  return { values, positionals: parsed.positionals, io, signal };
}

/** The console, as an {@link Io}. */
export const consoleIo: Io = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
};

/** Runs a command on `args` and returns its exit code; never throws. */
export async function runCommand(cmd: Command, args: string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? consoleIo;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  let listening = false;
  try {
    const input = parseInput(cmd, args, io, controller.signal, options.program ?? "");
    if (!input) return 0;
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
    listening = true;
    return (await cmd.run(input)) ?? 0;
  } catch (e) {
    return reportError(asUsage(e, cmd.fields), io);
  } finally {
    if (listening) {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    }
  }
}

/**
 * What the library threw, in the command line's words: an {@link InputError}
 * becomes a {@link UsageError} naming the flag that sets its field (`Invalid
 * sdkSpec "x"` reads `Invalid --sdk-spec "x"`; any other message gets the
 * flag after it), and an {@link AbiError}, a file given that is no module,
 * a {@link UsageError} too. A {@link RegistryError} that names the option
 * that would help gets its flag after it. Anything else is returned as it is.
 *
 * @example
 * ```ts
 * import { asUsage } from "./command.ts";
 * import { InputError, UsageError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * const e = asUsage(new InputError('Invalid sdkSpec "x": expected a version', "sdkSpec"), { sdkSpec: "--sdk-spec" });
 * assert.ok(e instanceof UsageError);
 * assert.equal(e.message, 'Invalid --sdk-spec "x": expected a version');
 * ```
 */
export function asUsage(e: unknown, fields: Record<string, string> = {}): unknown {
  if (e instanceof InputError) {
    const flag = fields[e.field];
    const named = `Invalid ${e.field} `;
    let message = e.message;
    if (flag !== undefined && message.startsWith(named)) {
      message = `Invalid ${flag.split(" ")[0]} ${message.slice(named.length)}`;
    } else if (flag !== undefined) message = `${message} (${flag})`;
    return new UsageError(message, { cause: e });
  }
  if (e instanceof AbiError) return new UsageError(e.message, { cause: e });
  if (e instanceof RegistryError && e.field !== undefined && fields[e.field] !== undefined) {
    const { status, reference, field } = e;
    return new RegistryError(`${e.message} (${fields[e.field]})`, { status, reference, field, cause: e });
  }
  return e;
}

/** Writes what a command threw as one line and returns the exit code it means. */
export function reportError(e: unknown, io: Io): number {
  if (e instanceof BifrostAsError) {
    io.err(`error: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof Deno.errors.BrokenPipe) return 1;
  // A bug of ours, not bad input: one line, the stack only when asked for.
  const detail = Deno.env.get("BIFROST_AS_DEBUG") && e instanceof Error
    ? e.stack
    : String(e instanceof Error ? e.message : e);
  io.err(`error: unexpected failure (please report it; BIFROST_AS_DEBUG=1 shows the stack): ${detail}`);
  return 1;
}

/** An entry file's main: runs `cmd` on the process's arguments and sets the exit code. */
export async function runMain(cmd: Command, program = ""): Promise<void> {
  Deno.exitCode = await runCommand(cmd, Deno.args, { program });
}

/** Reads a string option, or `undefined`. */
export function str(input: CommandInput, name: string): string | undefined {
  const v = input.values[name];
  return typeof v === "string" ? v : undefined;
}

/** Reads a boolean option. */
export function flag(input: CommandInput, name: string): boolean {
  return input.values[name] === true;
}

/** A plugin file must be readable: a wrong path is a usage error (exit 2), not a broken plugin. */
export async function requireFile(path: string): Promise<void> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new UsageError(`Cannot read "${path}": it is a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new UsageError(`Cannot read "${path}": ${why}`, { cause: e });
  }
}

/** Writes `value` as pretty JSON to stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/**
 * Reads a JSON option given inline or as `@FILE`: the parsed value, or
 * `undefined` when the option is absent. Throws `UsageError` for an
 * unreadable file or invalid JSON.
 */
export async function jsonOption(input: CommandInput, name: string): Promise<unknown> {
  const raw = str(input, name);
  if (raw === undefined) return undefined;
  let text = raw;
  if (raw.startsWith("@")) {
    const file = raw.slice(1);
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
      throw new UsageError(`Cannot read --${name} file "${file}": ${why}`, { cause: e });
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`Invalid --${name} "${raw}": not JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Reads a whole-number option within `[min, max]` (`1_000` is 1000), or
 * `undefined` when absent and without a default. Throws `UsageError`
 * otherwise.
 */
export function intOption(
  input: CommandInput,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = str(input, name);
  if (raw === undefined) return undefined;
  const digits = raw.trim().replaceAll("_", "");
  const n = /^-?\d+$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`Invalid --${name} "${raw}": expected a whole number ${range}`);
  }
  return n;
}

/** A list of sizes in MiB (`1,10,100`), each above 0 and at most 1024, or `undefined` when absent. */
export function sizesOption(input: CommandInput, name: string): number[] | undefined {
  const raw = str(input, name);
  if (raw === undefined) return undefined;
  const sizes = raw.split(",").map((s) => Number(s.trim()));
  if (sizes.some((s) => !(s > 0 && s <= 1024))) {
    throw new UsageError(`Invalid --${name} "${raw}": expected sizes in MiB above 0 and up to 1024, comma-separated`);
  }
  return sizes;
}

/**
 * `--port -1` as `--port=-1`: parseArgs refuses a value starting with a dash
 * as ambiguous, and the option's own check says better what is wrong with it.
 */
function joinNegativeValues(args: string[], options: Record<string, { type: string }>): string[] {
  const takesValue = (arg: string) => arg.startsWith("--") && options[arg.slice(2)]?.type === "string";
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (next !== undefined && /^-\d/.test(next) && takesValue(arg)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
