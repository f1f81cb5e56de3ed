/**
 * The shape every CLI command shares, and the one help formatter.
 *
 * A command declares its options once; `cli/main.ts` parses argv against
 * them, prints `--help` from them, and turns thrown errors into exit codes.
 *
 * @module
 */
import { UsageError } from "../lib/errors.ts";

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

/** A CLI command: one per file under `cli/commands/`. */
export interface Command {
  name: string;
  summary: string;
  description?: string;
  positionals?: PositionalSpec[];
  options: Record<string, OptionSpec>;
  examples?: string[];
  /** Returns the exit code (0 when omitted) or throws a typed error. */
  run(input: CommandInput): Promise<number | void>;
}

/** The help text of a command, generated from its declaration. */
export function formatHelp(cmd: Command): string {
  const pos = (cmd.positionals ?? [])
    .map((p) => {
      const n = p.variadic ? `${p.name}...` : p.name;
      return p.optional ? `[${n}]` : `<${n}>`;
    })
    .join(" ");
  const lines = [
    `bifrost-as ${cmd.name} ${pos}${pos ? " " : ""}[options]`.replace(/\s+$/, ""),
    "",
    cmd.summary,
  ];
  if (cmd.description) lines.push("", cmd.description.trim());
  if (cmd.positionals?.length) {
    lines.push("", "Arguments:");
    for (const p of cmd.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
  }
  const opts = Object.entries({
    ...cmd.options,
    help: { type: "boolean", short: "h", description: "Show this help" } as OptionSpec,
  });
  lines.push("", "Options:");
  for (const [name, o] of opts) {
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

/** Reads an integer option within `[min, max]`, or `undefined` when absent. Throws `UsageError` otherwise. */
export function intOption(
  input: CommandInput,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = str(input, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`Invalid --${name} "${raw}": expected an integer ${range}`);
  }
  return n;
}

/** The toolkit's own default paths, which a plugin project's help and defaults replace with its own. */
const TOOLKIT_ENTRY = "assembly/hello_world.ts";
const TOOLKIT_STEM = "build/hello-world";

/**
 * `cmd` as seen from a plugin project: its description, option defaults and
 * examples name the project's entry and output instead of the toolkit's
 * hello-world, and examples that use the toolkit's own files (`testdata/`,
 * the Rust test plugin) are left out. In the toolkit, `cmd` unchanged.
 */
export function localiseCommand(cmd: Command, paths: { entry: string; out: string; toolkit: boolean }): Command {
  if (paths.toolkit) return cmd;
  const stem = paths.out.replace(/\.wasm$/, "");
  const local = (text: string) => text.replaceAll(TOOLKIT_ENTRY, paths.entry).replaceAll(TOOLKIT_STEM, stem);
  const options = Object.fromEntries(
    Object.entries(cmd.options).map(([name, o]) => [name, {
      ...o,
      description: local(o.description),
      ...(typeof o.default === "string" ? { default: local(o.default) } : {}),
    }]),
  );
  return {
    ...cmd,
    ...(cmd.description ? { description: local(cmd.description) } : {}),
    options,
    ...(cmd.examples
      ? { examples: cmd.examples.filter((e) => !/testdata\/|rust-plugin|build\/e2e\//.test(e)).map(local) }
      : {}),
  };
}
