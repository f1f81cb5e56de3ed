import assert from "node:assert/strict";
import { testPlugin } from "../../testing/plugins.ts";
import { hasRust, NO_RUST, rustPlugin } from "../../testing/rust_plugin.ts";
import { runCli } from "../../testing/cli.ts";

Deno.test("check exits 0 for hello-world and 1 for the docs-style baseline, whose memory grows under every policy", async () => {
  const ok = await runCli(["check", await testPlugin("hello-world"), "--calls", "100", "--hook-timeout", "0"]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^hello-world\.wasm: "hello-world-wasm-typescript", valid \(profiles legacy, current\)$/m);
  assert.match(ok.stdout, /^0 errors, 0 warnings$/m);
  // Every input is described in the plugin author's terms.
  assert.match(ok.stdout, /ok +sample +a well-formed input \(the shape in Bifrost's Rust example\)$/m);
  assert.ok(!/seed/i.test(ok.stdout), ok.stdout);

  const baseline = await runCli(["check", await testPlugin("baseline"), "--calls", "100", "--json"]);
  assert.equal(baseline.code, 1, baseline.stderr);
  const report = JSON.parse(baseline.stdout);
  assert.equal(report.name, "hello-world-baseline");
  assert.equal(report.errors, 1);
  assert.deepEqual(report.memory.boundedUnder, []);
});

Deno.test({
  name: `check on the Rust plugin: warnings only, so exit 0, and 1 with --strict${
    hasRust ? "" : ` (ignored: ${NO_RUST})`
  }`,
  ignore: !hasRust,
  fn: async () => {
    const plugin = await rustPlugin();
    const r = await runCli(["check", plugin, "--calls", "100"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^ {2}double {2}no call finished: Plugin "hello-world-wasm-rust" trapped in free, the host's second free of init's config buffer/m,
    );
    assert.match(r.stdout, /^0 errors, \d+ warnings$/m);
    assert.equal((await runCli(["check", plugin, "--calls", "100", "--strict"])).code, 1);
  },
});

Deno.test("check: a missing file or a file that is not wasm is a usage error", async () => {
  const missing = await runCli(["check", "no-such.wasm"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim(), 'error: Cannot read "no-such.wasm": file not found');
  const notWasm = await runCli(["check", new URL(import.meta.url).pathname]);
  assert.equal(notWasm.code, 2);
  assert.match(notWasm.stderr, /^error: .*not a WebAssembly module/);
});

Deno.test("check --help lists every kind of probe it runs, in a plugin author's terms", async () => {
  const help = await runCli(["check", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  for (const probe of ["Go's null", "Responses API", "embeddings", "model list", "chat.completion.chunk", "after"]) {
    assert.ok(help.stdout.includes(probe), `${probe} is not in:\n${help.stdout}`);
  }
  assert.ok(!/seed/i.test(help.stdout), help.stdout);
  const bench = await runCli(["bench", "--help"]);
  assert.ok(bench.stdout.includes("Bifrost's Rust example") && !/seed/i.test(bench.stdout), bench.stdout);
  const fuzz = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../fuzz/main.ts", import.meta.url).pathname, "--help"],
    stdout: "piped",
  }).output();
  const fuzzHelp = new TextDecoder().decode(fuzz.stdout);
  assert.ok(fuzzHelp.includes("samples of Bifrost's Rust example") && !/seed's/.test(fuzzHelp), fuzzHelp);
});
