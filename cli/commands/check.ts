import { checkPlugin, type CheckReport, engineDifferences, formatCheckReport } from "../../lib/project/check.ts";
import type { Engine } from "../../lib/host/engine.ts";
import { type Command, flag, intOption, printJson, requireFile } from "../command.ts";
import { chooseEngines, enginesLine, hostOptionSpecs, pluginConfigOption, timeoutOption } from "../host_options.ts";

export const check: Command = {
  name: "check",
  summary: "Probe any .wasm plugin (ours, Rust, TinyGo, docs-style AssemblyScript) for what Bifrost would run into",
  description: `
Loads the plugin as Bifrost would and reports, without refusing anything
Bifrost would load:

- the ABI (as 'bifrost-as validate');
- each exported hook on a well-formed input, on inputs Bifrost sends that
  typed plugins often mishandle (Go's null for nil maps, byte slices and
  pointers; fields the types of Bifrost's Rust example do not name), on
  requests and answers beyond chat (a Responses API request and answer, an
  embeddings request and answer, a model list request), on what a stream
  brings (post_hook on one chat.completion.chunk, the HTTP post hook after
  the stream, without bodies) and on malformed input (not JSON, {}, wrong
  types, nesting 1000 deep): whether it answers, answers with its error
  field, traps or breaks the output contract;
- input fields a hook drops from the request, response, error or chunk it
  returns (the returned value replaces the input's in Bifrost);
- memory under every free policy (both, input, none, double), as
  'bifrost-as run --check-free'.

The probes run under V8 and under wazero (the Go runtime Bifrost runs
plugins on) when the wazero engine is there, each engine's report in turn;
the last lines name the engines that ran (and why wazero did not, when it
did not) and every probe whose outcome differs between them. --engine
picks one.

Findings are errors (it will fail in Bifrost), warnings (it may fail or
lose data) or info. Exits 1 when there is an error (with --strict, also a
warning), 0 otherwise, 2 for usage errors.`,
  positionals: [{ name: "plugin.wasm", description: "The plugin module" }],
  options: {
    ...hostOptionSpecs("config", "engine", "hook-timeout"),
    calls: {
      type: "string",
      arg: "N",
      description: "pre_hook calls per free policy in the memory check (default 400)",
    },
    strict: { type: "boolean", description: "Exit 1 on warnings too" },
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  examples: [
    "bifrost-as check build/hello-world.wasm",
    "bifrost-as check build/rust-plugin.wasm --json",
    'bifrost-as check plugin.wasm --config \'{"mock_models":["m1"]}\' --strict',
    "bifrost-as check build/hello-world.wasm --engine wazero",
  ],
  async run(input) {
    const path = input.positionals[0]!;
    const config = await pluginConfigOption(input);
    const calls = intOption(input, "calls", 2);
    const timeoutMs = timeoutOption(input);
    await requireFile(path);
    const choice = await chooseEngines(input, (line) => input.io.err(line));
    const reports: (CheckReport & { engine: Engine })[] = [];
    for (const engine of choice.engines) {
      const report = await checkPlugin(path, {
        timeoutMs,
        engine,
        ...(config === undefined ? {} : { config }),
        ...(calls === undefined ? {} : { calls }),
      });
      reports.push({ engine, ...report });
    }
    const differences = engineDifferences(reports);
    const [first, ...others] = reports;
    if (flag(input, "json")) {
      printJson(input.io, {
        ...first!,
        engines: choice.engines,
        ...(choice.missing ? { wazeroMissing: choice.missing } : {}),
        ...Object.fromEntries(others.map((r) => [r.engine, r])),
        engineDifferences: differences,
      });
    } else {
      const many = reports.length > 1;
      const text = reports.map((r) => `${many ? `engine ${r.engine}:\n` : ""}${formatCheckReport(r)}`);
      text.push(enginesLine(choice));
      if (many) {
        text.push(
          differences.length
            ? `Outcomes that differ between engines:\n${differences.map((d) => `  ${d}`).join("\n")}`
            : "Every probe has the same outcome under every engine",
        );
      }
      input.io.out(text.join("\n\n"));
    }
    const fails = (r: CheckReport) => r.errors > 0 || (flag(input, "strict") && r.warnings > 0);
    return reports.some(fails) || differences.length > 0 ? 1 : 0;
  },
};
