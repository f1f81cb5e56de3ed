import assert from "node:assert/strict";
import { sseData } from "./_sse.ts";

const encoder = new TextEncoder();

function body(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
      c.close();
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(stream)) out.push(data);
  return out;
}

Deno.test("sseData() reads events split across chunks, CRLF lines and multi-line data, and drops a cut line", async () => {
  assert.deepEqual(
    await all(body('data: {"a"', ":1}\n", "\nevent: x\r\ndata:2\r\n\r\n", "data: one\ndata: two\n\n", "data: cu")),
    ['{"a":1}', "2", "one\ntwo"],
  );
});

Deno.test("sseData() reads one event of 100 MiB that arrives in 64 KiB chunks", async () => {
  const chunk = "x".repeat(1 << 16);
  const [data] = await all(body("data: ", ...Array.from({ length: 1600 }, () => chunk), "\n\n"));
  assert.equal(data!.length, 1600 << 16);
});

Deno.test("sseData() cancels the body when its reader stops early", async () => {
  let cancelled = false;
  let pulls = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(encoder.encode(`data: ${pulls++}\n\n`)),
    cancel: () => {
      cancelled = true;
    },
  });
  for await (const data of sseData(endless)) if (data === "2") break;
  assert.equal(cancelled, true);
});
