import assert from "node:assert/strict";
import { testPlugin } from "../../testing/plugins.ts";
import { runCli, spawnCli } from "../../testing/cli.ts";

Deno.test("dev on a busy port says so in one line and exits 1 at once, nothing left running", async () => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String((busy.addr as Deno.NetAddr).port);
  const wasm = await testPlugin("hello-world");
  const started = performance.now();
  // Before the fix the process stayed alive (its file watcher was open): bounded here by the kill below.
  const dev = spawnCli(["dev", "--plugin", wasm, "--port", port]);
  const timer = setTimeout(() => dev.stop("SIGKILL"), 20_000);
  try {
    // SIGCONT does nothing to a running process: this only waits for the exit.
    const { stderr, code } = await dev.stop("SIGCONT");
    const elapsed = performance.now() - started;
    assert.equal(code, 1, stderr);
    assert.equal(stderr.trim(), `error: Cannot listen on 127.0.0.1:${port}: address already in use (use --port)`);
    // Deno's start-up and the compile of the CLI take most of it; the gateway itself fails before loading a plugin.
    assert.ok(elapsed < 15_000, `exited after ${Math.round(elapsed)} ms`);
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("dev on an address it cannot bind exits 1 with the reason", async () => {
  const wasm = await testPlugin("hello-world");
  // TEST-NET-1 is never a local address.
  const { stderr, code } = await runCli(["dev", "--plugin", wasm, "--host", "192.0.2.1", "--port", "0"]);
  assert.equal(code, 1, stderr);
  assert.equal(stderr.trim(), "error: Cannot listen on 192.0.2.1:0: cannot assign requested address");
});

Deno.test("dev --port -1 is an invalid port, not an ambiguous argument", async () => {
  const { stderr, code } = await runCli(["dev", "--plugin", "x.wasm", "--port", "-1"]);
  assert.equal(code, 2);
  assert.equal(stderr.trim(), 'error: Invalid --port "-1": expected a whole number from 0 to 65535');
});

Deno.test("dev --plugin runs in a folder it cannot write, and writes nothing to the working folder", async () => {
  const wasm = await testPlugin("hello-world");
  // Not even root can create a folder in /proc.
  for (const cwd of ["/proc", await Deno.makeTempDir({ prefix: "dev-cwd-" })]) {
    const dev = spawnCli(["dev", "--plugin", wasm, "--port", "0", "--no-watch"], { cwd });
    try {
      const url = await dev.readLine(60_000);
      assert.equal((await fetch(`${url}/health`).then((r) => r.json())).status, "ok");
    } finally {
      const { code, stderr } = await dev.stop();
      assert.equal(code, 0, stderr);
    }
    if (cwd !== "/proc") {
      assert.deepEqual([...Deno.readDirSync(cwd)], []);
      await Deno.remove(cwd);
    }
  }
});
