// The e2e suite judged on itself: it runs on the local target with a given
// plugin under test and must say which expectations it applied, and hold the
// plugin to those alone, never to behaviours guessed from its name.
import assert from "node:assert/strict";
import { testPlugin } from "../testing/plugins.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function e2e(...args: string[]): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/integration/main.ts`, "--target", "local", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

const summary = (out: string) => out.match(/^(\d+) passed, (\d+) failed, (\d+) skipped$/m)?.slice(1).map(Number);

Deno.test("e2e: a pass-through plugin registered as hello-world-wasm-typescript passes every check that applies", async () => {
  const plugin = await testPlugin("passthrough");
  const { code, out } = await e2e("--plugin", plugin);
  assert.match(out, /^expectations: none stated/m, out);
  const [passed, failed, skipped] = summary(out) ?? [];
  assert.equal(failed, 0, out);
  assert.equal(code, 0, out);
  assert.ok(passed! >= 15, out);
  // What it is not expected to do is skipped with the reason, never failed.
  assert.match(out, /SKIPPED: not expected of this plugin: mock \(state it with --expect mock\)/, out);
  assert.equal(skipped, out.match(/SKIPPED/g)?.length, out);
});

Deno.test("e2e: stated expectations are applied and printed; a pass-through plugin fails the behaviours it lacks", async () => {
  const plugin = await testPlugin("passthrough");
  const { code, out } = await e2e(
    "--plugin",
    plugin,
    "--expect",
    "mock,rate-limit,suffix",
    "--model-suffix",
    " (x)",
    "--error-suffix",
    " (y)",
    "--kinds",
    "chat",
  );
  assert.match(
    out,
    /^expectations: mock, rate-limit, suffix \(model " \(x\)", error " \(y\)"\); kinds: chat \(from --expect/m,
    out,
  );
  assert.equal(code, 1, out);
  assert.ok(summary(out)![1]! > 0, out);
  assert.match(out, /SKIPPED: not expected of this plugin: responses requests/, out);
});

Deno.test("e2e: hello-world, run by default, is held to the expectations stated for it", async () => {
  const { code, out } = await e2e("--filter", "mock-model is answered");
  assert.match(
    out,
    /^expectations: mock, rate-limit, suffix .* \(hello-world's, stated in integration\/plugin_under_test\.ts\)$/m,
    out,
  );
  assert.equal(code, 0, out);
});

Deno.test("e2e: a suffix expectation without the suffixes is a usage error", async () => {
  const { code, out } = await e2e("--plugin", await testPlugin("passthrough"), "--expect", "suffix");
  assert.equal(code, 2, out);
  assert.match(out, /--expect suffix needs --model-suffix and --error-suffix/, out);
});
