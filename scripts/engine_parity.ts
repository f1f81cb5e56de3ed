/**
 * Engine parity: runs the same inputs through a plugin on V8 (the
 * conformance host's runner, in this process) and on wazero (the Go engine
 * program `go/cmd/bifrost-as-engine`, over the host's engine protocol,
 * `lib/host/worker_protocol.ts`) and compares what each answers byte for byte: the output text,
 * or the error's class, message and typed fields. Stats are not compared.
 *
 * Inputs: hello-world's fixtures (`fixtures/`), its rich inputs
 * (`testdata/hello_world/`), the fuzz corpus (`testdata/fuzz/`), the
 * benchmark inputs, the Rust plugin's fixtures when it is built (both its
 * builds), and the Go
 * engine's test plugins (`go/engine/testdata/*.wasm`: traps, timeouts
 * aside, proc_exit, bad pointers) for the error texts.
 *
 * Usage: deno run -A scripts/engine_parity.ts [--engine PATH] [--verbose]
 * [--bench N] (without --engine it builds the program with `go build`).
 * `--bench N` times instead, side by side in one run: each benchmark input
 * N times on each engine for hello-world and the Rust plugin (the median
 * of each engine's own timing, and the pipe's round trip apart), the
 * native Go floor, and the engine's pool throughput at 1 and 2 goroutines. Prints each
 * difference and ends with "N passed, N failed (N identical, N known engine
 * differences)": a known difference (docs/abi.md, "Engines") passes; exits
 * 1 when anything else differs.
 *
 * @module
 */
import { Runner, type RunnerOptions, serializeError } from "../lib/host/instance.ts";
import type { RawCall } from "../lib/host/instance.ts";
import { frame, FrameReader, toWire, type WorkerReply } from "../lib/host/worker_protocol.ts";
import { parseWasm, withMemoryMaximum } from "../lib/wasm/wasm_binary.ts";
import { BENCH_INPUTS } from "../lib/bench/inputs.ts";
import { RUST_PLUGIN_WASI_WASM, RUST_PLUGIN_WASM } from "../testing/rust_plugin.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const args = Deno.args;
const verbose = args.includes("--verbose");

interface Case {
  hook: string;
  input: string;
  config?: string | undefined;
  label: string;
}

async function enginePath(): Promise<string> {
  const i = args.indexOf("--engine");
  if (i >= 0) return args[i + 1]!;
  const dir = await Deno.makeTempDir();
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const out = `${dir}/bifrost-as-engine`;
  const { success, stderr } = await new Deno.Command("go", {
    args: ["build", "-o", out, "./cmd/bifrost-as-engine"],
    cwd: `${ROOT}go`,
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`go build failed: ${new TextDecoder().decode(stderr)}`);
  return out;
}

/** The runner options `PluginHost.load` would build (no memory cap: the module's own maximum). */
function runnerOptions(bytes: Uint8Array, label: string, config: string, timeHook = false): RunnerOptions {
  const info = parseWasm(bytes, label);
  const functionNames = new Map(info.functionNames);
  for (const e of info.exports) {
    if (e.kind === "func" && !functionNames.has(e.index)) functionNames.set(e.index, e.name);
  }
  const mem = info.exports.find((e) => e.name === "memory");
  const memoryLimitPages = mem ? info.memories[mem.index]?.max : undefined;
  return {
    module: new WebAssembly.Module(bytes as BufferSource),
    label,
    config,
    freePolicy: "both",
    functionNames,
    memoryLimitPages,
    timeHook,
  };
}

/** A final reply, a result with its output read. */
type Final = Exclude<WorkerReply, { type: "log" | "ready" | "result" }> | { type: "result"; call: RawCall };

/** A request: a call with its input, as text. */
type Request = { type: "call"; hook: string; input: string } | Record<string, unknown> & { type: string };

/** The engine program, one request at a time. */
class Engine {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #frames: FrameReader;
  logs: string[] = [];
  constructor(path: string) {
    this.#child = new Deno.Command(path, { stdin: "piped", stdout: "piped", stderr: "inherit" }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#frames = FrameReader.ofStream(this.#child.stdout);
  }
  async request(req: Request): Promise<Final> {
    const chunks = req.type === "call"
      ? frame({ type: "call", hook: req.hook }, new TextEncoder().encode(req.input as string))
      : frame(req);
    for (const chunk of chunks) await this.#writer.write(chunk);
    for (;;) {
      const line = await this.#frames.line();
      if (line === null) throw new Error("engine exited");
      const reply = JSON.parse(line) as WorkerReply;
      if (reply.type === "log") this.logs.push(reply.line);
      else if (reply.type === "result") {
        const text = reply.bytes === null ? null : new TextDecoder().decode(await this.#frames.bytes(reply.bytes));
        return { type: "result", call: { text, stats: reply.stats } };
      } else if (reply.type !== "ready") return reply;
    }
  }
  async close(): Promise<void> {
    await this.#writer.close();
    await this.#child.status;
  }
}

/** What one side answered, as comparable text. */
function v8Answer(runner: Runner | Error, hook: string, input: string): string {
  if (runner instanceof Error) return JSON.stringify({ error: serializeError(runner) });
  try {
    return JSON.stringify({ text: runner.call(hook, new TextEncoder().encode(input)).text });
  } catch (e) {
    return JSON.stringify({ error: serializeError(e) });
  }
}

function engineAnswer(reply: Final): string {
  if (reply.type === "error") return JSON.stringify({ error: reply.error });
  if (reply.type === "result") return JSON.stringify({ text: reply.call.text });
  return JSON.stringify(reply);
}

let same = 0;
let different = 0;
const known: string[] = [];
const reordered: string[] = [];

/**
 * Differences that are the engine's, written in docs/abi.md ("Engines"): wazero reports a stack overflow without
 * a stack, so the error cannot name the function. Returns V8's answer as wazero words it, or undefined.
 */
function knownDifference(v8: string): string | undefined {
  const a = JSON.parse(v8);
  const e = a.error ?? {};
  if (e.kind === "stack_overflow" && e.functionName) {
    const { functionName: _, ...rest } = e;
    return JSON.stringify({ error: { ...rest, message: e.message.replace(/ in function "[^"]*"$/, "") } });
  }
  if (Array.isArray(a)) {
    return JSON.stringify(a.map((l: string) => l.replace(/(call stack exhausted) in function "[^"]*"/, "$1")));
  }
  return undefined;
}

/** Compares the answers to `cases`; `maxMemoryPages` caps memory by rewriting the module's maximum, as PluginHost.load does. */
async function compare(
  path: string,
  wasmFile: string,
  cases: Case[],
  { maxMemoryPages, unordered = false }: { maxMemoryPages?: number; unordered?: boolean } = {},
): Promise<void> {
  const file = await Deno.readFile(wasmFile);
  const bytes = maxMemoryPages === undefined ? file : withMemoryMaximum(file, maxMemoryPages, wasmFile);
  const label = wasmFile.split("/").at(-1)!;
  const byConfig = Map.groupBy(cases, (c) => c.config ?? "{}");
  if (byConfig.size === 0) byConfig.set("{}", []); // a load alone
  for (const [config, group] of byConfig) {
    const opts = runnerOptions(bytes, label, config);
    let runner: Runner | Error;
    const v8Logs: string[] = [];
    try {
      runner = new Runner(opts, (l) => v8Logs.push(l));
    } catch (e) {
      runner = e as Error;
    }
    const engine = new Engine(path);
    const loaded = await engine.request({ type: "load", options: toWire(opts, bytes) });
    const v8Load = runner instanceof Error ? v8Answer(runner, "", "") : JSON.stringify({ name: runner.name });
    const wzLoad = loaded.type === "loaded" ? JSON.stringify({ name: loaded.name }) : engineAnswer(loaded);
    record(`${label} load (config ${config})`, v8Load, wzLoad);
    if (!(runner instanceof Error) && loaded.type === "loaded") {
      for (const c of group) {
        const v8 = v8Answer(runner, c.hook, c.input);
        const wz = engineAnswer(await engine.request({ type: "call", hook: c.hook, input: c.input }));
        record(`${label} ${c.hook} ${c.label}`, v8, wz, unordered);
      }
      record(`${label} logs`, JSON.stringify(v8Logs), JSON.stringify(engine.logs));
    }
    await engine.close();
  }
}

/** JSON text with every object's keys sorted, recursively (for outputs whose key order is the plugin's chance). */
function canonical(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
      : v;
  try {
    const answer = JSON.parse(text);
    return JSON.stringify(typeof answer.text === "string" ? sort(JSON.parse(answer.text)) : sort(answer));
  } catch {
    return text;
  }
}

function record(what: string, v8: string, wz: string, unordered = false): void {
  if (v8 === wz) {
    same++;
    if (verbose) console.log(`same  ${what}`);
    return;
  }
  if (unordered && canonical(v8) === canonical(wz)) {
    reordered.push(what);
    if (verbose) console.log(`same  ${what} as JSON values (key order differs: the plugin's own randomness)`);
    return;
  }
  if (knownDifference(v8) === wz) {
    known.push(what);
    if (verbose) console.log(`known ${what} (an engine difference, see docs/abi.md)`);
    return;
  }
  different++;
  console.log(`DIFF  ${what}\n  v8:     ${v8.slice(0, 400)}\n  wazero: ${wz.slice(0, 400)}`);
}

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) out.push(...await jsonFiles(p));
      else if (e.name.endsWith(".json")) out.push(p);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

/** Fixture files: `<hook>/<case>.json` anywhere under dir. */
async function fixtureCases(dir: string): Promise<Case[]> {
  const cases: Case[] = [];
  for (const f of await jsonFiles(dir)) {
    const hook = f.split("/").at(-2)!;
    const fx = JSON.parse(await Deno.readTextFile(f));
    cases.push({
      hook,
      input: typeof fx.input === "string" ? fx.input : JSON.stringify(fx.input),
      config: fx.config === undefined ? undefined : JSON.stringify(fx.config),
      label: f.slice(dir.length + 1),
    });
  }
  return cases;
}

const engine = await enginePath();
const benchAt = args.indexOf("--bench");
if (benchAt >= 0) {
  await bench(engine, Number(args[benchAt + 1] ?? 200));
  Deno.exit(0);
}
const hello = `${ROOT}build/hello-world.wasm`;
const hooksOf: Record<string, string> = {
  "http_pre_hook.json": "http_pre_hook",
  "post_hook_error.json": "post_hook",
  "post_hook_rich.json": "post_hook",
  "pre_hook_rich.json": "pre_hook",
  "stream_chunk.json": "http_stream_chunk_hook",
};
const helloCases = await fixtureCases(`${ROOT}fixtures`);
for (const f of await jsonFiles(`${ROOT}testdata/hello_world`)) {
  const name = f.split("/").at(-1)!;
  if (hooksOf[name]) helloCases.push({ hook: hooksOf[name], input: await Deno.readTextFile(f), label: name });
}
for (const f of await jsonFiles(`${ROOT}testdata/fuzz`)) {
  const fz = JSON.parse(await Deno.readTextFile(f));
  if (typeof fz.input === "string") helloCases.push({ hook: fz.hook, input: fz.input, label: f.split("/").at(-1)! });
}
for (const b of BENCH_INPUTS) helloCases.push({ hook: b.hook, input: b.text, label: `bench ${b.id}` });
await compare(engine, hello, helloCases);

// The Rust plugin, built for wasm32-unknown-unknown and for wasm32-wasi (WASI imports, a log from init).
for (const wasm of [RUST_PLUGIN_WASM, RUST_PLUGIN_WASI_WASM]) {
  try {
    await Deno.stat(wasm);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    console.log(`skipped ${wasm}: not built (deno task build:rust)`);
    continue;
  }
  // The WASI build's HashMaps seed from random_get, which is real on both engines: its key order varies from one
  // instance to the next (under V8 too), so its outputs are compared as JSON values.
  await compare(engine, wasm, await fixtureCases(`${ROOT}testdata/rust-plugin/fixtures`), {
    unordered: wasm === RUST_PLUGIN_WASI_WASM,
  });
}

// The engine's test plugins, for the error texts (the spinning ones need a deadline, which V8's runner lacks).
const errorCases: Record<string, Case[]> = {
  "trap": ["pre_hook", "post_hook", "http_pre_hook", "http_post_hook"].map((hook) => ({
    hook,
    input: "{}",
    label: "",
  })),
  "badptr": ["pre_hook", "post_hook"].map((hook) => ({ hook, input: "{}", label: "" })),
  "malloc0": [{ hook: "pre_hook", input: "{}", label: "" }],
  "exit": [{ hook: "pre_hook", input: "{}", label: "" }, { hook: "post_hook", input: "after", label: "" }],
  "stdout": [{ hook: "pre_hook", input: "{}", label: "" }],
  "initfail": [],
  "start_trap": [],
  // malloc traps for 3 bytes, free on a buffer starting with "!": in init (by its config) and in a hook.
  "alloc_trap": [
    { hook: "pre_hook", input: "abc", label: "malloc" },
    { hook: "pre_hook", input: "!x", label: "free" },
    { hook: "pre_hook", input: "{}", config: '"x"', label: "init's malloc" },
    { hook: "pre_hook", input: "{}", config: "!!", label: "init's free" },
  ],
  // Its input's first 8 bytes are its answer: here one byte of invalid UTF-8 (the "é"'s second byte).
  "packed": [{ hook: "pre_hook", input: "\x01\x00\x00\x00\x09\x04\x00\x00\u00e9", label: "invalid UTF-8" }],
  "echo": [{ hook: "pre_hook", input: "\u00e9\ud83d\ude00", label: "" }, {
    hook: "http_intercept",
    input: "x",
    label: "",
  }],
};
for (const [name, cases] of Object.entries(errorCases)) {
  await compare(engine, `${ROOT}go/engine/testdata/${name}.wasm`, cases);
}

// Memory limits: growing until refused in a hook, and malloc refused at the limit (the second 150 kB input).
const big = "x".repeat(150_000);
await compare(engine, `${ROOT}go/engine/testdata/oom.wasm`, [
  { hook: "pre_hook", input: "{}", label: "grows until refused" },
  { hook: "post_hook", input: big, label: "150 kB" },
  { hook: "post_hook", input: big, label: "150 kB again" },
  { hook: "post_hook", input: "x".repeat(200_000), label: "over the cap" },
], { maxMemoryPages: 3 });

console.log(
  `${same + known.length + reordered.length} passed, ${different} failed (${same} identical, ` +
    `${reordered.length} the same JSON in another key order, ${known.length} known engine differences)`,
);
if (different) Deno.exit(1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Side-by-side timings in one run; see the module documentation. */
async function bench(path: string, n: number): Promise<void> {
  const plugins = [`${ROOT}build/hello-world.wasm`, RUST_PLUGIN_WASM];
  const fmt = (x: number) => x.toFixed(1).padStart(8);
  console.log(`${n} calls per input and engine; µs per call, medians, each engine timing itself`);
  console.log(
    `${"input".padEnd(28)}${"plugin".padEnd(20)}${"V8".padStart(8)}${"wazero".padStart(8)}${"pipe".padStart(8)}`,
  );
  for (const file of plugins) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch {
      console.log(`${file}: not built, skipped`);
      continue;
    }
    const label = file.split("/").at(-1)!;
    const opts = runnerOptions(bytes, label, "{}");
    const runner = new Runner(opts, () => {});
    const engine = new Engine(path);
    await engine.request({ type: "load", options: toWire(opts, bytes) });
    for (const b of BENCH_INPUTS) {
      const input = new TextEncoder().encode(b.text);
      const v8: number[] = [];
      const wz: number[] = [];
      const pipe: number[] = [];
      for (let i = 0; i < n + 20; i++) {
        const r = runner.call(b.hook, input);
        const t0 = performance.now();
        const reply = await engine.request({ type: "call", hook: b.hook, input: b.text });
        const wall = (performance.now() - t0) * 1000;
        if (reply.type !== "result") throw new Error(`${label} ${b.id}: ${JSON.stringify(reply)}`);
        if (i < 20) continue; // warm-up
        v8.push(r.stats.durationUs);
        wz.push(reply.call.stats.durationUs);
        pipe.push(wall - reply.call.stats.durationUs);
      }
      console.log(`${b.id.padEnd(28)}${label.padEnd(20)}${fmt(median(v8))}${fmt(median(wz))}${fmt(median(pipe))}`);
    }
    if (file.endsWith("hello-world.wasm")) {
      const pre = BENCH_INPUTS.find((b) => b.hook === "pre_hook")!;
      for (const goroutines of [1, 2]) {
        const r = await engine.request({
          type: "throughput",
          hook: pre.hook,
          input: pre.text,
          goroutines,
          durationMs: 1000,
        });
        console.log(`throughput ${pre.id}, ${goroutines} goroutine(s): ${JSON.stringify(r)}`);
      }
      for (const b of BENCH_INPUTS) {
        const r = await engine.request({ type: "floor", hook: b.hook, input: b.text, iterations: n });
        console.log(`native Go floor ${b.id}: ${JSON.stringify(r)}`);
      }
    }
    await engine.close();
  }
}
