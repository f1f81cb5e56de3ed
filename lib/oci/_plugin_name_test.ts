import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { abiModule, i32Const, i64Const, loopForever, op } from "../../testing/wasm_builder.ts";
import { readPluginName, staticName } from "./_plugin_name.ts";

/** A get_name body that is not one constant: the name comes from running it. */
const computedName = (name: string) => ({
  params: [],
  results: ["i64" as const],
  // (i64.or (i64.const packed) (i64.const 0)): the same value, but code to run.
  body: (c: { data(t: string): { packed: bigint } }) => [i64Const(c.data(name).packed), i64Const(0), op.i64_or],
});

Deno.test("readPluginName() reads a constant get_name from the module without running it", async () => {
  const wasm = abiModule({
    name: "static-name",
    // A start function that never ends: running any code would hang.
    extend: (b) => b.func("spin", [], [], loopForever, { export: false }).start("spin"),
  });
  assert.deepEqual(staticName(wasm), new TextEncoder().encode("static-name"));
  assert.equal(await readPluginName(wasm, "x.wasm", { timeoutMs: 100 }), "static-name");
});

Deno.test("readPluginName() runs a computed get_name in a child process", async () => {
  const wasm = abiModule({ funcs: { get_name: computedName("computed-name") } });
  assert.equal(staticName(wasm), undefined);
  assert.equal(await readPluginName(wasm, "x.wasm"), "computed-name");
});

Deno.test("readPluginName() stops a get_name or start function that never ends at its deadline", async () => {
  const loops = abiModule({
    funcs: { get_name: { params: [], results: ["i64"], body: [...loopForever, op.unreachable] } },
  });
  const startLoops = abiModule({
    funcs: { get_name: computedName("n") },
    extend: (b) => b.func("spin", [], [], loopForever, { export: false }).start("spin"),
  });
  for (const wasm of [loops, startLoops]) {
    const started = performance.now();
    await assert.rejects(readPluginName(wasm, "spin.wasm", { timeoutMs: 500 }), {
      name: "InputError",
      message:
        'Cannot read the plugin name of "spin.wasm": instantiating it and calling get_name() ran past 500 ms (stopped)',
    });
    assert.ok(performance.now() - started < 5000, `took ${Math.round(performance.now() - started)} ms`);
  }
});

Deno.test("readPluginName() caps memory: a get_name that grows without end fails at the cap", async () => {
  // Grows by 256 pages (16 MiB) until refused, then traps.
  const grows = abiModule({
    funcs: {
      get_name: {
        params: [],
        results: ["i64"],
        body: [op.loop, i32Const(256), op.memory_grow, i32Const(-1), op.i32_ne, op.br_if, 0, op.end, op.unreachable],
      },
    },
  });
  await assert.rejects(readPluginName(grows, "grows.wasm", { memoryPages: 1024 }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /^Cannot read the plugin name of "grows.wasm": get_name\(\) failed: .*unreachable/);
    return true;
  });
});

Deno.test("readPluginName() turns a trap and a bad answer into one-line usage errors", async () => {
  const cases: [Uint8Array, string][] = [
    [
      abiModule({ funcs: { get_name: { params: [], results: ["i64"], body: [op.unreachable] } } }),
      "get_name() failed: ",
    ],
    [
      abiModule({ funcs: { get_name: { params: [], results: ["i64"], body: [i64Const(1n << 40n)] } } }),
      "get_name() returned an empty or out-of-bounds name",
    ],
    [abiModule({ omit: ["get_name"] }), 'export "get_name" or "memory" is missing'],
  ];
  for (const [wasm, why] of cases) {
    await assert.rejects(readPluginName(wasm, "bad.wasm"), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.ok(e.message.startsWith(`Cannot read the plugin name of "bad.wasm": ${why}`), e.message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});
