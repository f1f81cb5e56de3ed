import { buildPlugin, DEFAULT_ENTRY, DEFAULT_OUT } from "../../lib/project/build.ts";
import { formatFixtureReport, runFixtures } from "../../lib/project/fixtures.ts";
import { formatReport, validateModule } from "../../lib/wasm/validate.ts";
import { type Command, flag, printJson, str } from "../command.ts";
import { freePoliciesOption, hostOptionSpecs, timeoutOption } from "../host_options.ts";

export const test: Command = {
  name: "test",
  summary: "Build the plugin and run its fixtures (fixtures/<hook>/<case>.json) under every free policy",
  description: `
Builds the entry (as 'bifrost-as build' does, unless --plugin names a .wasm),
validates it, then runs every fixture under the fixtures directory through the
conformance host under each free policy (both, input, none, double).

A fixture is fixtures/<hook>/<case>.json: {"input": ..., "config"?: ...,
"expect": ..., "match"?: "exact" | "partial"}. "partial" ignores object keys
"expect" does not name. A failure prints a diff: "- path: expected" and
"+ path: actual" lines. --update rewrites failing (or missing) expectations
from the plugin's output. Exits 1 when a fixture fails.

--free-policy narrows the policies (default: all four), for a plugin known to need one (a Rust
plugin's free(ptr, size) traps on a double free): the summary names the
policies that ran, and 'bifrost-as check' reports the others.`,
  options: {
    entry: { type: "string", arg: "FILE", description: "Plugin entry file", default: DEFAULT_ENTRY },
    out: { type: "string", arg: "FILE", description: "Where the build goes", default: DEFAULT_OUT },
    plugin: { type: "string", arg: "FILE", description: "Test this .wasm instead of building" },
    fixtures: { type: "string", arg: "DIR", description: "Fixtures directory", default: "fixtures" },
    update: { type: "boolean", short: "u", description: "Rewrite failing expectations from the output" },
    filter: { type: "string", arg: "TEXT", description: "Only fixtures whose name (hook/case) contains TEXT" },
    ...hostOptionSpecs("free-policy", "timeout"),
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  examples: [
    "bifrost-as test",
    "bifrost-as test --entry assembly/my_plugin.ts --out build/my-plugin.wasm",
    "bifrost-as test --plugin build/my-plugin.wasm --filter pre_hook/",
    "bifrost-as test --update",
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
    const report = await runFixtures(plugin, str(input, "fixtures")!, {
      update: flag(input, "update"),
      timeoutMs,
      ...(filter !== undefined ? { filter } : {}),
      ...(policies !== undefined ? { policies } : {}),
    });
    if (json) printJson(io, report);
    else io.out(formatFixtureReport(report));
    return report.failed === 0 ? 0 : 1;
  },
};
