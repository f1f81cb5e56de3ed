/**
 * Entry point of the `bifrost-as` command: reads argv, dispatches to one
 * command under `cli/commands/`, and decides the exit code.
 *
 * @module
 */
import { UsageError } from "../lib/errors.ts";
import { consoleIo, didYouMean, type Io, reportError, runCommand } from "./command.ts";
import { commands } from "./commands/all.ts";
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

/** Runs the CLI on `args` and returns the exit code. */
export async function main(args: string[], io: Io = consoleIo): Promise<number> {
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
  if (!cmd) {
    const hint = didYouMean(name, commands.map((c) => c.name), (c) => `'${c}'`);
    return reportError(new UsageError(`Unknown command "${name}"${hint}: run 'bifrost-as --help' for the list`), io);
  }
  return await runCommand(cmd, rest, { io, program: "bifrost-as" });
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
