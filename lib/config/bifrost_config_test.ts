import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bifrostConfig,
  type BifrostConfigJson,
  readBifrostConfig,
  validateBifrostConfig,
  writeBifrostConfig,
} from "./bifrost_config.ts";
import { ConfigError } from "../errors.ts";
import { MOCK_MODELS } from "../mock/mock_upstream.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bifrost_config_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertConfigError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.equal(e.message, message);
    return true;
  });
}

const wasm = { path: "/app/data/hello-world.wasm", name: "hello-world" };

Deno.test("bifrostConfig() points the openai provider at the upstream without /v1", () => {
  const cases: [string, string, boolean][] = [
    ["http://127.0.0.1:8081", "http://127.0.0.1:8081", false],
    ["http://127.0.0.1:8081/v1/", "http://127.0.0.1:8081", false],
    ["http://localhost:9000/", "http://localhost:9000", false],
    ["http://mock-upstream:8081/proxy/v1", "http://mock-upstream:8081/proxy", true],
    ["https://172.18.0.2", "https://172.18.0.2", true],
  ];
  for (const [upstreamUrl, base, privateNetwork] of cases) {
    const openai = bifrostConfig({ upstreamUrl }).providers?.openai;
    assert.equal(openai?.network_config?.base_url, base, upstreamUrl);
    assert.equal(openai?.network_config?.allow_private_network, privateNetwork ? true : undefined, upstreamUrl);
    assert.deepEqual(openai?.keys, [{
      name: "bifrost-as-mock",
      value: "sk-bifrost-as-mock",
      models: ["*"],
      weight: 1,
    }]);
  }
  const tuned = bifrostConfig({
    upstreamUrl: "http://mock:1",
    allowPrivateNetwork: false,
    maxRetries: 0,
    requestTimeoutSeconds: 5,
    apiKey: "sk-other",
  }).providers?.openai;
  assert.deepEqual(tuned?.network_config, {
    base_url: "http://mock:1",
    max_retries: 0,
    default_request_timeout_in_seconds: 5,
  });
  assert.equal(tuned?.keys[0]?.value, "sk-other");
});

Deno.test("bifrostConfig() reads pricing from local files under the app dir", () => {
  assert.deepEqual(bifrostConfig({ upstreamUrl: "http://127.0.0.1:1" }).framework, {
    pricing: {
      pricing_url: "file:///app/data/pricing.json",
      model_parameters_url: "file:///app/data/model-parameters.json",
      mcp_library_url: "file:///app/data/mcp-library.json",
    },
  });
  const pricing = bifrostConfig({ upstreamUrl: "http://127.0.0.1:1", appDir: "/srv/my gateway" }).framework?.pricing;
  assert.equal(pricing?.pricing_url, "file:///srv/my%20gateway/pricing.json");
});

Deno.test("bifrostConfig() keeps plugins in order with their defaults", () => {
  const { plugins } = bifrostConfig({
    upstreamUrl: "http://127.0.0.1:8081",
    plugins: [
      { ...wasm, config: { a: 1 } },
      { path: "https://example.com/p.wasm", name: "second", enabled: false },
    ],
  });
  assert.deepEqual(plugins, [
    { enabled: true, name: "hello-world", path: "/app/data/hello-world.wasm", config: { a: 1 } },
    { enabled: false, name: "second", path: "https://example.com/p.wasm", config: {} },
  ]);
  assert.deepEqual(bifrostConfig({ upstreamUrl: "http://127.0.0.1:8081" }).plugins, []);
});

Deno.test("bifrostConfig() rejects a bad upstream URL or plugin entry with a clear message", () => {
  const upstreamUrl = "http://127.0.0.1:8081";
  const cases: [() => unknown, string][] = [
    [
      () => bifrostConfig({ upstreamUrl: "127.0.0.1:8081" }),
      `Invalid upstream URL "127.0.0.1:8081": expected http:// or https:// with no query`,
    ],
    [
      () => bifrostConfig({ upstreamUrl: "ftp://x" }),
      `Invalid upstream URL "ftp://x": expected http:// or https:// with no query`,
    ],
    [
      () => bifrostConfig({ upstreamUrl, appDir: "data" }),
      `Invalid app dir "data": expected an absolute path`,
    ],
    [
      () => bifrostConfig({ upstreamUrl, plugins: [{ path: "a.wasm", name: " " }] }),
      `Invalid plugin name " ": expected a non-empty string`,
    ],
    [
      () => bifrostConfig({ upstreamUrl, plugins: [wasm, { ...wasm, path: "b.wasm" }] }),
      `Duplicate plugin name "hello-world": each plugin needs its own name`,
    ],
    [
      () => bifrostConfig({ upstreamUrl, plugins: [{ ...wasm, path: "" }] }),
      `Invalid path "" for plugin "hello-world": expected a file path or URL`,
    ],
    [
      () => bifrostConfig({ upstreamUrl, plugins: [{ ...wasm, path: "http://example.com/p.wasm" }] }),
      `Invalid path "http://example.com/p.wasm" for plugin "hello-world": Bifrost downloads plugins over https only`,
    ],
    [
      () => bifrostConfig({ upstreamUrl, plugins: [{ ...wasm, config: [1] as never }] }),
      `Invalid config for plugin "hello-world": expected a JSON object, got [1]`,
    ],
  ];
  for (const [fn, message] of cases) assertConfigError(fn, message);
});

Deno.test("validateBifrostConfig() accepts generated configs", () => {
  const config = bifrostConfig({
    upstreamUrl: "http://mock-upstream:8081",
    appDir: "/app/data",
    maxRetries: 2,
    requestTimeoutSeconds: 30,
    plugins: [{ ...wasm, config: { nested: { list: [1, 2] } } }, { path: "https://x.test/p.wasm", name: "p2" }],
  });
  assert.deepEqual(validateBifrostConfig(config), { valid: true, errors: [] });
});

Deno.test("validateBifrostConfig() reports each problem with its JSON pointer and the offending value", () => {
  const broken = {
    providers: {
      openai: {
        keys: [{ name: "k", value: "v" }],
        network_config: { base_url: "not a url", max_retries: -1 },
      },
    },
    plugins: [
      { enabled: true, name: "p", path: "p.wasm", placement: "first", bogus: 1 },
      { enabled: true, name: "telemetry" },
      { name: "no-enabled" },
    ],
    unknown_section: {},
  };
  const { valid, errors } = validateBifrostConfig(broken);
  assert.equal(valid, false);
  assert.deepEqual(errors.toSorted(), [
    `/: unknown property "unknown_section"`,
    `/plugins/0/placement: must be one of "pre_builtin", "post_builtin", "builtin" (got "first")`,
    `/plugins/0: unknown property "bogus"`,
    `/plugins/1: missing required property "config"`,
    `/plugins/2: missing required property "enabled"`,
    `/providers/openai/keys/0: missing required property "weight"`,
    `/providers/openai/network_config/base_url: must match format "uri" (got "not a url")`,
    `/providers/openai/network_config/max_retries: must be >= 0 (got -1)`,
  ]);
  assert.deepEqual(validateBifrostConfig([]).errors, ["/: must be object (got [])"]);
});

Deno.test("validateBifrostConfig() throws a ConfigError when the schema file is missing", () => {
  assertConfigError(
    () => validateBifrostConfig({}, { schemaPath: "/no/such/config.schema.json" }),
    `Cannot load Bifrost's config schema "/no/such/config.schema.json": file not found` +
      ` (the package ships it as schemas/bifrost-config.schema.json)`,
  );
});

Deno.test("writeBifrostConfig() writes config.json and the data files it points at", async () => {
  await withTempDir(async (dir) => {
    const written = await writeBifrostConfig(join(dir, "gateway"), {
      upstreamUrl: "http://127.0.0.1:8081",
      plugins: [wasm],
    });
    const gateway = join(dir, "gateway");
    assert.equal(written.configPath, join(gateway, "config.json"));
    assert.equal(written.files.at(-1), written.configPath);
    const names = [];
    for await (const entry of Deno.readDir(gateway)) names.push(entry.name);
    assert.deepEqual(names.toSorted(), ["config.json", "mcp-library.json", "model-parameters.json", "pricing.json"]);

    const config: BifrostConfigJson = JSON.parse(await Deno.readTextFile(written.configPath));
    assert.deepEqual(config, written.config);
    const pricing = config.framework?.pricing;
    for (const url of [pricing?.pricing_url, pricing?.model_parameters_url, pricing?.mcp_library_url]) {
      const path = fileURLToPath(url!);
      assert.ok(written.files.includes(path), `${url} is not one of the written files`);
      JSON.parse(await Deno.readTextFile(path));
    }
    const prices = JSON.parse(await Deno.readTextFile(fileURLToPath(pricing!.pricing_url!)));
    assert.deepEqual(Object.keys(prices), [...MOCK_MODELS]);
    assert.equal(prices[MOCK_MODELS[0]!].provider, "openai");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(gateway, "mcp-library.json"))), { servers: [] });
  });
});

Deno.test("writeBifrostConfig() points the data URLs at appDir when the gateway sees the directory elsewhere", async () => {
  await withTempDir(async (dir) => {
    const { config } = await writeBifrostConfig(dir, { upstreamUrl: "http://mock:8081", appDir: "/app/data" });
    assert.equal(config.framework?.pricing?.pricing_url, "file:///app/data/pricing.json");
  });
});

Deno.test("writeBifrostConfig() refuses to write a config Bifrost would reject", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      writeBifrostConfig(dir, { upstreamUrl: "http://127.0.0.1:8081", maxRetries: -1, requestTimeoutSeconds: 0 }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(
          e.message,
          `Cannot write Bifrost config "${join(dir, "config.json")}": 2 schema errors:\n` +
            `  /providers/openai/network_config/default_request_timeout_in_seconds: must be >= 1 (got 0)\n` +
            `  /providers/openai/network_config/max_retries: must be >= 0 (got -1)`,
        );
        return true;
      },
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "nothing is written");
  });
});

Deno.test("readBifrostConfig() returns plugin entries in array order, keeping placement and order", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "config.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        plugins: [
          { enabled: true, name: "telemetry", config: {} },
          { enabled: true, name: "b", path: "b.wasm", placement: "pre_builtin", order: 5, version: 2 },
          { enabled: false, name: "a", path: "https://x.test/a.wasm", config: { k: "v" }, order: 1 },
        ],
      }),
    );
    const file = await readBifrostConfig(path);
    assert.equal(file.path, path);
    assert.deepEqual(file.plugins, [
      { enabled: true, name: "telemetry", config: {} },
      { enabled: true, name: "b", path: "b.wasm", config: {}, placement: "pre_builtin", order: 5, version: 2 },
      { enabled: false, name: "a", path: "https://x.test/a.wasm", config: { k: "v" }, order: 1 },
    ]);
    await Deno.writeTextFile(path, "{}");
    assert.deepEqual((await readBifrostConfig(path)).plugins, []);
  });
});

Deno.test("readBifrostConfig() names the file when it is missing, not JSON or rejected by the schema", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "config.json");
    const rejectsWith = (message: string | RegExp) =>
      assert.rejects(readBifrostConfig(path), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        if (typeof message === "string") assert.equal(e.message, message);
        else assert.match(e.message, message);
        return true;
      });
    await rejectsWith(`Cannot read Bifrost config "${path}": file not found`);
    await Deno.writeTextFile(path, "{ plugins: [] }");
    await rejectsWith(new RegExp(`^Invalid Bifrost config "${path}": not JSON: `));
    await Deno.writeTextFile(path, JSON.stringify({ plugins: [{ name: "x", path: "x.wasm", enabled: 1 }] }));
    await rejectsWith(
      `Invalid Bifrost config "${path}": 1 schema error:\n  /plugins/0/enabled: must be boolean (got 1)`,
    );
  });
});
