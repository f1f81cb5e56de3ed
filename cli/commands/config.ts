import { basename } from "node:path";
import { type BifrostPluginOptions, readBifrostConfig, writeBifrostConfig } from "../../lib/config/bifrost_config.ts";
import { UsageError } from "../../lib/errors.ts";
import { type Command, type CommandInput, flag, jsonOption, printJson, str } from "../command.ts";

/** Options that describe the config to write, so they make no sense with --check. */
const WRITE_OPTIONS = ["plugin", "upstream", "name", "plugin-config", "app-dir"];

export const config: Command = {
  name: "config",
  summary: "Write a Bifrost config.json that loads a plugin in front of an upstream, or check one",
  description: `
Writes config.json into --out: an openai provider calling --upstream (its
base URL without /v1) with a fake key allowed every model, local pricing
files so Bifrost starts offline, and the plugin. It is checked against
Bifrost's JSON Schema before anything is written, and each file is written
atomically. Paths go in as the gateway sees them: when --out is mounted
elsewhere (e.g. at /app/data in the Docker image), say so with --app-dir and
give --plugin as seen there. In config.json plugins run in array order.

With --check FILE, validates an existing config.json instead and lists its
plugins in the order they run. Exits 1 when it is invalid.`,
  options: {
    plugin: {
      type: "string",
      arg: "PATH",
      description: "The plugin .wasm as the gateway sees it: a file path or an https URL",
    },
    upstream: { type: "string", arg: "URL", description: "The OpenAI-compatible upstream, e.g. mock-upstream's URL" },
    name: { type: "string", arg: "NAME", description: "Plugin name (default: the file name without .wasm)" },
    "plugin-config": {
      type: "string",
      arg: "JSON",
      description: "The plugin's config as a JSON object, or @FILE to read it from a file",
    },
    out: {
      type: "string",
      arg: "DIR",
      description: "Where to write config.json and its data files",
      default: "build/bifrost",
    },
    "app-dir": { type: "string", arg: "DIR", description: "Where the gateway sees --out (default: its absolute path)" },
    check: { type: "string", arg: "FILE", description: "Validate this config.json instead of writing one" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as config --plugin build/hello-world.wasm --upstream http://127.0.0.1:8081",
    `bifrost-as config --plugin build/hello-world.wasm --upstream http://127.0.0.1:8081 --plugin-config '{"k":"v"}'`,
    "bifrost-as config --plugin /app/data/hello-world.wasm --upstream http://mock:8081 --out build/compose --app-dir /app/data",
    "bifrost-as config --check build/bifrost/config.json",
  ],
  run(input) {
    const check = str(input, "check");
    if (check === undefined) return write(input);
    const conflicting = WRITE_OPTIONS.find((name) => str(input, name) !== undefined);
    if (conflicting) throw new UsageError(`Option --check cannot be combined with --${conflicting}`);
    return checkFile(input, check);
  },
};

async function write(input: CommandInput): Promise<number> {
  const { io } = input;
  const upstreamUrl = str(input, "upstream");
  if (upstreamUrl === undefined) {
    throw new UsageError(
      `Missing --upstream: the URL the gateway calls, e.g. the one 'bifrost-as mock-upstream' prints`,
    );
  }
  const path = str(input, "plugin");
  if (path === undefined) {
    const orphan = ["name", "plugin-config"].find((name) => str(input, name) !== undefined);
    if (orphan) throw new UsageError(`Option --${orphan} needs --plugin`);
  }
  const plugins: BifrostPluginOptions[] = [];
  if (path !== undefined) {
    const name = str(input, "name") ?? basename(path.replace(/[?#].*$/, "")).replace(/\.wasm$/, "");
    if (name === "") throw new UsageError(`Cannot name the plugin after "${path}": give --name`);
    const config = await pluginConfig(input);
    plugins.push({ path, name, ...(config ? { config } : {}) });
  }
  const appDir = str(input, "app-dir");
  const written = await writeBifrostConfig(str(input, "out")!, {
    upstreamUrl,
    plugins,
    ...(appDir !== undefined ? { appDir } : {}),
  });
  if (flag(input, "json")) {
    printJson(io, written);
  } else {
    const base = written.config.providers?.openai?.network_config?.base_url;
    const what = plugins.map((p) => `plugin "${p.name}"`).join(", ") || "no plugin";
    io.out(`Wrote ${written.configPath} (${what}, upstream ${base})`);
    io.out(`Data files: ${written.files.slice(0, -1).map((f) => basename(f)).join(", ")}`);
  }
  return 0;
}

async function checkFile(input: CommandInput, path: string): Promise<number> {
  const { plugins } = await readBifrostConfig(path);
  if (flag(input, "json")) {
    printJson(input.io, { path, valid: true, plugins });
    return 0;
  }
  const count = plugins.length === 1 ? "1 plugin" : `${plugins.length} plugins`;
  const lines = [`${path}: valid Bifrost config, ${count}${plugins.length ? " in the order they run:" : ""}`];
  const width = Math.max(0, ...plugins.map((p) => p.name.length));
  plugins.forEach((p, i) => {
    const notes = [
      p.enabled ? "" : "disabled",
      p.placement !== undefined || p.order !== undefined ? "placement/order ignored in config.json" : "",
    ].filter(Boolean);
    const where = p.path ?? "(built-in)";
    lines.push(`  ${i + 1}. ${p.name.padEnd(width)}  ${where}${notes.length ? `  [${notes.join("; ")}]` : ""}`);
  });
  input.io.out(lines.join("\n"));
  return 0;
}

/** Parses --plugin-config: inline JSON, or `@` and a file holding it. */
async function pluginConfig(input: CommandInput): Promise<Record<string, unknown> | undefined> {
  const value = await jsonOption(input, "plugin-config");
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`Invalid --plugin-config "${str(input, "plugin-config")}": expected a JSON object`);
  }
  return value as Record<string, unknown>;
}
