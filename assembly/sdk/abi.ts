// deno fmt drops decorators on functions (not TypeScript), and @inline is AssemblyScript's.
// deno-fmt-ignore-file
// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// The raw ABI, the one place that knows about pointers: buffer ownership,
// i64 packing, strict UTF-8, and the exported functions that dispatch to the
// registered Plugin. A plugin's entry file does `export * from "./sdk/abi"`.
//
// Memory ownership. Bifrost does not document whether it frees the input
// buffer, the output buffer, both, neither, or frees twice, nor that it
// mallocs once per call. So the SDK owns every buffer it hands out: a buffer
// from malloc stays valid until the host frees it or, once the host has passed
// it to a call (init or a hook), until the host's next call into the plugin
// begins; then the garbage collector has it. A host may thus malloc several
// inputs before calling a hook on any. An output stays valid until the host's
// next call. `free` releases early and ignores pointers it does not hold
// (double frees). Memory therefore stays bounded under every host policy (a
// buffer the host neither frees nor passes stays its own, as with any malloc).
import { BifrostContext } from "./context";
import { JsonObject } from "./json";
import { currentTape, MAX_DEPTH, ScanError, skipWs, validateJson } from "./scan";
import { ByteWriter } from "./writer";
import { currentPlugin, hasPlugin, NO_PLUGIN_REGISTERED } from "./plugin";
import { hasProblems, problem, problemText, resetProblems } from "./problems";
import {
  HookInput,
  HookOutput,
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
} from "./hooks";

// Input size limit. Bifrost's own request body limit defaults to 100 MiB
// (`client.max_request_body_size_mb`), and the HTTP hooks see a body
// base64-encoded (4/3 of it) inside their JSON; the HTTP post hook sees the
// request's and the response's (2 x 133 MiB when a response is as large as
// its request): the default takes that with room to spare. A build raises or
// lowers it with `--use BIFROST_AS_MAX_INPUT_MB=N` (`bifrost-as build
// --max-input-mb N`, or `"use": ["BIFROST_AS_MAX_INPUT_MB=N"]` in
// asconfig.json's options).
// @ts-ignore: a build-time constant, defined only when the build sets it
const MAX_INPUT_MB: i32 = isDefined(BIFROST_AS_MAX_INPUT_MB) ? <i32>BIFROST_AS_MAX_INPUT_MB : 512;
// One ArrayBuffer holds at most 1 GiB (AssemblyScript's largest block) less its header.
const LARGEST: i32 = (1 << 30) - 64;
/** Inputs above this size are refused with an error output (not decoded). */
const MAX_INPUT: i32 = MAX_INPUT_MB < 1 ? 1 << 20 : MAX_INPUT_MB >= 1024 ? LARGEST : MAX_INPUT_MB << 20;
/**
 * malloc refuses (returns 0) above this size. Up to it, an input over
 * MAX_INPUT is still taken, so the hook can answer an error that names the
 * limit instead of the host failing to write it.
 */
const MAX_ALLOC: i32 = LARGEST;

// Buffers malloc lent to the host and the host has not passed to a call yet,
// kept reachable (so the GC leaves them alone) until it frees them or passes
// them; then `inUse` keeps the last call's input until the host's next call.
// (The last output is `outputBuffer`.)
let lent = new StaticArray<ArrayBuffer | null>(8);
let lentCount = 0;
let inUse: ArrayBuffer | null = null;
let nameBuffer: ArrayBuffer | null = null;
let lastError: ArrayBuffer = new ArrayBuffer(0);

function lend(buf: ArrayBuffer): usize {
  const n = lentCount;
  if (n == lent.length) {
    const grown = new StaticArray<ArrayBuffer | null>(n << 1);
    for (let i = 0; i < n; i++) unchecked((grown[i] = unchecked(lent[i])));
    lent = grown;
  }
  unchecked((lent[n] = buf));
  lentCount = n + 1;
  return changetype<usize>(buf);
}

/** True when `ptr` is in `buf` (or is its start, for an empty one). */
@inline
function holds(buf: ArrayBuffer, ptr: usize): bool {
  const start = changetype<usize>(buf);
  return ptr == start || ptr - start < <usize>buf.byteLength;
}

/** Takes lent buffer `i` off the lent list. */
function unlend(i: i32): ArrayBuffer {
  const b = unchecked(lent[i])!;
  const last = lentCount - 1;
  unchecked((lent[i] = unchecked(lent[last])));
  unchecked((lent[last] = null));
  lentCount = last;
  return b;
}

/** Takes the lent buffer that holds `ptr` off the lent list; null when none does. */
function takeLent(ptr: usize): ArrayBuffer | null {
  // The newest first: the host most likely passes the buffer it got last.
  for (let i = lentCount - 1; i >= 0; i--) {
    if (holds(unchecked(lent[i])!, ptr)) return unlend(i);
  }
  return null;
}

@inline
function pack(ptr: usize, len: i32): u64 {
  return ((<u64>ptr) << 32) | <u64>(<u32>len);
}


/** The call's input buffer when it starts at `ptr`, or a copy of [ptr, ptr+len) when the host wrote elsewhere. */
function inputBuffer(ptr: usize, len: i32): ArrayBuffer {
  const b = inUse;
  if (b !== null && changetype<usize>(b) == ptr && b.byteLength >= len) return b;
  const copy = new ArrayBuffer(len);
  memory.copy(changetype<usize>(copy), ptr, <usize>len);
  return copy;
}

/** Reads and checks a hook input; null (with a problem recorded) when unusable. */
function readInput<T extends JsonObject>(ptr: usize, len: i32): T | null {
  resetProblems();
  const memEnd = (<u64>memory.size()) << 16;
  if (len < 0 || <u64>ptr + <u64>len > memEnd) {
    problem("input buffer is outside the plugin's memory");
    return null;
  }
  if (len > MAX_INPUT) {
    problem(
      "input is too large (" + len.toString() + " bytes; this plugin takes at most " + MAX_INPUT.toString() +
        " bytes: build it with a larger BIFROST_AS_MAX_INPUT_MB, e.g. bifrost-as build --max-input-mb " +
        (<i32>Math.ceil(<f64>len / <f64>(1 << 20))).toString() + ")",
    );
    return null;
  }
  const err = validateJson(ptr, <usize>len, true);
  if (err == ScanError.Utf8) {
    problem("input is not valid UTF-8");
    return null;
  }
  if (err == ScanError.Depth) {
    problem("input is nested deeper than " + MAX_DEPTH.toString() + " levels");
    return null;
  }
  if (err != ScanError.None) {
    problem("input is not valid JSON");
    return null;
  }
  const root = JsonObject.over<T>(inputBuffer(ptr, len), 0, len, currentTape());
  if (root === null) problem("input is not a JSON object");
  return root;
}

// Outputs are written here and lent until the host's next call into the plugin.
let outputBuffer = new ByteWriter(4096);
/** No output buffer: the next output gets a fresh one. Allocated at start, so dropping a buffer allocates nothing. */
const NO_OUTPUT = new ByteWriter(0);
/** A buffer grown past this for a large output is dropped at the host's next call, not kept. */
const KEEP_OUTPUT_BUFFER: i32 = 1 << 20;

/** True when [ptr, ptr+len) is the JSON literal `null`, with optional whitespace around it. */
function isNullLiteral(ptr: usize, len: i32): bool {
  const memEnd = (<u64>memory.size()) << 16;
  if (len < 4 || <u64>ptr + <u64>len > memEnd) return false;
  const end = ptr + <usize>len;
  const p = skipWs(ptr, end);
  return p + 4 <= end && load<u32>(p) == 0x6c6c756e && skipWs(p + 4, end) == end;
}

/**
 * Finishes a hook call: problems become the error field and a pass-through of
 * `input` (null when it could not be read), then the output is lent.
 */
function finish(hook: string, out: HookOutput, input: HookInput | null): u64 {
  if (hasProblems()) out.fail("invalid " + hook + " input: " + problemText(), input);
  if (outputBuffer === NO_OUTPUT) outputBuffer = new ByteWriter(4096);
  outputBuffer.reset();
  out.writeTo(outputBuffer);
  return pack(outputBuffer.ptr, outputBuffer.len);
}

/** Parses the input as `T`, reads what the SDK needs, and pre-fills the output context. */
function begin<T extends HookInput>(ptr: usize, len: i32, output: HookOutput): T | null {
  const input = readInput<T>(ptr, len);
  if (input !== null) {
    input.check();
    if (!hasProblems()) {
      output.context = input.context;
      return input;
    }
  }
  output.context = new BifrostContext();
  return null;
}

// ---- exports ----

// Garbage collection. The SDK builds with AssemblyScript's "minimal" runtime
// (a full mark-and-sweep collector that runs only when asked) and asks at
// safe points only: the first statement of an export, before it allocates,
// when no object is held by the wasm stack alone. It asks after every 256
// calls or 1 MiB of input, whichever comes first, so memory stays bounded
// and a small call pays no incremental-GC bookkeeping.
const COLLECT_EVERY_CALLS = 256;
const COLLECT_EVERY_BYTES: usize = 1 << 20;
let callsSinceCollect = 0;
let bytesSinceCollect: usize = 0;

/**
 * Starts a call from the host: the last call's input is released, the lent
 * buffer holding `keep` (the input this call names, 0 for none) becomes this
 * call's, and garbage is collected when due. Must be the first thing an
 * export does.
 */
function enter(keep: usize, inputBytes: usize): void {
  let input = inUse;
  if (input !== null && (keep == 0 || !holds(input, keep))) input = null;
  if (input === null && keep != 0) input = takeLent(keep);
  inUse = input;
  bytesSinceCollect += inputBytes;
  const lent = outputBuffer.buf.byteLength;
  if (lent > KEEP_OUTPUT_BUFFER) {
    // The host is done with the last output: a large buffer goes back to the collector now (the next
    // output gets a small one, allocated when written, after this call's input).
    outputBuffer = NO_OUTPUT;
    bytesSinceCollect += <usize>lent;
  }
  if (++callsSinceCollect >= COLLECT_EVERY_CALLS || bytesSinceCollect >= COLLECT_EVERY_BYTES) {
    __collect();
    callsSinceCollect = 0;
    bytesSinceCollect = 0;
  }
}

/** Allocates a buffer the host writes a hook's input into. */
export function malloc(size: i32): usize {
  enter(0, size > 0 ? <usize>size : 0);
  if (size < 0 || size > MAX_ALLOC) return 0;
  if (size >= RESERVE_FROM) reserve(size);
  return lend(new ArrayBuffer(size));
}

// Large inputs. The allocator grows memory by at least its current size each
// time nothing free fits, so an input and an output of about its size, freed
// and asked for again call after call, would double memory whenever the two
// did not land in the freed space exactly. Before a large input the SDK asks
// once for one block with room for the input and an output a little larger
// (the writer's slack and the allocator's rounding), and frees it: both then
// fit in it, and in the same space again at the next call of that size. The
// price: a large input needs memory for about 2.25 times its size, so under a
// host's memory cap below that it fails in malloc (the conformance host says
// it ran out of memory there) rather than in a hook whose output would not
// have fitted either.
const RESERVE_FROM: i32 = 1 << 20;

function reserve(size: i32): void {
  const room = <u64>size * 9 / 4 + (1 << 16);
  heap.free(heap.alloc(<usize>min(room, <u64>LARGEST)));
}

/** Releases a buffer early. Unknown pointers and double frees are ignored. */
export function free(ptr: usize, _size: i32): void {
  const input = inUse;
  if (input !== null && changetype<usize>(input) == ptr) {
    inUse = null;
    return;
  }
  for (let i = lentCount - 1; i >= 0; i--) {
    if (changetype<usize>(unchecked(lent[i])) == ptr) {
      unlend(i);
      return;
    }
  }
}

/** The plugin's name, raw UTF-8 (not JSON). */
export function get_name(): u64 {
  let buf = nameBuffer;
  if (buf === null) {
    buf = String.UTF8.encode(currentPlugin().name());
    nameBuffer = buf;
  }
  return pack(changetype<usize>(buf), buf.byteLength);
}

/** Receives the plugin's `config` object as JSON. 0 = success. */
export function init(ptr: usize, len: i32): i32 {
  enter(ptr, 0);
  if (!hasPlugin()) {
    lastError = String.UTF8.encode("init: " + NO_PLUGIN_REGISTERED);
    return 4;
  }
  let config: JsonObject | null = null;
  if (len == 0 || isNullLiteral(ptr, len)) {
    // No config: an empty body, or `null` (how Go marshals a nil map).
    resetProblems();
    config = new JsonObject();
  } else {
    config = readInput<JsonObject>(ptr, len);
  }
  if (config === null) {
    lastError = String.UTF8.encode("init: invalid config: " + problemText());
    return 1;
  }
  const err = currentPlugin().init(config);
  if (err !== null) {
    lastError = String.UTF8.encode("init: " + err);
    return 2;
  }
  if (hasProblems()) {
    lastError = String.UTF8.encode("init: invalid config: " + problemText());
    return 3;
  }
  return 0;
}

/**
 * bifrost-as extension (not in Bifrost's ABI, which ignores it): the largest
 * input, in bytes, a hook takes. Larger ones are answered with an error; the
 * conformance host refuses them before writing them.
 */
export function max_input_size(): i32 {
  return MAX_INPUT;
}

/** bifrost-as extension (not in Bifrost's ABI): why the last init failed, raw UTF-8. */
export function last_error(): u64 {
  return pack(changetype<usize>(lastError), lastError.byteLength);
}

/** HTTP pre hook. */
export function http_pre_hook(ptr: usize, len: i32): u64 {
  enter(ptr, 0);
  const output = new HTTPPreHookOutput();
  const input = begin<HTTPPreHookInput>(ptr, len, output);
  if (input !== null) currentPlugin().httpPreHook(input, output);
  return finish("http_pre_hook", output, input);
}

export { http_pre_hook as http_intercept };

/** HTTP post hook. */
export function http_post_hook(ptr: usize, len: i32): u64 {
  enter(ptr, 0);
  const output = new HTTPPostHookOutput();
  const input = begin<HTTPPostHookInput>(ptr, len, output);
  if (input !== null) currentPlugin().httpPostHook(input, output);
  return finish("http_post_hook", output, input);
}

/** Stream chunk hook: the input's chunk passes unless the plugin says otherwise. */
export function http_stream_chunk_hook(ptr: usize, len: i32): u64 {
  enter(ptr, 0);
  const output = new HTTPStreamChunkOutput();
  const input = begin<HTTPStreamChunkInput>(ptr, len, output);
  if (input !== null) {
    output.chunk = input.chunk;
    currentPlugin().httpStreamChunkHook(input, output);
  }
  return finish("http_stream_chunk_hook", output, input);
}

/** LLM pre hook. */
export function pre_hook(ptr: usize, len: i32): u64 {
  enter(ptr, 0);
  const output = new PreHookOutput();
  const input = begin<PreHookInput>(ptr, len, output);
  if (input !== null) currentPlugin().preHook(input, output);
  return finish("pre_hook", output, input);
}

/** LLM post hook: the outcome (response or error) passes unless the plugin changes it. */
export function post_hook(ptr: usize, len: i32): u64 {
  enter(ptr, 0);
  const output = new PostHookOutput();
  const input = begin<PostHookInput>(ptr, len, output);
  if (input !== null) {
    output.hasError = input.hasError;
    if (input.hasError) output.error = input.error;
    currentPlugin().postHook(input, output);
  }
  return finish("post_hook", output, input);
}

/** Releases the plugin's resources. 0 = success. */
export function cleanup(): i32 {
  enter(0, 0);
  return currentPlugin().cleanup();
}
