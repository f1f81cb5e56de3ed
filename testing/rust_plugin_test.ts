import assert from "node:assert/strict";
import { checkFreePolicies, PluginHost } from "../lib/host/host.ts";
import { PluginTrapError } from "../lib/errors.ts";
import { validateFile } from "../lib/wasm/validate.ts";
import { runFixtures } from "../lib/project/fixtures.ts";
import { hasRust, NO_RUST, RUST_PLUGIN_DIR, RUST_PLUGIN_NAME, rustPlugin } from "./rust_plugin.ts";

const ignore = !hasRust;
const suffix = ignore ? ` (ignored: ${NO_RUST})` : "";
const FIXTURES = `${RUST_PLUGIN_DIR}/fixtures`;
const PRE = {
  context: { request_id: "r1" },
  request: { provider: "openai", model: "gpt-4o", input: [{ role: "user", content: "Hi" }] },
};

Deno.test(
  { name: `the Rust plugin builds raw and wasm-opt'd, both valid for both profiles${suffix}`, ignore },
  async () => {
    const [raw, optimized] = [await rustPlugin(), await rustPlugin("optimized")];
    for (const path of [raw, optimized]) {
      const report = await validateFile(path);
      assert.equal(report.valid, true, path);
      assert.deepEqual(report.profiles, ["legacy", "current"]);
      assert.deepEqual(report.imports, [], "wasm32-unknown-unknown imports nothing");
    }
    assert.ok((await Deno.stat(optimized)).size < (await Deno.stat(raw)).size);
    const host = await PluginHost.load(optimized);
    assert.equal(host.name, RUST_PLUGIN_NAME);
    host.close();
  },
);

Deno.test(
  { name: `the Rust plugin's fixtures pass under the free policies it survives${suffix}`, ignore },
  async () => {
    const report = await runFixtures(await rustPlugin(), FIXTURES, {
      policies: ["both", "input", "none"],
      timeoutMs: 0,
    });
    assert.equal(report.failed, 0, JSON.stringify(report.results.filter((r) => r.status !== "passed"), null, 1));
    assert.ok(report.passed >= 10);
  },
);

Deno.test({ name: `the Rust plugin traps in dlmalloc's free when the host frees twice${suffix}`, ignore }, async () => {
  const report = await runFixtures(await rustPlugin(), FIXTURES, { policies: ["double"], timeoutMs: 0 });
  assert.equal(report.passed, 0);
  for (const r of report.results) {
    assert.match(
      r.problems[0]!.lines[0]!,
      /^Plugin "hello-world-wasm-rust" trapped in free, the host's second free of init's config buffer \(free policy "double", a probe: Bifrost does not free a buffer twice\): memory access out of bounds in function "dlmalloc::dlmalloc::Dlmalloc<A>::free"$/,
    );
  }
});

Deno.test(
  { name: `check-free: the Rust plugin is bounded only when the host frees both buffers${suffix}`, ignore },
  async () => {
    const report = await checkFreePolicies(await rustPlugin(), "pre_hook", PRE, { calls: 200 });
    assert.deepEqual(report.boundedUnder, ["both"]);
    const [input, none, double] = report.results.slice(1);
    assert.ok(!input!.bounded && input!.pagesAtEnd > input!.pagesAfterWarmup, "the unfreed output leaks");
    assert.ok(!none!.bounded && none!.pagesAtEnd > none!.pagesAfterWarmup);
    assert.match(
      double!.error!,
      /trapped in free, the host's second free of init's config buffer .* "dlmalloc::dlmalloc::Dlmalloc<A>::free"/,
    );
    assert.match(report.flags[0]!, /^Memory stays bounded only under the "both" free policy/);
  },
);

Deno.test(
  { name: `the Rust plugin traps on input its serde types reject, then recovers${suffix}`, ignore },
  async () => {
    const host = await PluginHost.load(await rustPlugin());
    try {
      for (const bad of ['{"context":{}', '{"context":{},"request":{"model":42}}', '{"request":{"input":"Hi"}}']) {
        await assert.rejects(host.call("pre_hook", bad), (e: unknown) => {
          assert.ok(e instanceof PluginTrapError);
          assert.equal(e.kind, "unreachable");
          assert.equal(e.functionName, "rust_panic");
          return true;
        });
      }
      assert.equal((await host.preHook(PRE)).output.context.plugin_processed, true);
    } finally {
      host.close();
    }
  },
);

// The wasm32-wasi build: what a TinyGo plugin brings (WASI imports, the C library's malloc and free(ptr), stderr logs).

Deno.test(
  {
    name: `the Rust plugin's WASI build imports only WASI preview 1, frees with one parameter, logs from init${suffix}`,
    ignore,
  },
  async () => {
    const path = await rustPlugin("wasi");
    const report = await validateFile(path);
    assert.equal(report.valid, true);
    assert.deepEqual(report.profiles, ["legacy", "current"]);
    assert.ok(report.imports.length > 0);
    for (const i of report.imports) {
      assert.deepEqual([i.module, i.loadable, i.code], ["wasi_snapshot_preview1", true, "import-wasi"], i.name);
    }
    assert.ok(report.imports.some((i) => i.name === "fd_write"));
    assert.equal(report.exports.find((e) => e.name === "free")!.found, "(i32) -> ()");
    const logs: string[] = [];
    const config = { greeting: "hi" };
    const host = await PluginHost.load(path, { config, onLog: (l) => logs.push(l) });
    try {
      assert.equal(host.name, RUST_PLUGIN_NAME);
      assert.deepEqual(logs, [`${RUST_PLUGIN_NAME}: init with ${JSON.stringify(config).length} bytes of config`]);
      assert.equal((await host.preHook(PRE)).output.context.plugin_processed, true);
    } finally {
      host.close();
    }
  },
);

Deno.test(
  {
    name:
      `the Rust plugin's WASI build passes the same fixtures, and traps in the C library's free on a double free${suffix}`,
    ignore,
  },
  async () => {
    const path = await rustPlugin("wasi");
    const report = await runFixtures(path, FIXTURES, { policies: ["both", "input", "none"], timeoutMs: 0 });
    assert.equal(report.failed, 0, JSON.stringify(report.results.filter((r) => r.status !== "passed"), null, 1));
    assert.ok(report.passed >= 10);
    const free = await checkFreePolicies(path, "pre_hook", PRE, { calls: 200 });
    assert.deepEqual(free.boundedUnder, ["both"]);
    assert.match(
      free.results[3]!.error!,
      /trapped in free, the host's second free of the pre_hook output buffer \(free policy "double", a probe: Bifrost does not free a buffer twice\): memory access out of bounds in function "dlfree"/,
    );
  },
);
