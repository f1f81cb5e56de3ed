import assert from "node:assert/strict";
import { writeBifrostConfig } from "../config/bifrost_config.ts";
import { startDev } from "./dev.ts";
import { ConfigError, InputError, ListenError } from "../errors.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { testPlugin } from "../../testing/plugins.ts";

async function configFor(upstreamUrl: string): Promise<{ dir: string; configPath: string }> {
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-dev-" });
  await Deno.mkdir(`${dir}/plugins`);
  await Deno.copyFile(await testPlugin("hello-world"), `${dir}/plugins/hello-world.wasm`);
  const { configPath } = await writeBifrostConfig(dir, {
    upstreamUrl,
    appDir: "/app/data",
    plugins: [{ name: "hello-world", path: "/app/data/plugins/hello-world.wasm" }],
  });
  return { dir, configPath };
}

Deno.test("startDev() with useConfigUpstream calls the config's base_url and starts no mock", async () => {
  await using upstream = await startMockUpstream({ port: 0 });
  const { dir, configPath } = await configFor(upstream.url);
  try {
    await using dev = await startDev({ configPath, port: 0, useConfigUpstream: true, watch: false });
    assert.equal(dev.upstream, undefined);
    assert.equal(dev.upstreamUrl, upstream.url);
    const res = await fetch(`${dev.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "via config" }] }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.choices[0].message.content, "Echo: via config");
    const seen = await (await fetch(`${upstream.url}/__mock/requests`)).json() as { path: string }[];
    assert.equal(seen.filter((r) => r.path.startsWith("/v1/chat/completions")).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startDev() listens on the given hostname", async () => {
  const { dir, configPath } = await configFor("http://127.0.0.1:9");
  try {
    await using dev = await startDev({ configPath, port: 0, hostname: "0.0.0.0", watch: false });
    assert.match(dev.gateway.url, /^http:\/\/0\.0\.0\.0:\d+$/);
    const res = await fetch(`http://127.0.0.1:${dev.gateway.port}/health`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startDev() refuses useConfigUpstream together with an upstream URL", async () => {
  await assert.rejects(
    startDev({ configPath: "unused.json", upstreamUrl: "http://127.0.0.1:9", useConfigUpstream: true }),
    InputError,
  );
});

Deno.test("startDev() with useConfigUpstream reports a config without an upstream", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-dev-" });
  try {
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ plugins: [] }));
    await assert.rejects(
      startDev({ configPath: `${dir}/config.json`, port: 0, useConfigUpstream: true }),
      (e: Error) => e instanceof ConfigError && /names no upstream: providers\.openai/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startDev() on a busy port fails within a second and leaves nothing open (watcher, mock upstream)", async () => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  const { dir, configPath } = await configFor("http://127.0.0.1:9");
  try {
    const started = performance.now();
    // The test's resource sanitizer fails it if a watcher, server or listener outlives the call.
    await assert.rejects(
      startDev({ configPath, port, watch: true }),
      (e: unknown) =>
        e instanceof ListenError && e.code === "AddrInUse" &&
        e.message === `Cannot listen on 127.0.0.1:${port}: address already in use`,
    );
    assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
