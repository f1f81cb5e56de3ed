/**
 * The gateway's memory per request size: for each engine and size, a fresh
 * gateway process (the gateway and its mock upstream, as `bifrost-as dev`
 * runs them, and the plugin's own process when it has one) answers one chat
 * request of that many MiB through the plugin. A row holds the processes'
 * resident set summed, before the request, at its highest (sampled every
 * 5 ms) and once settled after the answer, and each process's own peak
 * (Linux's VmHWM) summed: an upper bound, as they need not peak at once
 * (a process started after the request was sent, a plugin's fresh
 * instance, is left out of it).
 *
 * @module
 */

/**
 * How the gateway runs the plugin: as `bifrost-as dev` does by default (V8
 * in a child process, under the hook deadline), in the gateway's own thread
 * (`--hook-timeout 0`), or on the wazero engine (`--engine wazero`).
 */
export type GatewayEngine = "v8-process" | "v8-inline" | "wazero";

/** Every engine, `dev`'s default first. */
export const GATEWAY_ENGINES: readonly GatewayEngine[] = ["v8-process", "v8-inline", "wazero"];

/** One request size on one engine. */
export interface GatewayMemoryRow {
  engine: GatewayEngine;
  sizeMiB: number;
  bodyBytes: number;
  /** HTTP status of the answer (200 expected); 0 when the gateway could not start (`error` says why). */
  status: number;
  error?: string;
  /** Time from sending the request to the end of the answer. */
  ms: number;
  /** The processes' resident set summed, before the request, at its sampled peak, and settled after it (bytes). */
  startRssBytes: number;
  peakRssBytes: number;
  idleRssBytes: number;
  /** Each process's own peak resident set, summed: at least the true peak. */
  peakBoundBytes: number;
}

const SERVER = new URL("./_gateway_server.ts", import.meta.url);
const encoder = new TextEncoder();
const MIB = 1024 * 1024;

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

/** `pid` and its descendants, each with its parent (0 for `pid`). */
function processTree(pid: number, parent = 0): [number, number][] {
  const out: [number, number][] = [[pid, parent]];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      if (children) { for (const child of children.split(/\s+/)) out.push(...processTree(Number(child), pid)); }
    }
  } catch { /* gone meanwhile */ }
  return out;
}

/** A process's resident set now and at its peak, in bytes (zero once it is gone). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  let status = "";
  try {
    status = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch { /* gone */ }
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** A process's command line ("" once it is gone). */
function commandOf(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return "";
  }
}

/**
 * Watches a process tree's memory: the highest RSS sum seen, and each
 * process's own peak. A child caught between its spawn and its exec shares
 * its parent's memory and still has its command line: it is not counted
 * twice.
 */
class TreeWatch {
  peak = 0;
  readonly #hwm = new Map<number, number>();
  /**
   * The processes that run the request, there before it is sent: one started
   * later (a plugin's fresh instance once a large request is done, which may
   * come before the answer's last byte) is not in its bound.
   */
  readonly #ran: Set<number>;
  readonly #timer: ReturnType<typeof setInterval>;
  constructor(readonly root: number) {
    this.#ran = new Set(processTree(root).map(([pid]) => pid));
    this.sample();
    this.#timer = setInterval(() => this.sample(), 5);
  }
  /** The tree's RSS summed now (and noted). */
  sample(): number {
    let sum = 0;
    const commands = new Map<number, string>();
    for (const [pid, parent] of processTree(this.root)) {
      commands.set(pid, commandOf(pid));
      // Not exec'd yet: its parent's memory (parents come before their children).
      if (parent !== 0 && commands.get(pid) === commands.get(parent)) continue;
      const { rss, hwm } = memoryOf(pid);
      sum += rss;
      if (this.#ran.has(pid)) this.#hwm.set(pid, Math.max(this.#hwm.get(pid) ?? 0, hwm));
    }
    this.peak = Math.max(this.peak, sum);
    return sum;
  }
  get peakBound(): number {
    return [...this.#hwm.values()].reduce((a, b) => a + b, 0);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Options of {@link measureGatewayMemory}. */
export interface GatewayMemoryOptions {
  /** Default: all of {@link GATEWAY_ENGINES}. */
  engines?: readonly GatewayEngine[];
  onRow?: (row: GatewayMemoryRow) => void;
}

/** Measures one request of each size on each engine, each in a fresh gateway process; sizes in MiB. */
export async function measureGatewayMemory(
  plugin: string,
  sizesMiB: readonly number[],
  options: GatewayMemoryOptions = {},
): Promise<GatewayMemoryRow[]> {
  const rows: GatewayMemoryRow[] = [];
  for (const engine of options.engines ?? GATEWAY_ENGINES) {
    for (const sizeMiB of sizesMiB) {
      const row = await measureOne(plugin, engine, sizeMiB);
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return rows;
}

async function measureOne(plugin: string, engine: GatewayEngine, sizeMiB: number): Promise<GatewayMemoryRow> {
  const bodyBytes = Math.round(sizeMiB * MIB);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", SERVER.pathname, plugin, "both", engine],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let watch: TreeWatch | undefined;
  try {
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) {
        const why = (await stderr).trim().split("\n").at(-1) || "it exited";
        const zero = { startRssBytes: 0, peakRssBytes: 0, idleRssBytes: 0, peakBoundBytes: 0 };
        return { engine, sizeMiB, bodyBytes, status: 0, error: `the gateway did not start: ${why}`, ms: 0, ...zero };
      }
      text += value;
    }
    const { gateway } = JSON.parse(text.split("\n")[0]!) as { gateway: string };
    watch = new TreeWatch(child.pid);
    const startRssBytes = watch.sample();
    const body = imageChatRequest(bodyBytes);
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
    let idle = watch.sample();
    for (let i = 0, still = 0; i < 100 && still < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = watch.sample();
      still = now >= idle - MIB ? still + 1 : 0;
      idle = Math.min(idle, now);
    }
    return {
      engine,
      sizeMiB,
      bodyBytes,
      status: res.status,
      ms: Math.round(ms),
      startRssBytes,
      peakRssBytes: watch.peak,
      idleRssBytes: idle,
      peakBoundBytes: watch.peakBound,
    };
  } finally {
    watch?.stop();
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.stdin.close().catch(() => {});
    await child.status;
    await stderr.catch(() => "");
  }
}

/** The rows as a markdown table: peak and settled RSS against the body. */
export function formatGatewayMemory(rows: readonly GatewayMemoryRow[]): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  const times = (b: number, body: number) => `${(b / body).toFixed(1)}x`;
  return [
    "| Engine | Body | Status | Time | RSS before | Peak RSS | Peak / body | Bound / body | RSS after |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      r.error
        ? `| ${r.engine} | ${r.sizeMiB} MiB | - | - | - | - | - | - | ${r.error.replaceAll("|", "\\|")} |`
        : `| ${r.engine} | ${r.sizeMiB} MiB | ${r.status} | ${(r.ms / 1000).toFixed(1)} s | ${mb(r.startRssBytes)} | ${
          mb(r.peakRssBytes)
        } | ${times(r.peakRssBytes, r.bodyBytes)} | ${times(r.peakBoundBytes, r.bodyBytes)} | ${mb(r.idleRssBytes)} |`
    ),
  ].join("\n");
}
