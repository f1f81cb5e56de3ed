/**
 * The protocol between the host and a process that runs a plugin for it
 * (the V8 host worker, `_host_worker.ts`, and the wazero engine,
 * `go/internal/server`): one JSON message per line, requests on the
 * process's stdin, replies on its stdout, one request at a time, plugin logs
 * sent as they happen before the reply.
 *
 * A hook's input and output are not escaped into their line: a `call`
 * request says how many bytes of input follow it (`bytes`), and a `result`
 * reply how many bytes of output follow it (`bytes`, or `null` when the hook
 * returned 0). A 100 MiB input then crosses the pipe as 100 MiB, read into
 * one buffer at the other end, instead of a string of its JSON escaped again
 * into a line and parsed there.
 *
 * @example
 * ```ts
 * import { FrameReader, frame } from "./worker_protocol.ts";
 * import assert from "node:assert/strict";
 *
 * const input = new TextEncoder().encode('{"context":{}}\n');
 * const wire = [...frame({ type: "call", hook: "pre_hook" }, input), ...frame({ type: "cleanup" })];
 * const reader = FrameReader.of(wire);
 * const call = JSON.parse((await reader.line())!);
 * assert.deepEqual(call, { type: "call", hook: "pre_hook", bytes: input.length });
 * assert.deepEqual(await reader.bytes(call.bytes), input);
 * assert.equal(await reader.line(), '{"type":"cleanup"}');
 * assert.equal(await reader.line(), null);
 * ```
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { encodeBase64 } from "../internal/base64.ts";
import type { ByteWriter } from "../internal/json_pieces.ts";
import type { RawCall, RunnerOptions, SerializedError } from "./instance.ts";

/**
 * {@link RunnerOptions} as JSON: the (capped) module bytes instead of the
 * compiled module. `hookTimeoutMs` is for an engine that stops a call on its
 * own (wazero): the deadline of every call and of loading. The V8 worker
 * cannot, and the host kills it instead.
 */
export type WireOptions = Omit<RunnerOptions, "module" | "functionNames"> & {
  wasmBase64: string;
  functionNames: [number, string][];
  hookTimeoutMs?: number;
};

/**
 * Requests. A `call` line is followed by its input's `bytes` bytes (added by
 * {@link frame}). `floor` and `throughput` are the wazero engine's
 * benchmarks (small inputs, in the line); the V8 worker answers them with an
 * error.
 */
export type WorkerRequest =
  | { type: "load"; options: WireOptions }
  | { type: "call"; hook: HookName; bytes: number }
  | { type: "cleanup" }
  | { type: "floor"; hook: HookName; input: string; iterations: number }
  | { type: "throughput"; hook: HookName; input: string; goroutines: number; durationMs: number };

/** Replies. A `result` line with a number of `bytes` is followed by that many bytes of output. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "log"; line: string }
  | { type: "loaded"; name: string; pages: number }
  | { type: "result"; stats: RawCall["stats"]; bytes: number | null }
  | { type: "cleanup"; code: number }
  | { type: "floor"; sonicNs?: number; encodingJsonNs: number }
  | { type: "throughput"; calls: number; seconds: number; callsPerSec: number }
  | { type: "error"; error: SerializedError };

/** Encodes runner options for the wire. */
export function toWire(options: RunnerOptions, bytes: Uint8Array): WireOptions {
  const { module: _, functionNames, ...rest } = options;
  return { ...rest, wasmBase64: encodeBase64(bytes), functionNames: [...functionNames] };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Below this, a message's line and its bytes go as one write. */
const JOINED = 1 << 16;

/**
 * A message as the chunks to write: its line, with `bytes` set to the
 * payload's length when there is one, then the payload (a large one in
 * slices, never joined).
 */
export function* frame(
  message: Record<string, unknown>,
  payload?: Uint8Array | (ByteWriter & { chunks(): Iterable<Uint8Array> }),
): Generator<Uint8Array> {
  const line = encoder.encode(JSON.stringify(payload ? { ...message, bytes: payload.length } : message) + "\n");
  if (!payload) return yield line;
  if (line.length + payload.length <= JOINED) {
    const joined = new Uint8Array(line.length + payload.length);
    joined.set(line);
    if (payload instanceof Uint8Array) joined.set(payload, line.length);
    else payload.writeInto(joined.subarray(line.length));
    return yield joined;
  }
  yield line;
  if (payload instanceof Uint8Array) yield payload;
  else yield* payload.chunks();
}

/**
 * Reads the protocol's frames from chunks of bytes: lines, and the raw
 * bytes a line announces. Whatever it keeps of a chunk it copies before it
 * asks for the next one, so `next` may reuse one buffer.
 */
export class FrameReader {
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;

  constructor(readonly next: () => Promise<Uint8Array | null>) {}

  /** A reader of a stream's chunks; `signal` cancels the stream, which ends the frames. */
  static ofStream(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): FrameReader {
    const reader = stream.getReader();
    signal?.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
    return new FrameReader(async () => {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      return done || !value ? null : value;
    });
  }

  /** A reader of chunks already at hand. */
  static of(chunks: Iterable<Uint8Array>): FrameReader {
    const rest = [...chunks];
    return new FrameReader(() => Promise.resolve(rest.shift() ?? null));
  }

  /** The next line, without its `\n`; at the end of the stream the unended rest, then `null`. */
  async line(): Promise<string | null> {
    const parts: Uint8Array[] = [];
    for (;;) {
      const end = this.#chunk.indexOf(10, this.#at);
      if (end >= 0) {
        parts.push(this.#chunk.subarray(this.#at, end));
        this.#at = end + 1;
        return decodeParts(parts);
      }
      if (this.#at < this.#chunk.length) parts.push(this.#chunk.slice(this.#at));
      const next = await this.next();
      this.#chunk = next ?? new Uint8Array(0);
      this.#at = 0;
      if (next === null) return parts.length > 0 ? decodeParts(parts) : null;
    }
  }

  /** The next `n` bytes, in one buffer of their own; throws when the stream ends before them. */
  async bytes(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n;) {
      if (this.#at >= this.#chunk.length) await this.#more(n - filled, n);
      filled += this.#copy(out.subarray(filled));
    }
    return out;
  }

  /** Reads past the next `n` bytes. */
  async skip(n: number): Promise<void> {
    for (let left = n; left > 0;) {
      if (this.#at >= this.#chunk.length) await this.#more(left, n);
      const take = Math.min(left, this.#chunk.length - this.#at);
      this.#at += take;
      left -= take;
    }
  }

  /**
   * Fills `into` with the next bytes, synchronously: what is already read,
   * then straight from `readSync` (a `read` into the buffer it is given:
   * the V8 worker reads a call's input from stdin into the plugin's memory,
   * with no buffer of its own). Throws when the stream ends before.
   */
  takeInto(into: Uint8Array, readSync: (into: Uint8Array) => number | null): void {
    let filled = this.#copy(into);
    while (filled < into.length) {
      const n = readSync(into.subarray(filled));
      if (n === null || n === 0) {
        throw new Error(
          `the stream ended ${into.length - filled} bytes before the end of a ${into.length}-byte message`,
        );
      }
      filled += n;
    }
  }

  /** Copies what is read and unused into `into`, as much as fits; returns how much. */
  #copy(into: Uint8Array): number {
    const take = Math.min(into.length, this.#chunk.length - this.#at);
    into.set(this.#chunk.subarray(this.#at, this.#at + take));
    this.#at += take;
    return take;
  }

  async #more(missing: number, n: number): Promise<void> {
    const next = await this.next();
    if (next === null) throw new Error(`the stream ended ${missing} bytes before the end of a ${n}-byte message`);
    this.#chunk = next;
    this.#at = 0;
  }
}

function decodeParts(parts: Uint8Array[]): string {
  if (parts.length === 1) return decoder.decode(parts[0]);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return decoder.decode(all);
}
