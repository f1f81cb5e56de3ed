import assert from "node:assert/strict";
import { testPlugin } from "../../testing/plugins.ts";
import { runCli, spawnCli } from "../../testing/cli.ts";

Deno.test("dev --record saves real traffic as fixtures that 'test' then passes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "record-" });
  try {
    const wasm = await testPlugin("hello-world");
    const dev = spawnCli(["dev", "--plugin", wasm, "--port", "0", "--record", "recorded"], { cwd: dir });
    try {
      const url = await dev.readLine(60_000);
      for (const model of ["gpt-4o", "mock-model", "rate-limited-model"]) {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { Authorization: "Bearer sk-live-abcdefghijkl" },
          body: JSON.stringify({ model: `openai/${model}`, messages: [{ role: "user", content: "hi" }] }),
        });
        await res.body?.cancel();
      }
    } finally {
      const stopped = await dev.stop("SIGTERM");
      assert.match(stopped.stderr, /^Recording every hook call as a fixture in recorded \(secrets redacted\)$/m);
      assert.match(stopped.stderr, /^Recorded 12 fixtures in recorded$/m);
    }
    const pre = JSON.parse(await Deno.readTextFile(`${dir}/recorded/pre_hook/0003-rate-limited-model.json`));
    assert.equal(pre.expect.short_circuit.error.status_code, 429);
    const http = await Deno.readTextFile(`${dir}/recorded/http_pre_hook/0001-post-v1-chat-completions.json`);
    assert.match(http, /"authorization": "\[REDACTED\]"/);
    assert.doesNotMatch(http, /sk-live/);

    const replay = await runCli(["test", "--plugin", wasm, "--fixtures", "recorded"], { cwd: dir });
    assert.equal(replay.code, 0, replay.stdout);
    assert.match(replay.stdout, /^12 fixtures, each under 4 free policies .*: 12 passed, 0 failed$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
