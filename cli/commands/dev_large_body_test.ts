import assert from "node:assert/strict";
import { startDev } from "../../lib/gateway/dev.ts";
import { writeBifrostConfig } from "../../lib/config/bifrost_config.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { startTestGateway } from "../../testing/gateway.ts";
import { spawnCli } from "../../testing/cli.ts";
import { imageChatRequest } from "../../lib/bench/gateway_memory.ts";

const MIB = 1024 * 1024;
const imageRequest = imageChatRequest;

function post(url: string, body: BodyInit, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, { method: "POST", body, ...(signal ? { signal } : {}) });
}

Deno.test("startGateway() answers 413 to a body over its limit, declared or streamed", async () => {
  await using t = await startTestGateway(["hello-world"], { maxRequestBodyBytes: 4096 });
  const { gateway } = t;
  const ok = await post(gateway.url, imageRequest(4096));
  assert.equal(ok.status, 200, await ok.clone().text());
  await ok.body?.cancel();
  const streamed = (bytes: Uint8Array<ArrayBuffer>) =>
    new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(c) {
        c.enqueue(bytes.subarray(0, 1000));
        c.enqueue(bytes.subarray(1000));
        c.close();
      },
    });
  for (const body of [imageRequest(4097), streamed(imageRequest(4097))]) {
    const res = await post(gateway.url, body);
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), {
      is_bifrost_error: false,
      status_code: 413,
      error: {
        message: "Request body is larger than 4096 bytes (Bifrost's max_request_body_size_mb)",
        type: "invalid_request",
      },
    });
  }
});

Deno.test("startGateway() answers 413 naming the plugin's limit when a hook input is over it", async () => {
  await using t = await startTestGateway(["hello-world-1mb"]);
  const { gateway } = t;
  // The HTTP pre hook sees the body base64-encoded: 4/3 of 1 MiB is over the plugin's 1 MiB.
  const res = await post(gateway.url, imageRequest(MIB));
  assert.equal(res.status, 413);
  const body = await res.json();
  assert.equal(body.error.type, "request_too_large");
  assert.match(
    body.error.message,
    /^Plugin "hello-world-wasm-typescript" takes inputs of at most 1 MiB \(1,048,576 bytes\): this http_pre_hook input is 1\.3 MiB .*--max-input-mb 2\)$/,
  );
  const small = await post(gateway.url, imageRequest(512 * 1024));
  assert.equal(small.status, 200);
  await small.body?.cancel();
});

Deno.test("startDev() honours client.max_request_body_size_mb from config.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-body-" });
  try {
    const { configPath, config } = await writeBifrostConfig(dir, {
      upstreamUrl: "http://127.0.0.1:9",
      appDir: dir,
      plugins: [{ name: "hello-world", path: await testPlugin("hello-world") }],
    });
    await Deno.writeTextFile(configPath, JSON.stringify({ ...config, client: { max_request_body_size_mb: 1 } }));
    await using dev = await startDev({ configPath, port: 0, watch: false });
    const ok = await post(dev.gateway.url, imageRequest(MIB));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const res = await post(dev.gateway.url, imageRequest(MIB + 1));
    assert.equal(res.status, 413);
    assert.match((await res.json()).error.message, /larger than 1048576 bytes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "bifrost-as dev passes a 100 MiB chat request through hello-world and refuses 100 MiB + 1 byte with 413",
  // Bifrost's default body limit: the request, its HTTP form base64-encoded, and both in the HTTP post hook.
  async fn() {
    const dev = spawnCli(["dev", "--plugin", await testPlugin("hello-world"), "--port", "0", "--no-watch"]);
    try {
      const url = await dev.readLine(60_000);
      const started = performance.now();
      const res = await post(url, imageRequest(100 * MIB), AbortSignal.timeout(120_000));
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body).slice(0, 500));
      assert.equal(body.model, "gpt-4o (via assemblyscript-wasm)");
      assert.equal(body.choices[0].message.content, "Echo: What is in this image?");
      const seconds = (performance.now() - started) / 1000;
      const over = await post(url, imageRequest(100 * MIB + 1), AbortSignal.timeout(120_000));
      assert.equal(over.status, 413);
      await over.body?.cancel();
      console.log(`100 MiB through bifrost-as dev in ${seconds.toFixed(1)} s`);
    } finally {
      await dev.stop("SIGTERM");
    }
  },
});
