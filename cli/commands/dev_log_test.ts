import assert from "node:assert/strict";
import { testPlugin } from "../../testing/plugins.ts";
import { spawnCli } from "../../testing/cli.ts";

/** Runs `dev` with `args`, sends a chat for each model, stops it and returns its stderr. */
async function devLog(args: string[], models: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "dev-log-" });
  try {
    const dev = spawnCli(["dev", "--plugin", await testPlugin("hello-world"), "--port", "0", ...args], { cwd: dir });
    const sent = (async () => {
      const url = await dev.readLine(60_000);
      for (const model of models) {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ model: `openai/${model}`, messages: [{ role: "user", content: "hi" }] }),
        });
        await res.body?.cancel();
      }
    })();
    await sent.catch(() => {});
    const { stderr } = await dev.stop("SIGTERM");
    await sent;
    return stderr;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("dev logs one line per request (method, path, status, latency, hooks, short-circuit); --quiet silences it", async () => {
  const log = await devLog([], ["gpt-4o", "rate-limited-model"]);
  const lines = log.split("\n").filter((l) => l.includes("POST /v1/chat/completions"));
  assert.equal(lines.length, 2, log);
  assert.match(
    lines[0]!,
    /^POST \/v1\/chat\/completions 200 [\d.]+ ms · hooks: hello-world \(http_pre_hook, pre_hook, post_hook, http_post_hook\)$/,
  );
  assert.match(
    lines[1]!,
    /^POST \/v1\/chat\/completions 429 [\d.]+ ms · hooks: .* · short-circuit: hello-world pre_hook: error 429$/,
  );
  const quiet = await devLog(["--quiet"], ["gpt-4o"]);
  assert.doesNotMatch(quiet, /POST \/v1\/chat\/completions/, quiet);
});
