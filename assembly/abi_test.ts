// The SDK's buffer rule (assembly/sdk/abi.ts, docs/abi.md's memory ownership) under call sequences the conformance
// host never makes: a raw driver over hello-world's exports that mallocs two inputs before calling a hook on either,
// under every free policy. A buffer from malloc stays the host's until it frees it or a call after the one it was
// passed to begins.
import assert from "node:assert/strict";
import { FREE_POLICIES, type FreePolicy } from "../lib/abi/free_policy.ts";
import { postHookInput } from "../lib/host/input_builders.ts";
import { unpackPtrLen } from "../lib/abi/abi.ts";
import { testPlugin } from "../testing/plugins.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const SUFFIX = " (via assemblyscript-wasm)";

interface Exports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number, size: number): void;
  post_hook(ptr: number, len: number): bigint;
}

/** A fresh hello-world instance, driven through its raw exports (SDK plugins import nothing). */
async function instance(): Promise<Exports> {
  const module = new WebAssembly.Module(await Deno.readFile(await testPlugin("hello-world")));
  return new WebAssembly.Instance(module, {}).exports as unknown as Exports;
}

/** A post_hook input whose answer's model is `model`, padded with `pad` bytes of content. */
const input = (model: string, pad: number) =>
  encoder.encode(JSON.stringify(postHookInput({ model, content: "x".repeat(pad) })));

function malloc(x: Exports, bytes: Uint8Array): number {
  const ptr = x.malloc(bytes.length) >>> 0;
  assert.notEqual(ptr, 0);
  return ptr;
}

/** Calls post_hook on the input at `ptr`, returns the answer's model and frees as `policy` says. */
function postHook(x: Exports, ptr: number, len: number, policy: FreePolicy): string {
  const out = unpackPtrLen(x.post_hook(ptr, len));
  const frees = { both: [1, 1], input: [1, 0], none: [0, 0], double: [2, 2] }[policy];
  for (let i = 0; i < frees[0]!; i++) x.free(ptr, len);
  const text = decoder.decode(new Uint8Array(x.memory.buffer, out.ptr, out.len));
  for (let i = 0; i < frees[1]!; i++) x.free(out.ptr, out.len);
  const output = JSON.parse(text);
  assert.equal(output.hook_error, "");
  return output.response.chat_response.model;
}

for (const policy of FREE_POLICIES) {
  Deno.test(`SDK malloc: two inputs malloc'd and written before either hook call stay intact (free policy "${policy}")`, async () => {
    const x = await instance();
    // Large enough that every malloc is due to collect (1 MiB of input since the last collection), sizes changing so
    // that freed space is sometimes reused exactly and sometimes not.
    for (let round = 0; round < 12; round++) {
      const a = input(`a-${round}`, 600_000 + (round % 3) * 70_000);
      const b = input(`b-${round}`, 600_000 + (round % 2) * 150_000);
      const pa = malloc(x, a);
      const pb = malloc(x, b);
      assert.ok(pb >= pa + a.length || pb + b.length <= pa, `round ${round}: the two buffers overlap`);
      new Uint8Array(x.memory.buffer).set(a, pa);
      new Uint8Array(x.memory.buffer).set(b, pb);
      assert.equal(postHook(x, pa, a.length, policy), `a-${round}${SUFFIX}`);
      assert.equal(postHook(x, pb, b.length, policy), `b-${round}${SUFFIX}`);
    }
  });
}

Deno.test("SDK malloc: memory stays bounded when the host mallocs ahead, under every free policy", async () => {
  for (const policy of FREE_POLICIES) {
    const x = await instance();
    const a = input("a", 20_000);
    const b = input("b", 30_000);
    const pages: number[] = [];
    for (let round = 0; round < 3000; round++) {
      const pa = malloc(x, a);
      const pb = malloc(x, b);
      new Uint8Array(x.memory.buffer).set(a, pa);
      new Uint8Array(x.memory.buffer).set(b, pb);
      postHook(x, pa, a.length, policy);
      postHook(x, pb, b.length, policy);
      // A buffer the host frees before using it is released at once.
      const unused = x.malloc(b.length);
      x.free(unused, b.length);
      if (round === 300 || round === 2999) pages.push(x.memory.buffer.byteLength / 65536);
    }
    assert.equal(pages[1], pages[0], `memory grew after the warm-up under "${policy}": ${pages.join(" -> ")} pages`);
  }
});
