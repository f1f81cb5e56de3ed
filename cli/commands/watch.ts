import { DEFAULT_ENTRY, DEFAULT_OUT } from "../../lib/project/build.ts";
import { formatFixtureReport } from "../../lib/project/fixtures.ts";
import { formatReport } from "../../lib/wasm/validate.ts";
import { watchPlugin } from "../../lib/project/watch.ts";
import { type Command, str } from "../command.ts";
import { hostOptionSpecs, timeoutOption } from "../host_options.ts";

export const watch: Command = {
  name: "watch",
  summary: "Rebuild, validate and re-run the fixtures on every change (a running dev gateway reloads)",
  description: `
Builds the entry, validates it and runs the fixtures, then does it again
whenever a .ts file under the entry's directory or asconfig.json changes
(only the fixtures when only fixtures change), until Ctrl-C.

Each build replaces the .wasm atomically, and 'bifrost-as dev' reloads a
plugin whose .wasm changes: keep a dev gateway running on the same .wasm and
it serves every good build. A failed build is shown with file(line,column)
and leaves the last good .wasm in place. Results go to stdout, progress to
stderr; passing fixtures are summarised, failing ones shown with their diff.`,
  options: {
    entry: { type: "string", arg: "FILE", description: "Plugin entry file", default: DEFAULT_ENTRY },
    out: { type: "string", arg: "FILE", description: "Where the build goes", default: DEFAULT_OUT },
    fixtures: { type: "string", arg: "DIR", description: "Fixtures directory", default: "fixtures" },
    ...hostOptionSpecs("hook-timeout"),
  },
  examples: [
    "bifrost-as watch --entry assembly/my_plugin.ts --out build/my-plugin.wasm",
    "bifrost-as dev --plugin build/my-plugin.wasm    # in another terminal: reloads after each build",
  ],
  async run(input) {
    const { io } = input;
    const timeoutMs = timeoutOption(input);
    const time = () => new Date().toTimeString().slice(0, 8);
    let announced = false;
    await watchPlugin({
      entry: str(input, "entry")!,
      out: str(input, "out")!,
      fixtures: str(input, "fixtures")!,
      signal: input.signal,
      timeoutMs,
      onEvent(e) {
        switch (e.kind) {
          case "build":
            io.err(`[${time()}] Building${e.changed.length ? ` (changed: ${e.changed.join(", ")})` : ""}...`);
            break;
          case "build-failed":
            io.out(`[${time()}] Build failed: ${e.message}`);
            break;
          case "built": {
            for (const w of e.warnings) io.err(w);
            const kb = (e.size / 1024).toFixed(1);
            io.out(`[${time()}] Built ${e.path} (${kb} KiB) in ${(e.durationMs / 1000).toFixed(1)}s`);
            io.out(formatReport(e.validation, { brief: true }));
            break;
          }
          case "fixtures":
            io.out(formatFixtureReport(e.report, { failuresOnly: true }));
            break;
          case "fixtures-failed":
            io.out(`Fixtures not run: ${e.message}`);
            break;
          case "watching":
            if (!announced) {
              io.err(e.paths.length ? `Watching ${e.paths.join(", ")} (Ctrl-C to stop)` : "Nothing to watch");
            }
            announced = true;
            break;
        }
      },
    });
  },
};
