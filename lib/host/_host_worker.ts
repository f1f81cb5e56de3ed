/**
 * The host worker: a child Deno process that runs one plugin `Runner`, so
 * that a call past its time budget can be stopped by killing the process.
 * A synchronous wasm call cannot be interrupted in its own thread, and a Web
 * Worker cannot be stopped either: in Deno 2.9 `worker.terminate()` leaves a
 * thread stuck in a loop spinning, and the process never exits
 * (denoland/deno#35657). It speaks `worker_protocol.ts` on stdin and stdout.
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import { decodeBase64 } from "../internal/base64.ts";
import { Runner, type RunnerOptions, serializeError } from "./instance.ts";
import { frame, FrameReader, type WireOptions, type WorkerReply, type WorkerRequest } from "./worker_protocol.ts";

function fromWire(wire: WireOptions): RunnerOptions {
  const { wasmBase64, functionNames, hookTimeoutMs: _, ...rest } = wire;
  const bytes = decodeBase64(wasmBase64);
  return { ...rest, module: new WebAssembly.Module(bytes), functionNames: new Map(functionNames) };
}

const encoder = new TextEncoder();

function post(reply: WorkerReply, payload?: Uint8Array): void {
  for (const bytes of frame(reply, payload)) {
    for (let written = 0; written < bytes.length;) written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

/** `gc()`: the host starts the worker with `--v8-flags=--expose-gc`. */
const gc = (globalThis as { gc?: () => void }).gc;

/** A call this large (input or output) is followed by a collection: its buffers go back to the system at once. */
const LARGE = 8 << 20;

/**
 * Reads stdin with `Deno.stdin.read` into one reused buffer: measured side
 * by side, a call through the worker took about half the time it took
 * reading stdin as a `ReadableStream`.
 */
function stdinFrames(): FrameReader {
  const buffer = new Uint8Array(1 << 16);
  return new FrameReader(async () => {
    const n = await Deno.stdin.read(buffer);
    return n === null ? null : buffer.subarray(0, n);
  });
}

let runner: Runner | undefined;

/**
 * A call's input as the runner writes it: read from stdin straight into
 * the plugin's memory once malloc has made room for it, so a large input is
 * never held in a buffer of the worker's own.
 */
class StdinInput {
  consumed = false;
  constructor(readonly frames: FrameReader, readonly length: number) {}
  writeInto(into: Uint8Array): void {
    this.consumed = true;
    this.frames.takeInto(into, (buffer) => Deno.stdin.readSync(buffer));
  }
}

/** Answers one request; returns whether it moved a large input or output. */
async function answer(line: string, frames: FrameReader): Promise<boolean> {
  const req = JSON.parse(line) as WorkerRequest;
  const input = req.type === "call" ? new StdinInput(frames, req.bytes) : undefined;
  try {
    return run(req, input);
  } finally {
    // A call's input follows its line whatever happened to the call: one the plugin never took is read past.
    if (input && !input.consumed) await frames.skip(input.length);
  }
}

function run(req: WorkerRequest, input: StdinInput | undefined): boolean {
  try {
    if (req.type === "load") {
      runner = new Runner(fromWire(req.options), (line) => post({ type: "log", line }));
      post({ type: "loaded", name: runner.name, pages: runner.pages });
    } else if (!runner) {
      throw new Error("host worker: no plugin loaded");
    } else if (req.type === "call") {
      const { text, stats } = runner.call(req.hook, input!);
      const output = text === null ? undefined : encoder.encode(text);
      post({ type: "result", stats, bytes: output?.length ?? null }, output);
      return input!.length >= LARGE || (output?.length ?? 0) >= LARGE;
    } else if (req.type === "cleanup") {
      post({ type: "cleanup", code: runner.cleanup() });
    } else {
      throw new Error(`host worker: "${req.type}" is a request for the wazero engine`);
    }
  } catch (e) {
    post({ type: "error", error: serializeError(e) });
  }
  return false;
}

async function serve(): Promise<void> {
  const frames = stdinFrames();
  // Starting Deno is not the plugin's time: the host starts a load's deadline once this arrives.
  post({ type: "ready" });
  for (let line = await frames.line(); line !== null; line = await frames.line()) {
    // After a large call its input and output are dropped: collected now, before the process waits idle.
    if (line !== "" && await answer(line, frames)) gc?.();
  }
}

if (import.meta.main) await serve();
