/**
 * Entry point of the `bifrost-as` command: reads argv, dispatches to one
 * command under `cli/commands/`, and decides the exit code.
 *
 * @module
 */
import { UsageError } from "../lib/errors.ts";
import { type Command, consoleIo, didYouMean, type Io, reportError, runCommand } from "./command.ts";
import { type ProjectPaths, projectPaths } from "../lib/project/build.ts";
import { commands } from "./commands/all.ts";
import { TOOLKIT_VERSION } from "../lib/project/toolkit.ts";

function topHelp(inToolkit: boolean): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "bifrost-as: write Bifrost gateway plugins in AssemblyScript, prove them, ship them",
    "",
    `Usage: bifrost-as <command> [options]${inToolkit ? "    (from this repo: deno task cli <command>)" : ""}`,
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
  const paths = await projectPaths();
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(topHelp(paths.toolkit));
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
  return await runCommand(localiseCommand(cmd, paths), rest, { io, program: "bifrost-as" });
}

/** The toolkit's own default paths, which a plugin project's help and defaults replace with its own. */
const TOOLKIT_ENTRY = "assembly/hello_world.ts";
const TOOLKIT_STEM = "build/hello-world";

/**
 * `cmd` as seen from a plugin project: its description, option defaults and
 * examples name the project's entry and output instead of the toolkit's
 * hello-world, and examples that use the toolkit's own files (`testdata/`,
 * the Rust test plugin, `build/e2e/`) are left out. In the toolkit, `cmd`
 * unchanged.
 */
export function localiseCommand(cmd: Command, paths: ProjectPaths): Command {
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

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
