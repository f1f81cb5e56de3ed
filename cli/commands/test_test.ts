import assert from "node:assert/strict";
import { hasRust, NO_RUST, RUST_PLUGIN_DIR, rustPlugin } from "../../testing/rust_plugin.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { runCli } from "../../testing/cli.ts";

const ROOT_FIXTURES = new URL("../../fixtures", import.meta.url).pathname;

Deno.test("test --free-policy runs the fixtures under the listed policies only, and names them", async () => {
  const plugin = await testPlugin("hello-world");
  const r = await runCli(["test", "--plugin", plugin, "--fixtures", ROOT_FIXTURES, "--free-policy", "none,double"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /fixtures, each under 2 free policies \(none, double\): \d+ passed, 0 failed$/m);
  const bad = await runCli(["test", "--plugin", plugin, "--fixtures", ROOT_FIXTURES, "--free-policy", "both,twice"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), 'error: Unknown free policy "twice": expected both, input, none, double');
});

Deno.test({
  name: `test runs the Rust plugin's fixtures; a double free, a probe, is a warning that says where it trapped${
    hasRust ? "" : ` (ignored: ${NO_RUST})`
  }`,
  ignore: !hasRust,
  fn: async () => {
    const args = ["test", "--plugin", await rustPlugin(), "--fixtures", `${RUST_PLUGIN_DIR}/fixtures`];
    const ok = await runCli([...args, "--free-policy", "both,input,none"]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /each under 3 free policies \(both, input, none\): \d+ passed, 0 failed$/m);
    const all = await runCli(args);
    assert.equal(all.code, 0, all.stdout + all.stderr);
    assert.match(
      all.stdout,
      /warning: fails under the "double" free policy only: Plugin "hello-world-wasm-rust" trapped in free, the host's second free of init's config buffer/,
    );
    assert.match(
      all.stdout,
      /each under 4 free policies \(both, input, none, double\): (\d+) passed, 0 failed; \1 fail only under the "double" probe \(a warning\)$/m,
    );
    const probeAlone = await runCli([...args, "--free-policy", "double"]);
    assert.equal(probeAlone.code, 1);
  },
});
