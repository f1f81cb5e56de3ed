import { buildPlugin, DEFAULT_ENTRY, DEFAULT_OUT } from "../../lib/project/build.ts";
import { type FixtureReport, formatFixtureReport, runFixtures } from "../../lib/project/fixtures.ts";
import type { Engine } from "../../lib/host/engine.ts";
import { formatReport, validateModule } from "../../lib/wasm/validate.ts";
import { type Command, flag, printJson, str } from "../command.ts";
import {
  chooseEngines,
  type EngineChoice,
  enginesLine,
  freePoliciesOption,
  hostOptionSpecs,
  timeoutOption,
} from "../host_options.ts";

/** One engine's fixture report. */
type EngineFixtureReport = FixtureReport & { engine: Engine };

export const test: Command = {
  name: "test",
  summary: "Build the plugin and run its fixtures (fixtures/<hook>/<case>.json) under every free policy",
  description: `
Builds the entry (as 'bifrost-as build' does, unless --plugin names a .wasm),
validates it, then runs every fixture under the fixtures directory through the
conformance host under each free policy (both, input, none, double).

A fixture is fixtures/<hook>/<case>.json: {"input": ..., "config"?: ...,
"expect": ..., "match"?: "exact" | "partial"}. "partial" ignores object keys
"expect" does not name. An HTTP hook's request or response may give its
body as "body_text" or "body_json" instead of base64 "body". A failure
prints a diff: "- path: expected" and "+ path: actual" lines, bodies
decoded. --update rewrites failing (or missing) expectations
from the plugin's output. Exits 1 when a fixture fails.

"double" (every buffer freed twice) is a probe: Bifrost does not free a
buffer twice (its own Rust example would crash), so a fixture that fails
under "double" alone passes with a warning, and the summary counts those.
--free-policy narrows the policies (default: all four): the summary names
the policies that ran, and with "double" alone its failures are failures.

The fixtures run under V8 and under wazero (the Go runtime Bifrost runs
plugins on) when the wazero engine is there; the last lines say which
engines ran, and why wazero did not when it did not. --engine picks one.`,
  options: {
    entry: { type: "string", arg: "FILE", description: "Plugin entry file", default: DEFAULT_ENTRY },
    out: { type: "string", arg: "FILE", description: "Where the build goes", default: DEFAULT_OUT },
    plugin: { type: "string", arg: "FILE", description: "Test this .wasm instead of building" },
    fixtures: { type: "string", arg: "DIR", description: "Fixtures directory", default: "fixtures" },
    update: { type: "boolean", short: "u", description: "Rewrite failing expectations from the output" },
    filter: { type: "string", arg: "TEXT", description: "Only fixtures whose name (hook/case) contains TEXT" },
    ...hostOptionSpecs("free-policy", "engine", "hook-timeout"),
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  examples: [
    "bifrost-as test",
    "bifrost-as test --entry assembly/my_plugin.ts --out build/my-plugin.wasm",
    "bifrost-as test --plugin build/my-plugin.wasm --filter pre_hook/",
    "bifrost-as test --update",
    "bifrost-as test --plugin build/my-plugin.wasm --engine wazero",
    "bifrost-as test --plugin build/rust-plugin.wasm --fixtures testdata/rust-plugin/fixtures --free-policy both,input,none",
  ],
  async run(input) {
    const { io } = input;
    const json = flag(input, "json");
    const timeoutMs = timeoutOption(input);
    let plugin = str(input, "plugin");
    if (plugin === undefined) {
      const entry = str(input, "entry")!;
      if (!json) io.err(`Compiling ${entry}...`);
      const built = await buildPlugin({ entry, out: str(input, "out")! });
      const report = validateModule(built.bytes, { source: built.path });
      if (!report.valid) {
        io.err(formatReport(report, { brief: true }));
        return 1;
      }
      if (!json) io.err(`Built ${built.path} in ${(built.durationMs / 1000).toFixed(1)}s`);
      plugin = built.path;
    }
    const filter = str(input, "filter");
    const policies = freePoliciesOption(input);
    const choice = await chooseEngines(input, (line) => io.err(line));
    const reports: EngineFixtureReport[] = [];
    for (const engine of choice.engines) {
      const report = await runFixtures(plugin, str(input, "fixtures")!, {
        // The expectations are rewritten from the first engine's outputs only.
        update: flag(input, "update") && engine === choice.engines[0],
        engine,
        timeoutMs,
        ...(filter !== undefined ? { filter } : {}),
        ...(policies !== undefined ? { policies } : {}),
      });
      reports.push({ engine, ...report });
    }
    const failed = reports.reduce((n, r) => n + r.failed, 0);
    if (json) {
      printJson(io, {
        engines: choice.engines,
        ...(choice.missing ? { wazeroMissing: choice.missing } : {}),
        passed: reports.reduce((n, r) => n + r.passed, 0),
        failed,
        reports,
      });
    } else io.out(formatEngineReports(reports, choice));
    return failed === 0 ? 0 : 1;
  },
};

/**
 * Each engine's report under its name, then one summary line over all of
 * them (the last line, which CI counts) and the engines line.
 */
function formatEngineReports(reports: EngineFixtureReport[], choice: EngineChoice): string {
  if (reports.length === 1 && !choice.missing) {
    return `${formatFixtureReport(reports[0]!)}\n${enginesLine(choice)}`;
  }
  const parts = reports.map((r) => `engine ${r.engine}:\n${formatFixtureReport(r)}`);
  const first = reports[0]!;
  const n = first.results.length;
  const passed = reports.reduce((k, r) => k + r.passed, 0);
  const failed = reports.reduce((k, r) => k + r.failed, 0);
  const updated = first.updated ? `, ${first.updated} updated` : "";
  const warned = reports.reduce((k, r) => k + r.probeWarnings, 0);
  const probes = warned ? `; ${warned} fail${warned === 1 ? "s" : ""} only under the "double" probe (a warning)` : "";
  const policies = `${first.policies.length} free ${first.policies.length === 1 ? "policy" : "policies"}`;
  parts.push(
    enginesLine(choice),
    `${n} fixture${n === 1 ? "" : "s"}, each under ${policies} (${first.policies.join(", ")}) and ` +
      `${reports.length} engine${reports.length === 1 ? "" : "s"} (${choice.engines.join(", ")}): ` +
      `${passed} passed, ${failed} failed${updated}${probes}`,
  );
  return parts.join("\n\n");
}
