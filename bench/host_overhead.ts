/**
 * `deno run -A bench/host_overhead.ts [--rounds N] [--batch N] [--json]`:
 * the conformance host's own cost per call. Each plugin is called through
 * `PluginHost.call` and directly (encode, malloc, write, call, decode
 * strict UTF-8, `JSON.parse`, free input and output: the least a gateway
 * does) on an identical instance with the same input, in alternating
 * batches; the difference of the medians is the host's overhead. The
 * direct path does no bounds, contract or trap handling, which is exactly
 * what the overhead buys.
 *
 * @module
 */
import { EXPORT_SIGNATURES, unpackPtrLen } from "../lib/abi/abi.ts";
import { SEED_PRE_HOOK } from "../lib/bench/inputs.ts";
import { PluginHost } from "../lib/host/host.ts";
import { abiModule, i64Const } from "../testing/wasm_builder.ts";
import { testPlugin } from "../testing/plugins.ts";
import { type Command, type CommandInput, flag, intOption, runMain } from "../cli/command.ts";

type Exports = {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number, n: number): void;
  init?(p: number, n: number): number;
} & Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The direct path: the minimum a gateway does per call, with no checks. */
async function directCaller(bytes: Uint8Array, hook: string): Promise<(input: string) => unknown> {
  const { instance } = await WebAssembly.instantiate(bytes as BufferSource, {});
  const e = instance.exports as Exports;
  const write = (text: string) => {
    const b = encoder.encode(text);
    const ptr = e.malloc(b.length);
    new Uint8Array(e.memory.buffer, ptr, b.length).set(b);
    return { ptr, len: b.length };
  };
  if (e.init) {
    const c = write("{}");
    e.init(c.ptr, c.len);
    e.free(c.ptr, c.len);
  }
  const fn = e[hook] as (p: number, n: number) => bigint;
  return (input) => {
    const { ptr, len } = write(input);
    const packed = fn(ptr, len);
    e.free(ptr, len);
    const out = unpackPtrLen(packed);
    const value = JSON.parse(decoder.decode(new Uint8Array(e.memory.buffer, out.ptr, out.len)));
    e.free(out.ptr, out.len);
    return value;
  };
}

interface Result {
  plugin: string;
  input: string;
  hostUs: number;
  directUs: number;
  overheadUs: number;
}

async function measure(
  plugin: string,
  label: string,
  bytes: Uint8Array,
  input: string,
  rounds: number,
  batch: number,
): Promise<Result> {
  const host = await PluginHost.load(bytes);
  const direct = await directCaller(bytes, "pre_hook");
  try {
    // The host's promise is part of its cost; the direct path is not awaited.
    const viaHost = async () => {
      const start = performance.now();
      for (let i = 0; i < batch; i++) await host.call("pre_hook", input);
      return ((performance.now() - start) * 1000) / batch;
    };
    const viaExports = () => {
      const start = performance.now();
      for (let i = 0; i < batch; i++) direct(input);
      return ((performance.now() - start) * 1000) / batch;
    };
    await viaHost(); // warm-up: tier-up of both paths
    viaExports();
    const hostUs: number[] = [];
    const directUs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      hostUs.push(await viaHost());
      directUs.push(viaExports());
    }
    const h = median(hostUs);
    const d = median(directUs);
    return { plugin, input: label, hostUs: round(h), directUs: round(d), overheadUs: round(h - d) };
  } finally {
    host.close();
  }
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number) => Math.round(n * 100) / 100;

/** `deno run -A bench/host_overhead.ts`. */
export const hostOverheadScript: Command = {
  name: "deno run -A bench/host_overhead.ts",
  summary: "The conformance host's own cost per pre_hook call: through PluginHost and directly, and the difference",
  description: `
Prints the median µs per pre_hook call through PluginHost and directly, and
their difference, for hello-world (the Rust example's request and a rich input) and for a
hand-built plugin that answers a fixed output (the floor).`,
  options: {
    rounds: { type: "string", arg: "N", description: "Alternating rounds", default: "15" },
    batch: { type: "string", arg: "N", description: "Calls per round and path", default: "2000" },
    json: { type: "boolean", description: "Print the results as JSON" },
  },
  run: hostOverhead,
};

async function hostOverhead(input: CommandInput): Promise<number> {
  const rounds = intOption(input, "rounds", 1)!;
  const batch = intOption(input, "batch", 1)!;
  const hello = await Deno.readFile(await testPlugin("hello-world"));
  const rich = await Deno.readTextFile(new URL("../testdata/hello_world/pre_hook_rich.json", import.meta.url));
  const seed = JSON.stringify(SEED_PRE_HOOK);
  const fixedOutput = '{"context":{"request_id":"abc-123"},"has_short_circuit":false,"error":""}';
  const floor = abiModule({
    funcs: {
      pre_hook: { ...EXPORT_SIGNATURES.pre_hook!, body: (c) => [i64Const(c.data(fixedOutput).packed)] },
    },
  });
  const results = [
    await measure("fixed output", "Rust example's request", floor, seed, rounds, batch),
    await measure("hello-world", "Rust example's request", hello, seed, rounds, batch),
    await measure("hello-world", "pre_hook_rich.json", hello, rich, rounds, batch),
  ];
  if (flag(input, "json")) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    console.log("plugin        input               host µs  direct µs  overhead µs");
    for (const r of results) {
      console.log(
        `${r.plugin.padEnd(13)} ${r.input.padEnd(18)} ${String(r.hostUs).padStart(8)} ${
          String(r.directUs).padStart(10)
        } ${String(r.overheadUs).padStart(12)}`,
      );
    }
  }
  return 0;
}

if (import.meta.main) await runMain(hostOverheadScript);
