// The raw ABI, the one place that knows about pointers: buffer ownership,
// i64 packing, strict UTF-8, and the exported functions that dispatch to the
// registered Plugin. A plugin's entry file does `export * from "./sdk/abi"`.
//
// Memory ownership. Bifrost does not document whether it frees the input
// buffer, the output buffer, both, neither, or frees twice. So the SDK owns
// every buffer it hands out and keeps it alive until the host's next call into
// the plugin (malloc or a hook), then lets the garbage collector have it;
// `free` releases early and ignores pointers it does not hold (double frees).
// Memory therefore stays bounded under every host policy.
import { validateJSON } from "json-as/assembly/util/validateJson";
import { JsonObject } from "./json";
import { currentPlugin } from "./plugin";
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

/** Inputs above this size are refused with an error output (not decoded). */
const MAX_INPUT: i32 = 16 << 20;
/** malloc refuses (returns 0) above this size. */
const MAX_ALLOC: i32 = 64 << 20;

// Buffers lent to the host: the current input and the last output (plus any
// the host allocated and has not used yet). Kept reachable so the GC leaves
// them alone.
let held = new Array<ArrayBuffer>();
let nameBuffer: ArrayBuffer | null = null;
let lastError: ArrayBuffer = new ArrayBuffer(0);

function hold(buf: ArrayBuffer): usize {
  held.push(buf);
  return changetype<usize>(buf);
}

/** Releases every lent buffer except the one at `keep`. */
function releaseExcept(keep: usize): void {
  if (held.length == 0) return;
  const kept = new Array<ArrayBuffer>();
  for (let i = 0; i < held.length; i++) {
    const b = unchecked(held[i]);
    if (changetype<usize>(b) == keep) kept.push(b);
  }
  held = kept;
}

@inline
function pack(ptr: usize, len: i32): u64 {
  return ((<u64>ptr) << 32) | <u64>(<u32>len);
}

function packString(s: string): u64 {
  const buf = String.UTF8.encode(s, false, String.UTF8.ErrorMode.REPLACE);
  return pack(hold(buf), buf.byteLength);
}

/** Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
function isValidUtf8(ptr: usize, len: usize): bool {
  const end = ptr + len;
  let p = ptr;
  while (p < end) {
    if (p + 8 <= end && (load<u64>(p) & 0x8080808080808080) == 0) {
      p += 8;
      continue;
    }
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) {
      p++;
      continue;
    }
    let n: usize;
    let min: u32;
    let cp: u32;
    if ((b0 & 0xe0) == 0xc0) {
      n = 1;
      min = 0x80;
      cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      n = 2;
      min = 0x800;
      cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      n = 3;
      min = 0x10000;
      cp = b0 & 0x07;
    } else return false;
    if (p + n >= end) return false;
    for (let i: usize = 1; i <= n; i++) {
      const b = <u32>load<u8>(p + i);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

/** Reads and checks a hook input; null (with a problem recorded) when unusable. */
function readInput(ptr: usize, len: i32): JsonObject | null {
  releaseExcept(ptr);
  resetProblems();
  const memEnd = (<u64>memory.size()) << 16;
  if (len < 0 || <u64>ptr + <u64>len > memEnd) {
    problem("input buffer is outside the plugin's memory");
    return null;
  }
  if (len > MAX_INPUT) {
    problem("input is too large (" + len.toString() + " bytes; the limit is " + MAX_INPUT.toString() + ")");
    return null;
  }
  if (!isValidUtf8(ptr, <usize>len)) {
    problem("input is not valid UTF-8");
    return null;
  }
  const text = String.UTF8.decodeUnsafe(ptr, <usize>len);
  if (!validateJSON(text)) {
    problem("input is not valid JSON (or is nested deeper than 256 levels)");
    return null;
  }
  const root = JsonObject.parse(text);
  if (root === null) problem("input is not a JSON object");
  return root;
}

/** Finishes a hook call: problems become the error field, then the output is lent. */
function finish(hook: string, output: HookOutput): u64 {
  if (hasProblems()) output.fail("invalid " + hook + " input: " + problemText());
  return packString(output.toJSON());
}

/** Parses the input as `T`, reads what the SDK needs, and pre-fills the output context. */
function begin<T extends HookInput>(ptr: usize, len: i32, output: HookOutput): T | null {
  const root = readInput(ptr, len);
  if (root === null) return null;
  const input = root.as<T>();
  input.check();
  if (hasProblems()) return null;
  output.context = input.context;
  return input;
}

// ---- exports ----

/** Allocates a buffer the host writes a hook's input into. */
export function malloc(size: i32): usize {
  releaseExcept(0);
  if (size < 0 || size > MAX_ALLOC) return 0;
  return hold(new ArrayBuffer(size));
}

/** Releases a buffer early. Unknown pointers and double frees are ignored. */
export function free(ptr: usize, size: i32): void {
  for (let i = 0; i < held.length; i++) {
    if (changetype<usize>(unchecked(held[i])) == ptr) {
      held.splice(i, 1);
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
  let config: JsonObject | null = null;
  if (len == 0) {
    releaseExcept(0);
    config = new JsonObject();
  } else {
    config = readInput(ptr, len);
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

/** bifrost-as extension (not in Bifrost's ABI): why the last init failed, raw UTF-8. */
export function last_error(): u64 {
  return pack(changetype<usize>(lastError), lastError.byteLength);
}

/** HTTP pre hook. */
export function http_pre_hook(ptr: usize, len: i32): u64 {
  const output = new HTTPPreHookOutput();
  const input = begin<HTTPPreHookInput>(ptr, len, output);
  if (input !== null) currentPlugin().httpPreHook(input, output);
  return finish("http_pre_hook", output);
}

export { http_pre_hook as http_intercept };

/** HTTP post hook. */
export function http_post_hook(ptr: usize, len: i32): u64 {
  const output = new HTTPPostHookOutput();
  const input = begin<HTTPPostHookInput>(ptr, len, output);
  if (input !== null) currentPlugin().httpPostHook(input, output);
  return finish("http_post_hook", output);
}

/** Stream chunk hook: the input's chunk passes unless the plugin says otherwise. */
export function http_stream_chunk_hook(ptr: usize, len: i32): u64 {
  const output = new HTTPStreamChunkOutput();
  const input = begin<HTTPStreamChunkInput>(ptr, len, output);
  if (input !== null) {
    output.chunk = input.chunk;
    currentPlugin().httpStreamChunkHook(input, output);
  }
  return finish("http_stream_chunk_hook", output);
}

/** LLM pre hook. */
export function pre_hook(ptr: usize, len: i32): u64 {
  const output = new PreHookOutput();
  const input = begin<PreHookInput>(ptr, len, output);
  if (input !== null) currentPlugin().preHook(input, output);
  return finish("pre_hook", output);
}

/** LLM post hook: the outcome (response or error) passes unless the plugin changes it. */
export function post_hook(ptr: usize, len: i32): u64 {
  const output = new PostHookOutput();
  const input = begin<PostHookInput>(ptr, len, output);
  if (input !== null) {
    output.hasError = input.hasError;
    if (input.hasError) output.error = input.error;
    currentPlugin().postHook(input, output);
  }
  return finish("post_hook", output);
}

/** Releases the plugin's resources. 0 = success. */
export function cleanup(): i32 {
  releaseExcept(0);
  return currentPlugin().cleanup();
}
