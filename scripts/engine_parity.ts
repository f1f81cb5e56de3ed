/**
 * Engine parity: runs the same inputs through a plugin on V8 (the
 * conformance host's runner, in this process) and on wazero (the Go engine
 * program `go/cmd/bifrost-as-engine`, over the host worker's JSON-lines
 * protocol) and compares what each answers byte for byte: the output text,
 * or the error's class, message and typed fields. Stats are not compared.
 *
 * Inputs: hello-world's fixtures (`fixtures/`), its rich inputs
 * (`testdata/hello_world/`), the fuzz corpus (`testdata/fuzz/`), the
 * benchmark inputs, the Rust plugin's fixtures when it is built, and the Go
 * engine's test plugins (`go/engine/testdata/*.wasm`: traps, timeouts
 * aside, proc_exit, bad pointers) for the error texts.
 *
 * Usage: deno run -A scripts/engine_parity.ts [--engine PATH] [--verbose]
 * (without --engine it builds the program with `go build`). Prints each
 * difference and a final "N identical, N different" line; exits 1 when
 * anything differs.
 *
 * @module
 */
import { Runner, type RunnerOptions, serializeError } from "../lib/host/instance.ts";
import { lines, toWire, type WorkerReply } from "../lib/host/protocol.ts";
import { parseWasm } from "../lib/wasm/wasm_binary.ts";
import { BENCH_INPUTS } from "../lib/bench/inputs.ts";
import { RUST_PLUGIN_WASM } from "../testing/rust_plugin.ts";

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
  const out = `${await Deno.makeTempDir()}/bifrost-as-engine`;
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

type Final = Exclude<WorkerReply, { type: "log" }>;

/** The engine program, one request at a time. */
class Engine {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #replies: AsyncGenerator<string>;
  logs: string[] = [];
  constructor(path: string) {
    this.#child = new Deno.Command(path, { stdin: "piped", stdout: "piped", stderr: "inherit" }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#replies = lines(this.#child.stdout);
  }
  async request(req: unknown): Promise<Final> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(req) + "\n"));
    for (;;) {
      const { value, done } = await this.#replies.next();
      if (done) throw new Error("engine exited");
      const reply = JSON.parse(value) as WorkerReply;
      if (reply.type === "log") this.logs.push(reply.line);
      else return reply;
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

async function compare(path: string, wasmFile: string, cases: Case[]): Promise<void> {
  const bytes = await Deno.readFile(wasmFile);
  const label = wasmFile.split("/").at(-1)!;
  const byConfig = Map.groupBy(cases, (c) => c.config ?? "{}");
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
        record(`${label} ${c.hook} ${c.label}`, v8, wz);
      }
      record(`${label} logs`, JSON.stringify(v8Logs), JSON.stringify(engine.logs));
    }
    await engine.close();
  }
}

function record(what: string, v8: string, wz: string): void {
  if (v8 === wz) {
    same++;
    if (verbose) console.log(`same  ${what}`);
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

try {
  await Deno.stat(RUST_PLUGIN_WASM);
  await compare(engine, RUST_PLUGIN_WASM, await fixtureCases(`${ROOT}testdata/rust-plugin/fixtures`));
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  console.log(`skipped the Rust plugin: ${RUST_PLUGIN_WASM} is not built (deno task build:rust)`);
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
  "echo": [{ hook: "pre_hook", input: "\u00e9\ud83d\ude00", label: "" }, {
    hook: "http_intercept",
    input: "x",
    label: "",
  }],
};
for (const [name, cases] of Object.entries(errorCases)) {
  await compare(engine, `${ROOT}go/engine/testdata/${name}.wasm`, cases);
}

console.log(`${same} identical, ${known.length} known engine differences, ${different} different`);
if (different) Deno.exit(1);
