/**
 * The gateway's connection timeouts (fasthttp's ReadTimeout and IdleTimeout) against slow clients on loopback,
 * each probe bounded in time. Before, every one of these connections stayed open for as long as the client liked.
 */
import assert from "node:assert/strict";
import { RequestFraming } from "./_timeouts.ts";
import { startTestGateway } from "../../testing/gateway.ts";

const READ_MS = 400;
const enc = new TextEncoder();

/** Opens a connection, sends `parts` (a delay in ms between them), and reads until the gateway closes it or 10 s pass. */
async function probe(
  port: number,
  parts: (string | number)[],
  keepSending?: string,
): Promise<{ text: string; ms: number; closed: boolean }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const started = performance.now();
  let text = "";
  let closed = false;
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) return (closed = true);
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  })();
  const sending = (async () => {
    for (const p of parts) {
      if (typeof p === "number") await new Promise((r) => setTimeout(r, p));
      else await conn.write(enc.encode(p)).catch(() => {});
    }
    // A body that never ends: a chunk every 100 ms until the connection is closed.
    while (keepSending !== undefined && !closed && performance.now() - started < 10_000) {
      await conn.write(enc.encode(keepSending)).catch(() => (closed = true));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const limit = new Promise((r) => setTimeout(r, 10_000));
  await Promise.race([reading, limit]);
  const ms = performance.now() - started;
  try {
    conn.close();
  } catch { /* closed */ }
  await Promise.allSettled([reading, sending]);
  return { text, ms, closed };
}

Deno.test("the gateway closes slow and idle connections at its read and idle timeouts, and answers 408 to a slow request", async () => {
  await using t = await startTestGateway(["hello-world"], { readTimeoutMs: READ_MS, idleTimeoutMs: READ_MS });
  const { gateway } = t;
  const post = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
  const cases: [string, (string | number)[], string | undefined, boolean][] = [
    ["an idle new connection", [], undefined, false],
    ["a half-sent header", [post], undefined, true],
    ["a short body", [`${post}Content-Length: 100\r\n\r\n{"model":`], undefined, true],
    ["a chunked body that never ends", [`${post}Transfer-Encoding: chunked\r\n\r\n`], "1\r\n \r\n", true],
  ];
  const results = await Promise.all(cases.map(([, parts, keep]) => probe(gateway.port, parts, keep)));
  for (const [i, [what, , , timeout]] of cases.entries()) {
    const r = results[i]!;
    assert.ok(r.closed, `${what}: still open after ${Math.round(r.ms)} ms`);
    assert.ok(r.ms >= READ_MS - 50 && r.ms < READ_MS + 5000, `${what}: closed after ${Math.round(r.ms)} ms`);
    if (timeout) assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout\r\n/, what);
    else assert.equal(r.text, "", what);
  }
  // A kept-alive connection is answered, then closed once idle.
  const idle = await probe(gateway.port, ["GET /health HTTP/1.1\r\nHost: x\r\n\r\n"]);
  assert.match(idle.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(idle.closed && idle.ms < READ_MS + 5000, `closed: ${idle.closed} after ${Math.round(idle.ms)} ms`);
});

Deno.test("a request the gateway takes longer to answer than the timeouts is not cut (a slow stream)", async () => {
  await using t = await startTestGateway(["hello-world"], { readTimeoutMs: READ_MS });
  const { gateway, upstream } = t;
  // Every SSE event 150 ms after the one before: the answer takes several timeouts in all.
  upstream.setFault({ streamIntervalMs: 150 });
  const started = performance.now();
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "openai/gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "one two three four five six" }],
    }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200);
  assert.ok(performance.now() - started > READ_MS * 2, `took ${Math.round(performance.now() - started)} ms`);
  assert.match(text, /data: \[DONE\]\n\n$/);
  // And a plain request on a fresh connection still works.
  const plain = await fetch(`${gateway.url}/health`);
  assert.equal(plain.status, 200);
  await plain.body?.cancel();
});

Deno.test("RequestFraming finds where requests begin and end: no body, Content-Length, chunked with trailers, pipelined", () => {
  const events = (...chunks: string[]) => {
    const f = new RequestFraming();
    return chunks.flatMap((c) => [...f.feed(enc.encode(c))]);
  };
  assert.deepEqual(events("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ["begin", "end"]);
  assert.deepEqual(events("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", "cde"), ["begin", "end"]);
  assert.deepEqual(events("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), ["begin"]);
  assert.deepEqual(
    events("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"),
    ["begin", "end"],
  );
  assert.deepEqual(events("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab"), ["begin"]);
  assert.deepEqual(
    events("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n", "\r\n"),
    ["begin", "end", "begin", "end"],
  );
});
