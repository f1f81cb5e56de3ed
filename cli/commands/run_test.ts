import assert from "node:assert/strict";
import { EXPORT_SIGNATURES } from "../../lib/abi/abi.ts";
import { abiModule, i64Const, loopForever, op } from "../../testing/wasm_builder.ts";
import { runCli } from "../../testing/cli.ts";
import { hasWazero, NO_WAZERO, TEST_ENGINES } from "../../testing/engines.ts";

const HELLO = new URL("../../build/hello-world.wasm", import.meta.url).pathname;
const FIXTURES = new URL("../../testdata/hello_world/", import.meta.url).pathname;
const HOOK = EXPORT_SIGNATURES.pre_hook!;

/** Writes hand-built modules to a temporary directory for the duration of `f`. */
async function withModules(
  modules: Record<string, Uint8Array>,
  f: (path: (name: string) => string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-run-" });
  try {
    for (const [name, bytes] of Object.entries(modules)) await Deno.writeFile(`${dir}/${name}`, bytes);
    await f((name) => `${dir}/${name}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("run prints the hook's output for the sample input and exits 0", async () => {
  const r = await runCli(["run", HELLO, "pre_hook"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(JSON.parse(r.stdout), {
    context: { request_id: "bifrost-as-run", plugin_processed: true, plugin_name: "hello-world-wasm-typescript" },
    request: null,
    short_circuit: null,
    has_short_circuit: false,
    error: "",
  });
});

Deno.test("run reads --input from a file or stdin and --config inline or from @FILE", async () => {
  const fromFile = await runCli(["run", HELLO, "post_hook", "--input", `${FIXTURES}post_hook_error.json`]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(JSON.parse(fromFile.stdout).has_error, true);

  const input = JSON.stringify({
    context: { request_id: "r" },
    request: { provider: "openai", model: "m1", input: [] },
  });
  const inline = await runCli(["run", HELLO, "pre_hook", "-i", "-", "--config", '{"mock_models":["m1"]}'], {
    stdin: input,
  });
  assert.equal(inline.code, 0, inline.stderr);
  assert.equal(JSON.parse(inline.stdout).short_circuit.response.chat_response.id, "mock-r");

  await withModules({ "config.json": new TextEncoder().encode('{"rate_limit_models":["m1"]}') }, async (path) => {
    const r = await runCli(["run", HELLO, "pre_hook", "-i", "-", "--config", `@${path("config.json")}`], {
      stdin: input,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).short_circuit.error.status_code, 429);
  });
});

Deno.test("run --repeat reports timing, calls per second and memory on stderr", async () => {
  const r = await runCli(["run", HELLO, "http_pre_hook", "--repeat", "200"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).context.http_intercepted, true);
  assert.match(r.stderr, /^200 calls: min [\d.]+ µs, median [\d.]+ µs, p99 [\d.]+ µs in the plugin\n/);
  assert.match(r.stderr, /\n\d+ calls\/s through the host\n/);
  assert.match(r.stderr, /\nmemory: \d+ pages \(\d+ KiB\) before, \d+ pages \(\d+ KiB\) after, high-water \d+ pages/);
});

Deno.test("run --json prints plugin, hook, output, stats and timing as one object", async () => {
  const r = await runCli(["run", HELLO, "http_stream_chunk_hook", "--json", "-n", "5", "--free-policy", "double"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.plugin, "hello-world-wasm-typescript");
  assert.equal(out.hook, "http_stream_chunk_hook");
  assert.equal(out.output.has_chunk, true);
  assert.equal(out.returnedZero, false);
  assert.equal(out.stats.inputBytes > 0 && out.stats.outputBytes > 0, true);
  assert.equal(out.timing.calls, 5);
  assert.ok(out.timing.highWaterPages >= out.timing.pagesAfter);
});

Deno.test("run exits 2 with one line for usage errors", async () => {
  await withModules(
    { "bad.json": new TextEncoder().encode("{nope"), "text.wasm": new TextEncoder().encode("hi") },
    async (path) => {
      const cases: [string[], string][] = [
        [
          ["run", HELLO, "prehook"],
          `error: Unknown hook "prehook": expected http_intercept, http_pre_hook, pre_hook, post_hook, http_post_hook, http_stream_chunk_hook`,
        ],
        [
          ["run", HELLO, "pre_hook", "--input", path("bad.json")],
          `error: Input "${path("bad.json")}" is not valid JSON: `,
        ],
        [
          ["run", HELLO, "pre_hook", "--input", "no/such.json"],
          `error: Cannot read input "no/such.json": file not found`,
        ],
        [["run", "no/such.wasm", "pre_hook"], `error: Cannot read "no/such.wasm": file not found`],
        [["run", path("text.wasm"), "pre_hook"], `error: Cannot read "${path("text.wasm")}": not a WebAssembly module`],
        [
          ["run", HELLO, "pre_hook", "--free-policy", "some"],
          `error: Unknown free policy "some": expected both, input, none, double`,
        ],
        [
          ["run", HELLO, "pre_hook", "--repeat", "0"],
          `error: Invalid --repeat "0": expected a whole number of at least 1`,
        ],
        [["run", HELLO, "pre_hook", "--config", "{"], `error: Invalid --config "{": not JSON: `],
        [["run", HELLO], "error: Missing argument <hook>: see 'bifrost-as run --help'"],
      ];
      for (const [args, message] of cases) {
        const r = await runCli(args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.ok(r.stderr.startsWith(message), r.stderr);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.equal(r.stdout, "");
      }
    },
  );
});

Deno.test("run exits 1 with a clear message when the plugin traps, breaks the contract, hangs or cannot load", async () => {
  const modules = {
    "trap.wasm": abiModule({ funcs: { pre_hook: { ...HOOK, body: [op.unreachable] } } }),
    "contract.wasm": abiModule({ outputs: { pre_hook: '{"context":{},"has_short_circuit":true}' } }),
    "loop.wasm": abiModule({ funcs: { pre_hook: { ...HOOK, body: [...loopForever, op.unreachable] } } }),
    "abort.wasm": abiModule({
      imports: [{
        module: "env",
        name: "abort",
        desc: { kind: "func", params: ["i32", "i32", "i32", "i32"], results: [] },
      }],
    }),
  };
  await withModules(modules, async (path) => {
    const cases: [string[], string][] = [
      [
        ["run", path("trap.wasm"), "pre_hook"],
        'error: Plugin "test-plugin" trapped in pre_hook: unreachable executed (an AssemblyScript abort or a Rust panic) in function "pre_hook"',
      ],
      [
        ["run", path("contract.wasm"), "pre_hook"],
        'error: Plugin "test-plugin" pre_hook output breaks the contract: has_short_circuit is true but "short_circuit" is missing',
      ],
      [
        ["run", path("loop.wasm"), "pre_hook", "--hook-timeout", "300"],
        'error: Plugin "test-plugin" pre_hook ran past its 300 ms budget (the host stopped it)',
      ],
      [
        ["run", path("abort.wasm"), "pre_hook"],
        `error: Cannot load plugin "${
          path("abort.wasm")
        }": import "env.abort" is not provided by Bifrost (build with --use abort= )`,
      ],
    ];
    // The same messages whatever the engine: the checks are the host's, the wazero engine's errors the V8 runner's.
    for (const engine of TEST_ENGINES) {
      for (const [args, message] of cases) {
        const started = performance.now();
        const r = await runCli([...args, "--engine", engine]);
        assert.equal(r.code, 1, `${engine}: ${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split("\n").at(-1), message, engine);
        assert.equal(r.stdout, "");
        // The deadline stops the spinning hook (the rest is starting Deno and the engine, and loading).
        if (args[1] === path("loop.wasm")) assert.ok(performance.now() - started < 5000, `${engine}: took too long`);
      }
    }
  });
});

Deno.test("run --no-strict answers a 0 return with the pass-through output and logs a note", async () => {
  await withModules(
    { "zero.wasm": abiModule({ funcs: { pre_hook: { ...HOOK, body: [i64Const(0)] } } }) },
    async (path) => {
      const strict = await runCli(["run", path("zero.wasm"), "pre_hook"]);
      assert.equal(strict.code, 1);
      assert.match(strict.stderr, /pre_hook returned 0: Bifrost's handling of a 0 return is unknown/);
      const lenient = await runCli(["run", path("zero.wasm"), "pre_hook", "--no-strict"]);
      assert.equal(lenient.code, 0, lenient.stderr);
      assert.equal(JSON.parse(lenient.stdout).has_short_circuit, false);
      assert.match(lenient.stderr, /^host: pre_hook returned 0: .*answering the pass-through output$/m);
    },
  );
});

Deno.test("run --check-free reports each free policy; a plugin that grows under all of them exits 1", async () => {
  const ok = await runCli(["run", HELLO, "pre_hook", "--check-free", "-n", "200"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(
    ok.stdout.trimEnd(),
    /^both +bounded \(\d+ -> \d+ pages\)\ninput +bounded .*\nnone +bounded .*\ndouble +bounded .*$/,
  );
  await withModules({ "leak.wasm": abiModule() }, async (path) => {
    const r = await runCli(["run", path("leak.wasm"), "pre_hook", "--check-free", "-n", "100"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^both +grows \(\d+ -> \d+ pages\)$/m);
    assert.match(r.stderr, /^Memory is not bounded under any free policy: it grows with every pre_hook call$/m);
  });
});

Deno.test({
  name: `run --engine wazero prints what --engine v8 prints, for every hook${
    hasWazero ? "" : ` (ignored: ${NO_WAZERO})`
  }`,
  ignore: !hasWazero,
  fn: async () => {
    for (const hook of ["http_pre_hook", "http_post_hook", "http_stream_chunk_hook", "pre_hook", "post_hook"]) {
      const inputs = hook === "post_hook" ? [[], ["--input", `${FIXTURES}post_hook_error.json`]] : [[]];
      for (const input of inputs) {
        const [v8, wazero] = await Promise.all(
          ["v8", "wazero"].map((engine) => runCli(["run", HELLO, hook, ...input, "--engine", engine])),
        );
        assert.equal(v8!.code, 0, v8!.stderr);
        assert.equal(wazero!.code, 0, wazero!.stderr);
        assert.equal(wazero!.stdout, v8!.stdout, hook);
        assert.equal(wazero!.stderr, v8!.stderr, hook);
      }
    }
    const json = JSON.parse((await runCli(["run", HELLO, "pre_hook", "--engine", "wazero", "--json"])).stdout);
    assert.equal(json.engine, "wazero");
  },
});

Deno.test("run: --engine and --hook-timeout are checked, and --help explains them", async () => {
  const bad = await runCli(["run", HELLO, "pre_hook", "--engine", "wasmtime"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), 'error: Unknown engine "wasmtime": expected v8, wazero');
  const timeout = await runCli(["run", HELLO, "pre_hook", "--hook-timeout=-1"]);
  assert.equal(timeout.code, 2);
  assert.equal(timeout.stderr.trim(), 'error: Invalid --hook-timeout "-1": expected a whole number from 0 to 3600000');
  const none = await runCli(["run", HELLO, "pre_hook", "--hook-timeout", "0", "--json"]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(JSON.parse(none.stdout).engine, "v8");
  const help = (await runCli(["run", "--help"])).stdout;
  assert.match(help, /--engine ENGINE +Where the plugin runs: v8 \(Deno\) or wazero \(Go, Bifrost's runtime\)/);
  assert.match(help, /--hook-timeout MS +Deadline of each hook call and of loading the plugin, in ms \(default 10000/);
});

Deno.test("run --engine wazero without the engine says how to get it", async () => {
  const r = await runCli(["run", HELLO, "pre_hook", "--engine", "wazero"], {
    env: { BIFROST_AS_ENGINE: "/no/such/engine" },
  });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'error: BIFROST_AS_ENGINE names "/no/such/engine", which is not a file');
});

Deno.test("run --input takes a fixture: its input and config, and the diff against its expect", async () => {
  const fixtures = new URL("../../fixtures/pre_hook/", import.meta.url).pathname;
  const ok = await runCli(["run", HELLO, "pre_hook", "--input", `${fixtures}config_default_no_longer_mocked.json`]);
  assert.equal(ok.code, 0, ok.stderr);
  // The fixture's config (mock_models: ["m1"]) makes mock-model an ordinary model: passed through.
  assert.equal(JSON.parse(ok.stdout).has_short_circuit, false);
  assert.match(ok.stderr, /^fixture: its input and config; output matches its expect \(partial match\)$/m);

  const dir = await Deno.makeTempDir();
  try {
    const fixture = JSON.parse(await Deno.readTextFile(`${fixtures}mock_model.json`));
    fixture.expect = { ...fixture.expect, has_short_circuit: false };
    await Deno.writeTextFile(`${dir}/stale.json`, JSON.stringify(fixture));
    const stale = await runCli(["run", HELLO, "pre_hook", "--input", `${dir}/stale.json`]);
    assert.equal(stale.code, 1, stale.stderr);
    assert.match(
      stale.stderr,
      /output differs from its expect \(.* match\):\n {2}- has_short_circuit: false\n {2}\+ has_short_circuit: true/,
    );

    await Deno.writeTextFile(`${dir}/number.json`, JSON.stringify({ input: 42, expect: {} }));
    const bad = await runCli(["run", HELLO, "pre_hook", "--input", `${dir}/number.json`]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /Invalid fixture .*number\.json": "input" must be the hook's input object \(or a string, sent as is\), found a number/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run exits 1 when the hook's output carries an error, and says so", async () => {
  const r = await runCli(["run", HELLO, "pre_hook", "-i", "-"], { stdin: '{"context":{},"requests":{}}' });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).error, "invalid pre_hook input: request: missing (expected object)");
  assert.match(
    r.stderr,
    /^error: the pre_hook output carries an error: "invalid pre_hook input: request: missing \(expected object\)"$/m,
  );
});
