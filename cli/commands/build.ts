import { buildPlugin, DEFAULT_ENTRY, MAX_INPUT_MB_RANGE, projectPaths } from "../../lib/project/build.ts";
import { formatReport, validateModule } from "../../lib/wasm/validate.ts";
import { type Command, flag, intOption, printJson, str } from "../command.ts";

export const build: Command = {
  name: "build",
  summary: "Compile an AssemblyScript plugin to .wasm and check it against the ABI",
  description: `
Compiles the entry with json-as's transform using asconfig.json's "release"
target (or "debug" with --debug), writes the .wasm atomically, then validates
it against the plugin ABI as 'bifrost-as validate' does. Exits 1 when the
module breaks the ABI (the .wasm is still written, for inspection).`,
  options: {
    entry: { type: "string", arg: "FILE", description: "Plugin entry file", default: DEFAULT_ENTRY },
    out: { type: "string", arg: "FILE", description: "Output .wasm (default: build/hello-world[.debug].wasm)" },
    debug: { type: "boolean", description: "Debug build (no optimisation, assertions kept)" },
    "max-input-mb": {
      type: "string",
      arg: "N",
      description: "Largest hook input the SDK takes, in MiB (default 512; 1 to 1024)",
    },
    quiet: { type: "boolean", short: "q", description: "Print nothing on success" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as build",
    "bifrost-as build --debug",
    "bifrost-as build --entry assembly/my_plugin.ts --out build/my-plugin.wasm",
    "bifrost-as build --max-input-mb 512",
  ],
  async run(input) {
    const { io } = input;
    const entry = str(input, "entry")!;
    const maxInputMb = intOption(input, "max-input-mb", MAX_INPUT_MB_RANGE.min, MAX_INPUT_MB_RANGE.max);
    if (!flag(input, "quiet") && !flag(input, "json")) io.err(`Compiling ${entry}...`);
    const out = str(input, "out") ?? await defaultOut(entry, flag(input, "debug"));
    const result = await buildPlugin({
      entry,
      debug: flag(input, "debug"),
      ...(out ? { out } : {}),
      ...(maxInputMb === undefined ? {} : { maxInputMb }),
    });
    const report = validateModule(result.bytes, { source: result.path });
    if (flag(input, "json")) {
      printJson(io, {
        path: result.path,
        size: result.bytes.length,
        durationMs: Math.round(result.durationMs),
        warnings: result.warnings,
        validation: report,
      });
    } else {
      if (!flag(input, "quiet")) {
        for (const w of result.warnings) io.err(w);
        io.out(`Built ${result.path} (${result.bytes.length} bytes) in ${(result.durationMs / 1000).toFixed(1)}s`);
      }
      // A module that breaks the ABI is reported even with --quiet.
      if (!report.valid) io.err(formatReport(report, { brief: true }));
      else if (!flag(input, "quiet")) io.out(formatReport(report, { brief: true }));
    }
    return report.valid ? 0 : 1;
  },
};

/** The project's output for its own entry (a `.debug.wasm` beside it with --debug); another entry's own name. */
async function defaultOut(entry: string, debug: boolean): Promise<string> {
  const paths = await projectPaths();
  const out = entry === paths.entry
    ? paths.out
    : `build/${entry.replace(/^.*\//, "").replace(/\.ts$/, "").replace(/_/g, "-")}.wasm`;
  return debug ? out.replace(/\.wasm$/, ".debug.wasm") : out;
}
