import assert from "node:assert/strict";
import { join } from "node:path";
import { type BifrostConfigJson, validateBifrostConfig, writeBifrostConfig } from "../../lib/config/bifrost_config.ts";
import { type CliResult, runCli } from "../../testing/cli.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertError(r: CliResult, code: number, message: string): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, `error: ${message}\n`);
}

async function readConfig(dir: string): Promise<BifrostConfigJson> {
  return JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
}

Deno.test("cli config writes a config.json that Bifrost's schema accepts", async () => {
  await withTempDir(async (dir) => {
    const r = await runCli([
      "config",
      "--plugin",
      "build/hello-world.wasm",
      "--upstream",
      "http://127.0.0.1:8081/v1",
      "--out",
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Wrote ${join(dir, "config.json")} (plugin "hello-world", upstream http://127.0.0.1:8081)\n` +
        "Data files: pricing.json, model-parameters.json, mcp-library.json\n",
    );
    const config = await readConfig(dir);
    assert.deepEqual(validateBifrostConfig(config), { valid: true, errors: [] });
    assert.deepEqual(config.plugins, [{
      enabled: true,
      name: "hello-world",
      path: "build/hello-world.wasm",
      config: {},
    }]);
    assert.equal(config.providers?.openai?.network_config?.base_url, "http://127.0.0.1:8081");
    assert.equal(config.framework?.pricing?.pricing_url, `file://${dir}/pricing.json`);
  });
});

Deno.test("cli config takes the plugin's name and config from --name and --plugin-config", async () => {
  await withTempDir(async (dir) => {
    const base = ["config", "--plugin", "/app/data/p.wasm", "--upstream", "http://mock:8081", "--out", dir];
    const inline = await runCli([...base, "--name", "greeter", "--plugin-config", '{"greeting":"hi"}', "--json"]);
    assert.equal(inline.code, 0, inline.stderr);
    const printed = JSON.parse(inline.stdout);
    assert.equal(printed.configPath, join(dir, "config.json"));
    assert.deepEqual(printed.config, await readConfig(dir));
    assert.deepEqual(printed.config.plugins[0], {
      enabled: true,
      name: "greeter",
      path: "/app/data/p.wasm",
      config: { greeting: "hi" },
    });

    await Deno.writeTextFile(join(dir, "plugin.json"), '{"from":"file"}');
    const fromFile = await runCli([
      ...base,
      "--plugin-config",
      `@${join(dir, "plugin.json")}`,
      "--app-dir",
      "/app/data",
    ]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const config = await readConfig(dir);
    assert.deepEqual(config.plugins?.[0]?.config, { from: "file" });
    assert.equal(config.plugins?.[0]?.name, "p");
    assert.equal(config.framework?.pricing?.pricing_url, "file:///app/data/pricing.json");
    assert.equal(config.providers?.openai?.network_config?.allow_private_network, true);
  });
});

Deno.test("cli config --check validates a config.json and lists its plugins in run order", async () => {
  await withTempDir(async (dir) => {
    const { configPath } = await writeBifrostConfig(dir, {
      upstreamUrl: "http://127.0.0.1:8081",
      plugins: [{ path: "a.wasm", name: "first" }, { path: "b.wasm", name: "second-plugin", enabled: false }],
    });
    const r = await runCli(["config", "--check", configPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `${configPath}: valid Bifrost config, 2 plugins in the order they run:\n` +
        "  1. first          a.wasm\n" +
        "  2. second-plugin  b.wasm  [disabled]\n",
    );
    const json = JSON.parse((await runCli(["config", "--check", configPath, "--json"])).stdout);
    assert.deepEqual(json.plugins.map((p: { name: string }) => p.name), ["first", "second-plugin"]);
    assert.equal(json.valid, true);
  });
});

Deno.test("cli config --check rejects a broken config with exit 1 and each schema error", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "config.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({ plugins: [{ name: "p", path: "p.wasm", placement: "early" }], providers: { openai: {} } }),
    );
    assertError(
      await runCli(["config", "--check", path]),
      1,
      `Invalid Bifrost config "${path}": 3 schema errors:\n` +
        `  /providers/openai: missing required property "keys"\n` +
        `  /plugins/0: missing required property "enabled"\n` +
        `  /plugins/0/placement: must be one of "pre_builtin", "post_builtin", "builtin" (got "early")`,
    );
    assertError(
      await runCli(["config", "--check", join(dir, "missing.json")]),
      1,
      `Cannot read Bifrost config "${join(dir, "missing.json")}": file not found`,
    );
  });
});

Deno.test("cli config reports bad invocations with exit 2", async () => {
  await withTempDir(async (dir) => {
    const base = ["config", "--plugin", "p.wasm", "--upstream", "http://127.0.0.1:8081", "--out", dir];
    const cases: [string[], string | RegExp][] = [
      [
        ["config", "--plugin", "p.wasm"],
        "Missing --upstream: the URL the gateway calls, e.g. the one 'bifrost-as mock-upstream' prints",
      ],
      [["config", "--check", "c.json", "--plugin", "p.wasm"], "Option --check cannot be combined with --plugin"],
      [["config", "--upstream", "http://x", "--name", "n"], "Option --name needs --plugin"],
      [[...base, "--plugin-config", "{oops"], /^error: Invalid --plugin-config "\{oops": not JSON: .+\n$/],
      [[...base, "--plugin-config", "[1]"], `Invalid --plugin-config "[1]": expected a JSON object`],
      [[...base, "--plugin-config", "@nope.json"], `Cannot read --plugin-config file "nope.json": file not found`],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd: dir });
      if (typeof message === "string") {
        assertError(r, 2, message);
      } else {
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
      }
    }
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "nothing is written");
  });
});

Deno.test("cli config rejects an invalid upstream URL with exit 1 and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const r = await runCli(["config", "--plugin", "p.wasm", "--upstream", "localhost:8081", "--out", dir]);
    assertError(r, 1, `Invalid upstream URL "localhost:8081": expected http:// or https:// with no query`);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  });
});
