import assert from "node:assert/strict";
import { EXPORT_SIGNATURES, type HookName, packPtrLen, WASI_MODULE } from "../abi/abi.ts";
import {
  AbiError,
  PluginContractError,
  PluginError,
  PluginInputTooLargeError,
  PluginMemoryError,
  PluginTimeoutError,
  PluginTrapError,
} from "../errors.ts";
import { checkFreePolicies, PluginHost } from "./host.ts";
import { FREE_POLICIES } from "../abi/free_policy.ts";
import type { HostOptions } from "./types.ts";
import { parseWasm } from "../wasm/wasm_binary.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { checkOutput } from "../abi/contract.ts";
import { jsonPieces } from "../internal/json_pieces.ts";
import { TEST_ENGINES } from "../../testing/engines.ts";
import {
  abiModule,
  type AbiModuleOptions,
  type Body,
  call,
  DEFAULT_OUTPUTS,
  i32Const,
  i64Const,
  localGet,
  loopForever,
  op,
  TRAP_ON_DOUBLE_FREE,
} from "../../testing/wasm_builder.ts";

const HELLO = new URL("../../build/hello-world.wasm", import.meta.url);
const HELLO_NAME = "hello-world-wasm-typescript";
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/hello_world/${name}.json`, import.meta.url));
const PRE_INPUT = {
  context: { request_id: "r1" },
  request: { provider: "openai", model: "gpt-4o", input: [{ role: "user", content: "Hi" }] },
};
const HOOK = EXPORT_SIGNATURES.pre_hook!;

/** A hook function with `body`. */
const hook = (body: Body | ((c: Parameters<Exclude<AbiFunc["body"], Body>>[0]) => Body)): AbiFunc => ({
  ...HOOK,
  body,
});
type AbiFunc = NonNullable<AbiModuleOptions["funcs"]>[string];

/** The ptr/len of the input, returned as the output (a plugin that answers in the input buffer). */
const ECHO: Body = [
  localGet(0),
  op.i64_extend_i32_u,
  i64Const(32),
  op.i64_shl,
  localGet(1),
  op.i64_extend_i32_u,
  op.i64_or,
];

/** Loads, runs `f`, and always closes. */
async function withHost<T>(
  source: string | URL | Uint8Array,
  options: HostOptions,
  f: (host: PluginHost, logs: string[]) => Promise<T>,
): Promise<T> {
  const logs: string[] = [];
  const host = await PluginHost.load(source, { onLog: (l) => logs.push(l), ...options });
  try {
    return await f(host, logs);
  } finally {
    host.close();
  }
}

/** The function index an export of `bytes` gets (bodies do not change indices). */
function indexOf(bytes: Uint8Array, name: string): number {
  return parseWasm(bytes).exports.find((e) => e.name === name)!.index;
}

/** `bytes` without the custom section `name`. */
function withoutCustom(bytes: Uint8Array, name: string): Uint8Array {
  const s = parseWasm(bytes).sections.find((x) => x.id === 0 && x.name === name)!;
  const end = s.payloadOffset + s.size;
  return new Uint8Array([...bytes.subarray(0, s.offset), ...bytes.subarray(end)]);
}

// ---- the hello-world plugin ----

Deno.test("PluginHost loads hello-world and calls every hook with nothing flagged in strict mode", async () => {
  await withHost(HELLO, {}, async (host, logs) => {
    assert.equal(host.name, HELLO_NAME);
    for (const h of ["http_intercept", "http_pre_hook", "http_post_hook", "http_stream_chunk_hook"] as const) {
      assert.ok(host.has(h), h);
    }
    const cases: [HookName, string][] = [
      ["http_pre_hook", "http_pre_hook"],
      ["http_intercept", "http_pre_hook"],
      ["pre_hook", "pre_hook_rich"],
      ["post_hook", "post_hook_rich"],
      ["post_hook", "post_hook_error"],
      ["http_stream_chunk_hook", "stream_chunk"],
    ];
    for (const [h, f] of cases) {
      const r = await host.call(h, fixture(f));
      assert.equal(r.returnedZero, false);
      assert.deepEqual(r.output, JSON.parse(r.raw));
      assert.equal(r.stats.inputBytes, new TextEncoder().encode(fixture(f)).length);
      assert.equal(r.stats.outputBytes, new TextEncoder().encode(r.raw).length);
    }
    const pre = await host.preHook({ ...PRE_INPUT, request: { ...PRE_INPUT.request, model: "mock-model" } });
    assert.equal(pre.output.has_short_circuit, true);
    assert.equal(pre.output.short_circuit?.response?.chat_response?.id, "mock-r1");
    const http = await host.httpPreHook(JSON.parse(fixture("http_pre_hook")));
    assert.equal(http.output.context.http_intercepted, true);
    assert.equal(await host.cleanup(), 0);
    assert.deepEqual(logs, []);
  });
});

Deno.test("PluginHost keeps hello-world's memory flat over many calls under every free policy", async () => {
  const input = fixture("pre_hook_rich");
  for (const freePolicy of FREE_POLICIES) {
    await withHost(HELLO, { freePolicy }, async (host) => {
      // The first hundred calls let the garbage collector's heap settle.
      let warm = 0;
      for (let i = 0; i < 100; i++) warm = (await host.call("pre_hook", input)).stats.pagesAfter;
      for (let i = 0; i < 400; i++) {
        const { stats } = await host.call("pre_hook", input);
        assert.equal(stats.pagesAfter, warm, `${freePolicy}: grew at call ${100 + i}`);
        assert.equal(stats.highWaterPages, warm);
      }
    });
  }
});

Deno.test("checkFreePolicies() finds hello-world bounded under every policy and flags nothing", async () => {
  const report = await checkFreePolicies(HELLO, "pre_hook", fixture("pre_hook_rich"));
  assert.deepEqual(report.boundedUnder, [...FREE_POLICIES]);
  assert.deepEqual(report.flags, []);
  assert.equal(report.results.length, 4);
});

Deno.test("PluginHost gives hello-world's init the config object and reports its refusal with last_error", async () => {
  await withHost(HELLO, { config: { mock_models: ["m1"] } }, async (host) => {
    const r = await host.preHook({ ...PRE_INPUT, request: { ...PRE_INPUT.request, model: "m1" } });
    assert.equal(r.output.has_short_circuit, true);
  });
  await assert.rejects(PluginHost.load(HELLO, { config: { mock_models: "m1" } }), {
    name: "PluginError",
    message: /^Cannot load plugin ".*hello-world\.wasm": init returned \d+: init: invalid config: .*mock_models/,
  });
});

Deno.test("PluginHost reports hello-world at its memory cap as PluginMemoryError and recovers", async () => {
  await assert.rejects(PluginHost.load(HELLO, { maxMemoryPages: 1 }), /needs at least 2/);
  await withHost(HELLO, { maxMemoryPages: 24 }, async (host, logs) => {
    const pages = (await host.call("pre_hook", fixture("pre_hook_rich"))).stats.pagesAfter;
    const big = JSON.stringify({ ...PRE_INPUT, pad: "x".repeat((24 - pages + 1) * 65536) });
    const e = await host.call("pre_hook", big).catch((e) => e);
    assert.ok(e instanceof PluginMemoryError, String(e));
    assert.equal(e.limitPages, 24);
    assert.equal(e.kind, "out_of_memory");
    assert.match(e.message, new RegExp(`^Plugin "${HELLO_NAME}" ran out of memory in pre_hook`));
    assert.ok(logs.some((l) => l.startsWith(`host: re-instantiated plugin "${HELLO_NAME}"`)));
    assert.equal((await host.preHook(PRE_INPUT)).output.context.plugin_processed, true);
  });
});

// ---- loading ----

Deno.test("PluginHost refuses a module importing env.abort, naming the import and the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = abiModule({
      imports: [{
        module: "env",
        name: "abort",
        desc: { kind: "func", params: ["i32", "i32", "i32", "i32"], results: [] },
      }],
    });
    await Deno.writeFile(`${dir}/x.wasm`, bytes);
    await assert.rejects(PluginHost.load(`${dir}/x.wasm`), {
      name: "PluginError",
      message:
        `Cannot load plugin "${dir}/x.wasm": import "env.abort" is not provided by Bifrost (build with --use abort= )`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PluginHost refuses unknown WASI functions, missing exports, wrong signatures and non-wasm bytes", async () => {
  const cases: [AbiModuleOptions, RegExp][] = [
    [
      {
        imports: [{
          module: WASI_MODULE,
          name: "sock_open",
          desc: { kind: "func", params: ["i32"], results: ["i32"] },
        }],
      },
      /import "wasi_snapshot_preview1\.sock_open" is not a WASI preview 1 function/,
    ],
    [{ omit: ["malloc"] }, /export "malloc" is missing/],
    [{ funcs: { pre_hook: { params: ["i32", "i32"], results: ["i32"], body: [i32Const(0)] } } }, /pre_hook: expected/],
    [{ omit: ["pre_hook"] }, /export "pre_hook" is missing/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(PluginHost.load(abiModule(options)), (e: Error) => {
      assert.ok(e instanceof PluginError, String(e));
      assert.match(e.message, /^Cannot load plugin "\(bytes\)": /);
      assert.match(e.message, message);
      return true;
    });
  }
  await assert.rejects(PluginHost.load(new TextEncoder().encode("hello")), AbiError);
  await assert.rejects(PluginHost.load("no/such.wasm"), {
    name: "PluginError",
    message: 'Cannot load plugin "no/such.wasm": file not found',
  });
});

Deno.test("PluginHost without strict loads a module missing pre_hook and notes what Bifrost would refuse", async () => {
  await withHost(abiModule({ omit: ["pre_hook"] }), { strict: false }, async (host, logs) => {
    assert.equal(host.has("pre_hook"), false);
    assert.ok(
      logs.some((l) => /^host: Export "pre_hook" is missing.*\(Bifrost would refuse it\)$/.test(l)),
      logs.join(),
    );
    await assert.rejects(host.preHook(PRE_INPUT), { message: 'Plugin "test-plugin" does not export "pre_hook"' });
  });
});

Deno.test("PluginHost passes the config to init as JSON, {} when omitted", async () => {
  // init stores the config's ptr/len, get_name returns them: the name is the config text.
  const bytes = abiModule({
    funcs: {
      init: {
        ...EXPORT_SIGNATURES.init!,
        body: [i32Const(8), localGet(0), op.i32_store, i32Const(12), localGet(1), op.i32_store, i32Const(0)],
      },
      get_name: {
        ...EXPORT_SIGNATURES.get_name!,
        body: [
          ...[i32Const(8), op.i32_load, op.i64_extend_i32_u, i64Const(32), op.i64_shl],
          ...[i32Const(12), op.i32_load, op.i64_extend_i32_u, op.i64_or],
        ],
      },
    },
  });
  await withHost(bytes, {}, (host) => Promise.resolve(assert.equal(host.name, "{}")));
  await withHost(
    bytes,
    { config: { a: [1, "é"] } },
    (host) => Promise.resolve(assert.equal(host.name, '{"a":[1,"é"]}')),
  );
});

Deno.test("PluginHost fails the load with init's own reason from last_error", async () => {
  const last_error = {
    ...EXPORT_SIGNATURES.get_name!,
    body: (c: { data(t: string): { packed: bigint } }) => [i64Const(c.data("bad config: no key").packed)],
  };
  const init = { ...EXPORT_SIGNATURES.init!, body: [i32Const(3)] };
  await assert.rejects(PluginHost.load(abiModule({ funcs: { init, last_error } })), {
    name: "PluginError",
    message: 'Cannot load plugin "(bytes)": init returned 3: bad config: no key',
  });
  await assert.rejects(PluginHost.load(abiModule({ funcs: { init } })), {
    message: 'Cannot load plugin "(bytes)": init returned 3 (the plugin exports no last_error with a reason)',
  });
});

Deno.test("PluginHost uses http_intercept for httpPreHook when only the legacy profile is exported", async () => {
  const out = '{"context":{"legacy":true},"has_response":false,"error":""}';
  await withHost(abiModule({ profile: "legacy", outputs: { http_intercept: out } }), {}, async (host) => {
    assert.equal(host.has("http_pre_hook"), false);
    assert.equal((await host.httpPreHook('{"context":{},"request":{}}')).output.context.legacy, true);
  });
});

Deno.test("PluginHost captures WASI stdout line by line as plugin logs", async () => {
  const fdWrite = { kind: "func" as const, params: ["i32", "i32", "i32", "i32"] as const, results: ["i32"] as const };
  const bytes = abiModule({
    imports: [{
      module: WASI_MODULE,
      name: "fd_write",
      desc: { ...fdWrite, params: [...fdWrite.params], results: [...fdWrite.results] },
    }],
    funcs: {
      pre_hook: hook((c) => {
        const text = c.data("hello\nwörld");
        const iov = c.data(new Uint8Array(new Uint32Array([text.ptr, text.len]).buffer));
        const out = c.data(DEFAULT_OUTPUTS.pre_hook);
        return [i32Const(1), i32Const(iov.ptr), i32Const(1), i32Const(0), call(0), op.drop, i64Const(out.packed)];
      }),
    },
  });
  await withHost(bytes, {}, async (host, logs) => {
    await host.preHook(PRE_INPUT);
    assert.deepEqual(logs, ["hello", "wörld"]);
  });
});

// ---- the call protocol ----

Deno.test("PluginHost frees input and output per policy, passing the size to a two-parameter free", async () => {
  // free counts its calls at address 0 and sums the sizes at 4; cleanup returns one of them.
  const counting = (report: 0 | 4) =>
    abiModule({
      funcs: {
        free: {
          params: ["i32", "i32"],
          results: [],
          body: [
            ...[i32Const(0), i32Const(0), op.i32_load, i32Const(1), op.i32_add, op.i32_store],
            ...[i32Const(4), i32Const(4), op.i32_load, localGet(1), op.i32_add, op.i32_store],
          ],
        },
        cleanup: { ...EXPORT_SIGNATURES.cleanup!, body: [i32Const(report), op.i32_load] },
      },
    });
  const expected = { both: 2, input: 1, none: 0, double: 4 };
  for (const freePolicy of FREE_POLICIES) {
    await withHost(counting(0), { freePolicy }, async (host) => {
      const before = await host.cleanup(); // init's config buffer
      await host.preHook(PRE_INPUT);
      await host.preHook(PRE_INPUT);
      assert.equal((await host.cleanup()) - before, 2 * expected[freePolicy], freePolicy);
    });
  }
  await withHost(counting(4), {}, async (host) => {
    const before = await host.cleanup();
    const { stats } = await host.call("pre_hook", "{}");
    assert.equal((await host.cleanup()) - before, 2 + stats.outputBytes);
  });
});

Deno.test("PluginHost frees the input before reading the output, exposing plugins that answer in the input buffer", async () => {
  const echo = '{"context":{"echo":true},"has_short_circuit":false}';
  // free poisons the first byte of what it frees.
  const poisoning = {
    params: ["i32", "i32"] as const,
    results: [] as const,
    body: [localGet(0), i32Const(0xff), op.i32_store8],
  };
  const bytes = abiModule({
    funcs: { pre_hook: hook(ECHO), free: { ...poisoning, params: [...poisoning.params], results: [] } },
  });
  await withHost(bytes, { freePolicy: "none" }, async (host) => {
    assert.equal((await host.preHook(echo)).output.context.echo, true);
  });
  await withHost(bytes, { freePolicy: "both" }, async (host) => {
    await assert.rejects(host.call("pre_hook", echo), {
      name: "PluginContractError",
      message: 'Plugin "test-plugin" pre_hook returned invalid UTF-8 (byte 0: 0xff)',
    });
  });
});

Deno.test("PluginHost reports a 0 return as an error in strict mode and as pass-through otherwise", async () => {
  const bytes = abiModule({ funcs: { post_hook: hook([i64Const(0)]) } });
  await withHost(bytes, {}, async (host) => {
    await assert.rejects(host.call("post_hook", "{}"), {
      name: "PluginContractError",
      message:
        `Plugin "test-plugin" post_hook returned 0: Bifrost's handling of a 0 return is unknown (return an output)`,
    });
  });
  await withHost(bytes, { strict: false }, async (host, logs) => {
    const input = { context: { id: 1 }, response: null, error: { error: { message: "boom" } }, has_error: true };
    const r = await host.postHook(input);
    assert.equal(r.returnedZero, true);
    assert.equal(r.raw, "");
    assert.deepEqual(r.output, {
      context: { id: 1 },
      response: null,
      error: input.error,
      has_error: true,
      hook_error: "",
    });
    assert.match(logs.join("\n"), /host: post_hook returned 0: .*answering the pass-through output/);
  });
});

Deno.test("PluginHost refuses outputs outside memory, invalid UTF-8, invalid JSON and malloc failures", async () => {
  const cases: [AbiFunc, string][] = [
    [hook([i64Const(packPtrLen(65530, 10))]), "returned pointer 65530 and length 10, outside its 65536-byte memory"],
    [hook([i64Const(packPtrLen(0xffff_fff0, 0x20))]), "returned pointer 4294967280 and length 32, outside"],
    [
      hook((c) => [i64Const(c.data(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x7d])).packed)]),
      "invalid UTF-8 (byte 2: 0xc3)",
    ],
    [
      hook((c) => [i64Const(c.data(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])).packed)]),
      "invalid UTF-8 (byte 1: 0xed)",
    ],
    [hook((c) => [i64Const(c.data('{"context":').packed)]), "output is not valid JSON"],
    [hook((c) => [i64Const(c.data("[]").packed)]), "the output must be a JSON object, found an array"],
  ];
  for (const [pre_hook, message] of cases) {
    await withHost(abiModule({ funcs: { pre_hook } }), {}, async (host) => {
      const e = await host.preHook(PRE_INPUT).catch((e) => e);
      assert.ok(e instanceof PluginContractError, String(e));
      assert.equal(e.hook, "pre_hook");
      assert.ok(e.message.includes(message), e.message);
    });
  }
  const malloc = { ...EXPORT_SIGNATURES.malloc!, body: [i32Const(0)] };
  await withHost(
    abiModule({ funcs: { malloc, init: { ...EXPORT_SIGNATURES.init!, body: [i32Const(0)] } }, omit: ["init"] }),
    {},
    async (host) => {
      await assert.rejects(host.preHook(PRE_INPUT), {
        name: "PluginContractError",
        message: /^Plugin "test-plugin" cannot take the pre_hook input: malloc\(\d+\) returned 0$/,
      });
    },
  );
});

Deno.test("PluginHost checks each hook's output contract", async () => {
  const cases: [HookName, unknown, string][] = [
    ["pre_hook", { context: {}, has_short_circuit: true }, 'has_short_circuit is true but "short_circuit" is missing'],
    [
      "pre_hook",
      { context: {}, has_short_circuit: true, short_circuit: {} },
      'has_short_circuit is true but "short_circuit" has neither a response nor an error',
    ],
    [
      "pre_hook",
      { context: {}, has_short_circuit: true, short_circuit: { error: { status_code: 429 } } },
      '"short_circuit.error.error.message" is missing',
    ],
    [
      "pre_hook",
      { context: {}, short_circuit: { error: { error: { message: "x" }, status_code: "429" } } },
      '"short_circuit.error.status_code" must be an integer, found string "429"',
    ],
    [
      "pre_hook",
      { context: {}, request: { model: "m", input: [{ role: "user", content: 7 }] } },
      '"request.input.0.content" must be a string or array, found number 7',
    ],
    ["pre_hook", { context: "abc" }, '"context" must be an object, found string "abc"'],
    ["pre_hook", { context: {}, error: 1 }, '"error" must be a string, found number 1'],
    ["http_pre_hook", { context: {}, has_response: true }, 'has_response is true but "response" is missing'],
    [
      "http_pre_hook",
      { context: {}, has_response: true, response: { headers: {} } },
      'has_response is true but "response.status_code" is missing (expected 100 to 599)',
    ],
    ["http_pre_hook", { context: {}, has_response: "true" }, '"has_response" must be a boolean, found string "true"'],
    [
      "http_post_hook",
      { context: {}, response: { status_code: 200, body: "not base64!" } },
      '"response.body" must be valid base64 (Go decodes bodies as []byte), found string "not base64!"',
    ],
    [
      "http_post_hook",
      { context: {}, response: { status_code: 200, headers: { a: 1 } } },
      '"response.headers.a" must be a string, found number 1',
    ],
    ["http_stream_chunk_hook", { context: {}, has_chunk: true, chunk: null }, 'has_chunk is true but "chunk" is null'],
    ["post_hook", { context: {}, has_error: true, error: null }, 'has_error is true but "error" is null'],
    ["post_hook", { context: {}, has_error: true, error: { error: {} } }, '"error.error.message" is missing'],
    [
      "post_hook",
      { context: {}, response: { chat_response: { choices: [{ index: 0.5 }] } } },
      '"response.chat_response.choices.0.index" must be an integer, found number 0.5',
    ],
  ];
  for (const [h, output, violation] of cases) {
    const bytes = abiModule({ outputs: { [h]: JSON.stringify(output) } });
    await withHost(bytes, {}, async (host) => {
      const e = await host.call(h, "{}").catch((e) => e);
      assert.ok(e instanceof PluginContractError, `${h} ${JSON.stringify(output)}: ${e}`);
      assert.deepEqual(e.violations, [violation]);
      assert.equal(e.message, `Plugin "test-plugin" ${h} output breaks the contract: ${violation}`);
    });
    await withHost(bytes, { strict: false }, async (host, logs) => {
      assert.deepEqual((await host.call(h, "{}")).output, output);
      assert.deepEqual(logs, [`host: ${h} output breaks the contract: ${violation}`]);
    });
  }
});

Deno.test("PluginHost accepts valid outputs and notes legal ones Bifrost ignores", async () => {
  const cases: [HookName, unknown, string | undefined][] = [
    ["pre_hook", { context: {}, request: {}, short_circuit: {}, error: "" }, undefined],
    [
      "pre_hook",
      {
        context: {},
        has_short_circuit: true,
        short_circuit: { error: { error: { message: "no" }, status_code: 429 } },
      },
      undefined,
    ],
    ["post_hook", { context: {}, response: {}, error: {}, has_error: false, hook_error: "" }, undefined],
    [
      "http_pre_hook",
      { context: {}, has_response: true, response: { status_code: 204, headers: null, body: "aGk=" } },
      undefined,
    ],
    [
      "http_pre_hook",
      { context: {}, response: { status_code: 200 } },
      'host: http_pre_hook: "response" is set but has_response is not true: Bifrost ignores the response',
    ],
    [
      "http_stream_chunk_hook",
      { context: {}, chunk: { id: "c" } },
      'host: http_stream_chunk_hook: "chunk" is set but has_chunk is missing: Bifrost drops the chunk',
    ],
    [
      "pre_hook",
      { context: {}, short_circuit: { response: { chat_response: { id: "x" } } } },
      'host: pre_hook: "short_circuit" is set but has_short_circuit is not true: Bifrost ignores it',
    ],
  ];
  for (const [h, output, note] of cases) {
    await withHost(abiModule({ outputs: { [h]: JSON.stringify(output) } }), {}, async (host, logs) => {
      assert.deepEqual((await host.call(h, "{}")).output, output);
      assert.deepEqual(logs, note ? [note] : []);
    });
  }
});

// ---- traps, recovery, budgets ----

Deno.test("PluginHost turns traps into PluginTrapError naming hook, kind and function, then recovers", async () => {
  const placeholder = abiModule({ funcs: { pre_hook: hook([i64Const(0)]) } });
  const self = indexOf(placeholder, "pre_hook");
  const cases: [Body, string, RegExp][] = [
    [[op.unreachable], "unreachable", /trapped in pre_hook: unreachable executed .* in function "pre_hook"$/],
    [[i32Const(-1), op.i32_load, op.drop, i64Const(0)], "out_of_bounds", /memory access out of bounds/],
    [[localGet(0), localGet(1), call(self)], "stack_overflow", /call stack exhausted in function "pre_hook"/],
    [[i32Const(1), i32Const(0), 0x6d, op.drop, i64Const(0)], "divide_by_zero", /integer divide by zero/],
  ];
  for (const [body, kind, message] of cases) {
    await withHost(abiModule({ funcs: { pre_hook: hook(body) } }), {}, async (host, logs) => {
      const e = await host.preHook(PRE_INPUT).catch((e) => e);
      assert.ok(e instanceof PluginTrapError, String(e));
      assert.equal(e.kind, kind);
      assert.equal(e.hook, "pre_hook");
      assert.equal(e.functionName, "pre_hook");
      assert.match(e.message, message);
      assert.ok(logs.some((l) => l.startsWith('host: re-instantiated plugin "test-plugin" after: ')));
      assert.deepEqual(
        (await host.postHook({ context: {}, response: null, error: null, has_error: false })).output,
        JSON.parse(DEFAULT_OUTPUTS.post_hook),
      );
    });
  }
});

Deno.test("PluginHost names the trapping function from the name section, else from the exports", async () => {
  // pre_hook calls an internal function that traps.
  const build = (target: number) =>
    abiModule({
      funcs: { pre_hook: hook([call(target), i64Const(0)]) },
      extend: (b) => void b.func("helper", [], [], [op.unreachable], { export: false }),
    });
  const helper = parseWasm(build(0)).functions.length - 1;
  const named = build(helper);
  const trapped = (bytes: Uint8Array) =>
    withHost(bytes, {}, (host) => host.preHook(PRE_INPUT).catch((e: PluginTrapError) => e.functionName));
  assert.equal(await trapped(named), "helper");
  assert.equal(await trapped(withoutCustom(named, "name")), `wasm-function[${helper}]`);
  const direct = abiModule({ funcs: { pre_hook: hook([op.unreachable]) } });
  assert.equal(await trapped(withoutCustom(direct, "name")), "pre_hook");
});

Deno.test("PluginHost turns proc_exit into a trap and recovers", async () => {
  const bytes = abiModule({
    imports: [{ module: WASI_MODULE, name: "proc_exit", desc: { kind: "func", params: ["i32"], results: [] } }],
    funcs: { pre_hook: hook([i32Const(3), call(0), i64Const(0)]) },
  });
  await withHost(bytes, {}, async (host) => {
    await assert.rejects(host.preHook(PRE_INPUT), {
      name: "PluginTrapError",
      kind: "proc_exit",
      message: 'Plugin "test-plugin" called proc_exit(3) in pre_hook',
    });
    assert.equal((await host.call("post_hook", "{}")).returnedZero, false);
  });
});

/** A hook body that grows memory `pages` at a time until memory.grow refuses, then traps. */
const growUntilRefused = (pages: number): Body => [
  op.loop,
  i32Const(pages),
  op.memory_grow,
  i32Const(-1),
  op.i32_ne,
  [op.br_if, 0],
  op.end,
  op.unreachable,
];

Deno.test("PluginHost reports memory.grow failing at the cap (or the module's maximum) as PluginMemoryError", async () => {
  const growForever = growUntilRefused(1);
  for (
    const [options, limit] of [[{ funcs: { pre_hook: hook(growForever) } }, 4], [{
      memory: { min: 1, max: 6 },
      funcs: { pre_hook: hook(growForever) },
    }, 6]] as const
  ) {
    await withHost(abiModule(options), limit === 4 ? { maxMemoryPages: 4 } : {}, async (host) => {
      const e = await host.preHook(PRE_INPUT).catch((e) => e);
      assert.ok(e instanceof PluginMemoryError, String(e));
      assert.equal(e.limitPages, limit);
      assert.equal(e.functionName, "pre_hook");
      assert.match(
        e.message,
        new RegExp(
          `ran out of memory in pre_hook: unreachable executed .* \\(its memory is at the ${limit}-page limit\\)$`,
        ),
      );
      const { stats } = await host.call("post_hook", "{}");
      assert.equal(stats.pagesAfter, 1);
      assert.equal(stats.highWaterPages, 1);
    });
  }
});

Deno.test("PluginHost stats: duration, sizes, pages before and after, high-water", async () => {
  const bytes = abiModule({
    funcs: {
      pre_hook: hook((c) => [i32Const(1), op.memory_grow, op.drop, i64Const(c.data(DEFAULT_OUTPUTS.pre_hook).packed)]),
    },
  });
  await withHost(bytes, {}, async (host) => {
    const first = (await host.call("pre_hook", "{}")).stats;
    const second = (await host.call("pre_hook", '{"a":1}')).stats;
    assert.equal(first.pagesAfter, first.pagesBefore + 1);
    assert.equal(second.pagesBefore, first.pagesAfter);
    assert.equal(second.highWaterPages, second.pagesAfter);
    assert.equal(second.inputBytes, 7);
    assert.equal(second.outputBytes, DEFAULT_OUTPUTS.pre_hook.length);
    assert.ok(second.durationUs > 0 && second.durationUs < 1e6);
  });
});

Deno.test("PluginHost with a time budget stops a runaway hook, re-instantiates, and keeps working", async () => {
  const bytes = abiModule({ funcs: { pre_hook: hook([...loopForever, op.unreachable]) } });
  await withHost(bytes, { timeoutMs: 300 }, async (host, logs) => {
    const started = performance.now();
    const e = await host.preHook(PRE_INPUT).catch((e) => e);
    assert.ok(e instanceof PluginTimeoutError, String(e));
    assert.equal(e.hook, "pre_hook");
    assert.equal(e.timeoutMs, 300);
    assert.equal(e.message, 'Plugin "test-plugin" pre_hook ran past its 300 ms budget (the host stopped it)');
    assert.ok(performance.now() - started < 5000);
    assert.ok(logs.some((l) => l.startsWith('host: re-instantiated plugin "test-plugin" after: ')));
    assert.equal((await host.call("post_hook", "{}")).returnedZero, false);
  });
  const initLoops = abiModule({
    funcs: { init: { ...EXPORT_SIGNATURES.init!, body: [...loopForever, op.unreachable] } },
  });
  await assert.rejects(PluginHost.load(initLoops, { timeoutMs: 200 }), { name: "PluginTimeoutError", hook: "init" });
});

Deno.test("PluginHost in a child process (time budget) gives the same outputs, typed traps and logs as in-thread", async () => {
  const input = fixture("pre_hook_rich");
  const inline = await withHost(HELLO, {}, (host) => host.call("pre_hook", input));
  await withHost(HELLO, { timeoutMs: 5000 }, async (host) => {
    assert.equal(host.name, HELLO_NAME);
    assert.equal((await host.call("pre_hook", input)).raw, inline.raw);
    assert.equal(await host.cleanup(), 0);
  });
  const bytes = abiModule({ funcs: { pre_hook: hook([op.unreachable]) } });
  await withHost(bytes, { timeoutMs: 5000 }, async (host, logs) => {
    await assert.rejects(host.preHook(PRE_INPUT), {
      name: "PluginTrapError",
      kind: "unreachable",
      functionName: "pre_hook",
    });
    assert.ok(logs.some((l) => l.startsWith("host: re-instantiated")));
    assert.equal((await host.call("post_hook", "{}")).returnedZero, false);
  });
});

Deno.test("checkFreePolicies() flags a plugin bounded under only one free policy", async () => {
  // malloc reuses its last buffer only after exactly two frees (input and output), else grows a page.
  const malloc = {
    ...EXPORT_SIGNATURES.malloc!,
    locals: ["i32" as const],
    body: [
      op.block,
      ...[i32Const(0), op.i32_load, i32Const(2), op.i32_ne, [op.br_if, 0]],
      ...[i32Const(0), i32Const(0), op.i32_store, i32Const(4), op.i32_load, op.return],
      op.end,
      ...[i32Const(0), i32Const(0), op.i32_store],
      ...[
        i32Const(4),
        i32Const(1),
        op.memory_grow,
        i32Const(16),
        op.i32_shl,
        [op.local_tee, 1],
        op.i32_store,
        localGet(1),
      ],
    ],
  };
  const free = {
    params: ["i32" as const, "i32" as const],
    results: [],
    body: [i32Const(0), i32Const(0), op.i32_load, i32Const(1), op.i32_add, op.i32_store],
  };
  const report = await checkFreePolicies(abiModule({ funcs: { malloc, free } }), "pre_hook", PRE_INPUT, { calls: 40 });
  assert.deepEqual(report.boundedUnder, ["both"]);
  assert.equal(
    report.flags[0],
    `Memory stays bounded only under the "both" free policy: Bifrost's policy is unknown, so the plugin may grow without limit there`,
  );
  const none = report.results.find((r) => r.policy === "none")!;
  assert.ok(none.pagesAtEnd > none.pagesAfterWarmup);
});

Deno.test("PluginHost notes each doubling of memory since load, unless told not to", async () => {
  const input = JSON.stringify({ context: {}, pad: "x".repeat(100_000) });
  for (const noteGrowth of [true, false]) {
    const lines: string[] = [];
    const host = await PluginHost.load(abiModule(), { onLog: (l) => lines.push(l), noteGrowth });
    try {
      for (let i = 0; i < 8; i++) await host.call("pre_hook", input);
    } finally {
      host.close();
    }
    const notes = lines.filter((l) => l.startsWith("host: memory has grown to "));
    if (!noteGrowth) assert.deepEqual(notes, []);
    else {
      // abiModule's bump allocator keeps every input: one note per doubling, never two for the same one.
      const pages = notes.map((l) => Number(l.match(/grown to (\d+) pages/)![1]));
      assert.ok(pages.length >= 3, notes.join("\n"));
      assert.ok(pages[0]! >= 2 && pages.every((p, i) => i === 0 || p >= 2 * pages[i - 1]!), pages.join(", "));
      assert.match(notes[0]!, /in 1 call, from 1 at load; if it keeps growing/);
    }
  }
});

const paddedPreInput = (bytes: number) => {
  const text = JSON.stringify(PRE_INPUT);
  return text.slice(0, -1) + `,"pad":"${"x".repeat(bytes - text.length - 9)}"}`;
};

// In a child process the plugin refuses the input before it has read it, while the host is still writing it: the next
// request must not land in the middle of it (as a text written a slice at a time, and as JSON in pieces).
const backends: [string, HostOptions][] = [
  ["", {}],
  [" (in a child process)", { timeoutMs: 5000 }],
  ...TEST_ENGINES.filter((e) => e === "wazero").map((
    engine,
  ): [string, HostOptions] => [` (${engine})`, { engine, timeoutMs: 5000 }]),
];
for (const [where, options] of backends) {
  Deno.test(
    `PluginHost refuses an input over the plugin's declared limit unwritten, and the plugin keeps working${where}`,
    async () => {
      const host = await PluginHost.load(await testPlugin("hello-world-1mb"), options);
      try {
        assert.equal((await host.preHook(paddedPreInput(1 << 20))).output.error, "");
        const refused = await host.call("pre_hook", jsonPieces({ ...PRE_INPUT, pad: "x".repeat(3 << 20) }))
          .then(() => undefined, (e) => e);
        assert.ok(refused instanceof PluginInputTooLargeError, String(refused));
        const e: unknown = await host.preHook(paddedPreInput((3 << 20) + 1)).then(() => undefined, (e) => e);
        assert.ok(e instanceof PluginInputTooLargeError);
        assert.equal(
          e.message,
          `Plugin "${HELLO_NAME}" takes inputs of at most 1 MiB (1,048,576 bytes): this pre_hook input is 3 MiB ` +
            "(3,145,729 bytes) (a bifrost-as plugin takes more when built with bifrost-as build --max-input-mb 4)",
        );
        assert.equal(e.limitBytes, 1 << 20);
        assert.equal(e.inputBytes, (3 << 20) + 1);
        assert.equal((await host.preHook(PRE_INPUT)).output.error, "");
      } finally {
        host.close();
      }
    },
  );
}

Deno.test("PluginHost refuses an input that cannot fit under its memory cap", async () => {
  const host = await PluginHost.load(HELLO, { maxMemoryPages: 64 });
  try {
    await assert.rejects(host.preHook(paddedPreInput(5 << 20)), {
      name: "PluginInputTooLargeError",
      message:
        `Plugin "${HELLO_NAME}" has at most 4 MiB (4,194,304 bytes) of memory (64 pages): this pre_hook input is ` +
        "5 MiB (5,242,880 bytes) (raise the host's memory cap)",
    });
  } finally {
    host.close();
  }
});

Deno.test("The output contract checks a base64 body of 20 MiB (linear, no regex stack overflow)", () => {
  const body = "QUJD".repeat(5 << 20);
  const output = { context: {}, request: { body }, response: null, has_response: false, error: "" };
  assert.deepEqual(checkOutput("http_pre_hook", output).violations, []);
  output.request.body = body.slice(1) + "!";
  assert.deepEqual(checkOutput("http_pre_hook", output).violations, [
    `"request.body" must be valid base64 (Go decodes bodies as []byte), found string "${body.slice(1, 40)}...`,
  ]);
});

Deno.test("The engine protocol's frames: lines across chunks, a 100 MiB payload, a truncated one", async () => {
  const { FrameReader, frame } = await import("./worker_protocol.ts");
  const encoder = new TextEncoder();
  const reader = (...chunks: (string | Uint8Array)[]) =>
    FrameReader.ofStream(
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
          c.close();
        },
      }),
    );
  const lines = reader("a", "b\nc", "\n", "\nd\ne", "é");
  const got: (string | null)[] = [];
  for (let i = 0; i < 6; i++) got.push(await lines.line());
  assert.deepEqual(got, ["ab", "c", "", "d", "eé", null]);
  // 100 MiB in 64 KiB chunks, between two lines: read into one buffer, in linear time.
  const chunk = new Uint8Array(1 << 16).fill(0x78);
  const big = reader(
    ...frame({ type: "call", hook: "pre_hook" }, new Uint8Array(1600 << 16)).take(1),
    ...Array.from({ length: 1600 }, () => chunk),
    '{"type":"cleanup"}\n',
  );
  const head = JSON.parse((await big.line())!);
  assert.equal(head.bytes, 1600 << 16);
  const payload = await big.bytes(head.bytes);
  assert.ok(payload.length === 1600 << 16 && payload.at(-1) === 0x78);
  assert.equal(await big.line(), '{"type":"cleanup"}');
  const short = reader('{"type":"result","bytes":10}\n', "12345");
  await short.line();
  await assert.rejects(short.bytes(10), /the stream ended 5 bytes before the end of a 10-byte message/);
});

Deno.test("PluginHost reports a plugin that reaches the 4 GiB wasm32 ceiling as out of memory, with the pages", async () => {
  // No cap and no maximum: memory.grow fails only at 65536 pages (nothing is touched, so nothing is committed).
  const growToCeiling = growUntilRefused(4096);
  await withHost(abiModule({ funcs: { pre_hook: hook(growToCeiling) } }), {}, async (host) => {
    const e = await host.preHook(PRE_INPUT).catch((e) => e);
    assert.ok(e instanceof PluginMemoryError, String(e));
    assert.equal(e.limitPages, 65536);
    assert.match(
      e.message,
      /^Plugin "test-plugin" ran out of memory in pre_hook: unreachable executed .*\(its memory is 6\d{4} pages, near the 65536-page limit: 4 GiB, the most a wasm32 module can have\)$/,
    );
    assert.doesNotMatch(e.message, /Rust panic/);
  });
});

Deno.test("PluginHost names the step and the plugin when the host's second free of init's config buffer traps", async () => {
  const bytes = abiModule({ funcs: { free: TRAP_ON_DOUBLE_FREE } });
  await withHost(bytes, { freePolicy: "both" }, (host) => Promise.resolve(assert.equal(host.name, "test-plugin")));
  const e = await PluginHost.load(bytes, { freePolicy: "double" }).catch((e) => e);
  assert.ok(e instanceof PluginTrapError, String(e));
  assert.equal(e.hook, "free");
  assert.equal(
    e.message,
    'Plugin "test-plugin" trapped in free, the host\'s second free of init\'s config buffer (free policy "double", ' +
      "a probe: Bifrost does not free a buffer twice): unreachable executed (an AssemblyScript abort or a Rust panic) " +
      'in function "free"',
  );
});

Deno.test("checkFreePolicies() says when too few calls were made to judge memory, and judges nothing", async () => {
  const leaky = abiModule(); // bump malloc, no-op free: grows with every call
  const report = await checkFreePolicies(leaky, "pre_hook", PRE_INPUT, { calls: 2 });
  assert.deepEqual(report.boundedUnder, []);
  assert.deepEqual(report.results.map((r) => r.verdict), [
    "too-few-calls",
    "too-few-calls",
    "too-few-calls",
    "too-few-calls",
  ]);
  assert.deepEqual(report.flags, [
    "Too few calls to judge memory: 2 pre_hook calls per free policy, at least 20 are needed",
  ]);
  const enough = await checkFreePolicies(leaky, "pre_hook", PRE_INPUT, { calls: 20 });
  assert.deepEqual(enough.results.map((r) => r.verdict), ["grows", "grows", "grows", "grows"]);
});

Deno.test("checkFreePolicies() says the calls did not finish, not that memory is unbounded, when none finished", async () => {
  const stuck = abiModule({ funcs: { pre_hook: hook([...loopForever, op.unreachable]) } });
  const report = await checkFreePolicies(stuck, "pre_hook", PRE_INPUT, { calls: 20, timeoutMs: 150 });
  assert.deepEqual(report.results.map((r) => r.verdict), [
    "did-not-finish",
    "did-not-finish",
    "did-not-finish",
    "did-not-finish",
  ]);
  assert.match(
    report.flags[0]!,
    /^Memory could not be judged: no pre_hook call finished under any free policy \(Plugin "test-plugin" .*150 ms/,
  );
  assert.ok(!report.flags.some((f) => f.startsWith("Memory is not bounded")), report.flags.join("\n"));
});
