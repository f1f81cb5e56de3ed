/**
 * The host worker: a child Deno process that runs one plugin `Runner`, so
 * that a call past its time budget can be stopped by killing the process.
 * A synchronous wasm call cannot be interrupted in its own thread, and a Web
 * Worker cannot be stopped either: in Deno 2.9 `worker.terminate()` leaves a
 * thread stuck in a loop spinning, and the process never exits
 * (denoland/deno#35657).
 *
 * Protocol: one JSON message per line, requests on stdin, replies on stdout;
 * one request at a time; plugin logs are sent as they happen, before the
 * reply. Run as a program it serves; imported, it only gives the protocol.
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { LineSplitter } from "../internal/lines.ts";
import { type RawCall, Runner, type RunnerOptions, type SerializedError, serializeError } from "./instance.ts";

/**
 * {@link RunnerOptions} as JSON: the (capped) module bytes instead of the
 * compiled module. `hookTimeoutMs` is for an engine that stops a call on its
 * own (wazero): the deadline of every call and of loading. This worker
 * cannot, and the host kills it instead.
 */
export type WireOptions = Omit<RunnerOptions, "module" | "functionNames"> & {
  wasmBase64: string;
  functionNames: [number, string][];
  hookTimeoutMs?: number;
};

/**
 * Messages to the host worker (and to the wazero engine, which speaks the
 * same protocol). `floor` and `throughput` are the wazero engine's
 * benchmarks; this worker answers them with an error.
 */
export type WorkerRequest =
  | { type: "load"; options: WireOptions }
  | { type: "call"; hook: HookName; input: string }
  | { type: "cleanup" }
  | { type: "floor"; hook: HookName; input: string; iterations: number }
  | { type: "throughput"; hook: HookName; input: string; goroutines: number; durationMs: number };

/** Messages from the host worker. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "log"; line: string }
  | { type: "loaded"; name: string; pages: number }
  | { type: "result"; call: RawCall }
  | { type: "cleanup"; code: number }
  | { type: "floor"; sonicNs?: number; encodingJsonNs: number }
  | { type: "throughput"; calls: number; seconds: number; callsPerSec: number }
  | { type: "error"; error: SerializedError };

/** Encodes runner options for the wire. */
export function toWire(options: RunnerOptions, bytes: Uint8Array): WireOptions {
  const { module: _, functionNames, ...rest } = options;
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { ...rest, wasmBase64: btoa(binary), functionNames: [...functionNames] };
}

function fromWire(wire: WireOptions): RunnerOptions {
  const { wasmBase64, functionNames, hookTimeoutMs: _, ...rest } = wire;
  const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
  return { ...rest, module: new WebAssembly.Module(bytes), functionNames: new Map(functionNames) };
}

/**
 * The lines of a byte stream (without their newlines), in linear time (see
 * {@link LineSplitter}); `signal` cancels the stream and ends the lines.
 */
export async function* lines(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const splitter = new LineSplitter();
  for await (const chunk of stream.pipeThrough(new TextDecoderStream(), signal ? { signal } : {})) {
    for (const line of splitter.push(chunk)) yield line;
  }
  const rest = splitter.rest();
  if (rest) yield rest;
}

const encoder = new TextEncoder();

function post(reply: WorkerReply): void {
  const bytes = encoder.encode(JSON.stringify(reply) + "\n");
  for (let written = 0; written < bytes.length;) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/**
 * The lines of stdin, read with `Deno.stdin.read` into one buffer: measured
 * side by side, a call through the worker took about half the time it took
 * reading stdin as a `ReadableStream` through a `TextDecoderStream`.
 */
async function* stdinLines(): AsyncGenerator<string> {
  const splitter = new LineSplitter();
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1 << 16);
  for (;;) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    yield* splitter.push(decoder.decode(buffer.subarray(0, n), { stream: true }));
  }
  const rest = splitter.rest() + decoder.decode();
  if (rest) yield rest;
}

async function serve(): Promise<void> {
  let runner: Runner | undefined;
  // Starting Deno is not the plugin's time: the host starts a load's deadline once this arrives.
  post({ type: "ready" });
  for await (const line of stdinLines()) {
    const req = JSON.parse(line) as WorkerRequest;
    try {
      if (req.type === "load") {
        runner = new Runner(fromWire(req.options), (line) => post({ type: "log", line }));
        post({ type: "loaded", name: runner.name, pages: runner.pages });
      } else if (!runner) {
        throw new Error("host worker: no plugin loaded");
      } else if (req.type === "call") {
        post({ type: "result", call: runner.call(req.hook, encoder.encode(req.input)) });
      } else if (req.type === "cleanup") {
        post({ type: "cleanup", code: runner.cleanup() });
      } else {
        throw new Error(`host worker: "${req.type}" is a request for the wazero engine`);
      }
    } catch (e) {
      post({ type: "error", error: serializeError(e) });
    }
  }
}

if (import.meta.main) await serve();
