/**
 * Entry point of the `bifrost-as` command: reads argv, dispatches to one
 * command under `cli/commands/`, and decides the exit code.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BifrostAsError, UsageError } from "../lib/errors.ts";
import { type Command, type CommandInput, formatHelp, type Io } from "./_command.ts";
import { commands } from "./commands/index.ts";
import { TOOLKIT_VERSION } from "../lib/project/toolkit.ts";

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "bifrost-as: write Bifrost gateway plugins in AssemblyScript, prove them, ship them",
    "",
    "Usage: bifrost-as <command> [options]    (from this repo: deno task cli <command>)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run 'bifrost-as <command> --help' for a command's options and examples.",
  ].join("\n");
}

function parse(cmd: Command, args: string[], io: Io, signal: AbortSignal): CommandInput | null {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const first = (e as Error).message.split(/\.\s/)[0]!.replace(/\.$/, "");
    throw new UsageError(`${first}: see 'bifrost-as ${cmd.name} --help'`);
  }
  if (parsed.values.help) {
    io.out(formatHelp(cmd));
    return null;
  }
  const specs = cmd.positionals ?? [];
  const required = specs.filter((p) => !p.optional).length;
  const variadic = specs.some((p) => p.variadic);
  if (parsed.positionals.length < required) {
    const missing = specs[parsed.positionals.length]!;
    throw new UsageError(`Missing argument <${missing.name}>: see 'bifrost-as ${cmd.name} --help'`);
  }
  if (!variadic && parsed.positionals.length > specs.length) {
    throw new UsageError(
      `Unexpected argument "${parsed.positionals[specs.length]}": see 'bifrost-as ${cmd.name} --help'`,
    );
  }
  const values: CommandInput["values"] = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    values[name] = (parsed.values as Record<string, string | boolean | string[] | undefined>)[name] ?? o.default;
  }
  return { values, positionals: parsed.positionals, io, signal };
}

/** Runs the CLI on `args` and returns the exit code. */
export async function main(args: string[], io: Io = defaultIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(topHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    io.out(TOOLKIT_VERSION);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  try {
    if (!cmd) throw new UsageError(`Unknown command "${name}": run 'bifrost-as --help' for the list`);
    const input = parse(cmd, rest, io, controller.signal);
    if (!input) return 0;
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
    return (await cmd.run(input)) ?? 0;
  } catch (e) {
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
  } finally {
    try {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    } catch { /* never added */ }
  }
}

const defaultIo: Io = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
};

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
