/**
 * The gateway's memory per request size: for each size, a fresh gateway
 * process (the gateway and its mock upstream, as `bifrost-as dev` runs them)
 * answers one chat request of that many MiB through the plugin; the row
 * holds the process's resident set before, at its peak (Linux's VmHWM) and
 * once it has settled after the answer, against the body's size.
 *
 * @module
 */

/** One request size. */
export interface GatewayMemoryRow {
  sizeMiB: number;
  bodyBytes: number;
  /** HTTP status of the answer (200 expected). */
  status: number;
  /** Time from sending the request to the end of the answer. */
  ms: number;
  /** Resident set before the request, at its peak, and settled after it (bytes). */
  startRssBytes: number;
  peakRssBytes: number;
  idleRssBytes: number;
}

const SERVER = new URL("./_gateway_server.ts", import.meta.url);
const encoder = new TextEncoder();

/** A chat request of exactly `size` bytes: a question and an image inline, as clients send them. */
export function imageChatRequest(size: number): Uint8Array<ArrayBuffer> {
  const head = '{"model":"openai/gpt-4o","messages":[{"role":"user","content":[' +
    '{"type":"text","text":"What is in this image?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,';
  const tail = '"}}]}]}';
  const body = new Uint8Array(size);
  body.set(encoder.encode(head));
  body.fill(0x41, head.length, size - tail.length);
  body.set(encoder.encode(tail), size - tail.length);
  return body;
}

async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Measures one request of each size, each in a fresh gateway process; sizes in MiB. */
export async function measureGatewayMemory(
  plugin: string,
  sizesMiB: readonly number[],
  onRow?: (row: GatewayMemoryRow) => void,
): Promise<GatewayMemoryRow[]> {
  const rows: GatewayMemoryRow[] = [];
  for (const sizeMiB of sizesMiB) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SERVER.href, plugin, "both"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("the gateway process exited before printing its URL");
        text += value;
      }
      const { gateway } = JSON.parse(text.split("\n")[0]!) as { gateway: string };
      const start = await memoryOf(child.pid);
      const body = imageChatRequest(Math.round(sizeMiB * 1024 * 1024));
      const started = performance.now();
      const res = await fetch(`${gateway}/v1/chat/completions`, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(300_000),
      });
      await res.arrayBuffer();
      const ms = performance.now() - started;
      // The gateway settles after the answer (a fresh plugin instance, a collection): wait until RSS has not fallen
      // for half a second (at most 10 s), as a busy machine may delay it.
      let idle = (await memoryOf(child.pid)).rss;
      for (let i = 0, still = 0; i < 100 && still < 5; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const now = (await memoryOf(child.pid)).rss;
        still = now >= idle - (1 << 20) ? still + 1 : 0;
        idle = Math.min(idle, now);
      }
      const { hwm } = await memoryOf(child.pid);
      const row = {
        sizeMiB,
        bodyBytes: body.length,
        status: res.status,
        ms: Math.round(ms),
        startRssBytes: start.rss,
        peakRssBytes: hwm,
        idleRssBytes: idle,
      };
      rows.push(row);
      onRow?.(row);
    } finally {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.stdin.close().catch(() => {});
      await child.status;
    }
  }
  return rows;
}

/** The rows as a markdown table: peak and idle RSS against the body. */
export function formatGatewayMemory(rows: readonly GatewayMemoryRow[]): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  return [
    "| Body | Status | Time | RSS before | Peak RSS | Peak / body | Peak above before / body | RSS after |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.sizeMiB} MiB | ${r.status} | ${(r.ms / 1000).toFixed(1)} s | ${mb(r.startRssBytes)} | ${
        mb(r.peakRssBytes)
      } | ${(r.peakRssBytes / r.bodyBytes).toFixed(1)}x | ${
        ((r.peakRssBytes - r.startRssBytes) / r.bodyBytes).toFixed(1)
      }x | ${mb(r.idleRssBytes)} |`
    ),
  ].join("\n");
}
