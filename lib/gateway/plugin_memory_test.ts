/** A plugin's memory in the gateway: capped (a request over the cap fails, the plugin starts afresh), and returned after a large request. */
import assert from "node:assert/strict";
import { startGateway } from "./gateway.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { abiModule, DEFAULT_OUTPUTS, i32Const, i64Const, op } from "../../testing/wasm_builder.ts";
import { EXPORT_SIGNATURES } from "../abi/abi.ts";

/** A plugin whose pre_hook grows memory a page at a time until refused, then traps: a plugin without bound. */
function greedyPlugin(): Uint8Array {
  return abiModule({
    name: "greedy",
    funcs: {
      pre_hook: {
        ...EXPORT_SIGNATURES.pre_hook!,
        body: [op.loop, i32Const(1), op.memory_grow, i32Const(-1), op.i32_ne, op.br_if, 0, op.end, op.unreachable],
      },
    },
  });
}

/** A plugin whose pre_hook grows memory by `pages` once when the request's input is over 1 KiB, then answers "no change". */
function growsOnLargeInput(pages: number): Uint8Array {
  return abiModule({
    name: "grows",
    funcs: {
      pre_hook: {
        ...EXPORT_SIGNATURES.pre_hook!,
        body: (c) => [
          // The input's length is param 1.
          [op.local_get, 1],
          i32Const(1024),
          [0x4b], // i32.gt_u
          op.if,
          i32Const(pages),
          op.memory_grow,
          op.drop,
          op.end,
          i64Const(c.data(DEFAULT_OUTPUTS.pre_hook).packed),
        ],
      },
    },
  });
}

async function withPlugin<T>(wasm: Uint8Array, f: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "plugin-memory-" });
  try {
    await Deno.writeFile(`${dir}/p.wasm`, wasm);
    return await f(`${dir}/p.wasm`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const chat = (content: string) => JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content }] });

Deno.test("a plugin over its memory cap fails each such request with 500 naming the cap", async () => {
  await using upstream = await startMockUpstream({ port: 0 });
  await withPlugin(greedyPlugin(), async (path) => {
    const lines: string[] = [];
    await using gateway = await startGateway({
      plugins: [{ name: "greedy", path }],
      upstreamUrl: upstream.url,
      port: 0,
      host: { maxMemoryPages: 64 },
      onLog: (l) => lines.push(l),
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chat("hi") });
      const body = await res.json();
      assert.equal(res.status, 500);
      assert.match(
        body.error.message,
        /^Plugin "greedy" failed in pre_hook: Plugin "greedy" ran out of memory in pre_hook.*the 64-page limit\)$/,
      );
    }
  });
});

Deno.test("the gateway's default cap is 1 GiB: a plugin cannot grow to wasm32's 4 GiB", async () => {
  await using upstream = await startMockUpstream({ port: 0 });
  await withPlugin(greedyPlugin(), async (path) => {
    await using gateway = await startGateway({
      plugins: [{ name: "greedy", path }],
      upstreamUrl: upstream.url,
      port: 0,
    });
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chat("hi") });
    assert.equal(res.status, 500);
    assert.match((await res.json()).error.message, /the 16384-page limit\)$/);
  });
});

Deno.test("a plugin grown past renewAbovePages by a request starts afresh once no request is in flight", async () => {
  await using upstream = await startMockUpstream({ port: 0 });
  await withPlugin(growsOnLargeInput(200), async (path) => {
    const lines: string[] = [];
    await using gateway = await startGateway({
      plugins: [{ name: "grows", path }],
      upstreamUrl: upstream.url,
      port: 0,
      renewAbovePages: 100,
      onLog: (l) => lines.push(l),
    });
    const small = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chat("hi") });
    assert.equal(small.status, 200);
    await small.body?.cancel();
    assert.deepEqual(lines.filter((l) => l.includes("fresh")), []);
    const large = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chat("x".repeat(4096)) });
    assert.equal(large.status, 200);
    await large.body?.cancel();
    // The renewal is queued before any later call: once the next request is answered, it has happened.
    const next = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chat("hi") });
    assert.equal(next.status, 200);
    await next.body?.cancel();
    assert.deepEqual(lines.filter((l) => l.includes("afresh")), [
      'plugin "grows" grew to 201 pages (12.6 MiB), past 100: started afresh',
    ]);
  });
});
