import assert from "node:assert/strict";
import { EXPORT_SIGNATURES } from "../../lib/abi/abi.ts";
import { abiModule, loopForever, op } from "../../testing/wasm_builder.ts";
import { TEST_ENGINES } from "../../testing/engines.ts";
import { spawnCli } from "../../testing/cli.ts";

const SPIN = abiModule({
  funcs: { pre_hook: { ...EXPORT_SIGNATURES.pre_hook!, body: [...loopForever, op.unreachable] } },
});
const CHAT = JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }] });

async function withSpinPlugin(f: (wasm: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "dev-deadline-" });
  try {
    await Deno.writeFile(`${dir}/spin.wasm`, SPIN);
    await f(`${dir}/spin.wasm`, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const engine of TEST_ENGINES) {
  Deno.test(`dev --engine ${engine}: a pre_hook that spins fails its request at the deadline, /health answers meanwhile`, async () => {
    await withSpinPlugin(async (wasm, dir) => {
      const dev = spawnCli(["dev", "--plugin", wasm, "--port", "0", "--engine", engine, "--hook-timeout", "1500"], {
        cwd: dir,
      });
      try {
        const url = await dev.readLine(60_000);
        for (let round = 0; round < 2; round++) { // the second round runs in the re-instantiated plugin
          const started = performance.now();
          const spinning = fetch(`${url}/v1/chat/completions`, { method: "POST", body: CHAT });
          await new Promise((r) => setTimeout(r, 300));
          const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
          assert.equal(health.status, 200);
          assert.deepEqual(await health.json(), { status: "ok" });
          assert.ok(performance.now() - started < 1500, "/health answered only after the deadline");
          const res = await spinning;
          const elapsed = performance.now() - started;
          assert.equal(res.status, 500);
          const body = await res.json();
          assert.equal(body.status_code, 500); // Bifrost's error shape: status_code, error.{message,type}
          assert.equal(body.error.type, "plugin_error");
          assert.equal(
            body.error.message,
            'Plugin "test-plugin" failed in pre_hook: Plugin "test-plugin" pre_hook ran past its 1500 ms budget ' +
              "(the host stopped it)",
          );
          assert.ok(elapsed >= 1400 && elapsed < 4000, `answered after ${elapsed} ms`);
        }
      } finally {
        const stopped = await dev.stop("SIGTERM");
        assert.match(stopped.stderr, /failed in pre_hook: .* ran past its 1500 ms budget/);
        // V8's process is killed and replaced by the host, which says so; wazero replaces its instance itself.
        if (engine === "v8") {
          assert.match(stopped.stderr, /re-instantiated plugin "test-plugin" after: .*1500 ms budget/);
        }
      }
    });
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.test(`dev --engine ${engine}: ${signal} stops it at once while a hook spins`, async () => {
      await withSpinPlugin(async (wasm, dir) => {
        const dev = spawnCli(["dev", "--plugin", wasm, "--port", "0", "--engine", engine, "--hook-timeout", "60000"], {
          cwd: dir,
        });
        const url = await dev.readLine(60_000);
        const spinning = fetch(`${url}/v1/chat/completions`, { method: "POST", body: CHAT }).then(
          (r) => r.body?.cancel(),
          () => {},
        );
        await new Promise((r) => setTimeout(r, 500));
        const started = performance.now();
        const stopped = await dev.stop(signal);
        const elapsed = performance.now() - started;
        await spinning;
        assert.equal(stopped.code, 0, stopped.stderr);
        assert.match(stopped.stderr, /^Gateway stopped$/m);
        assert.ok(elapsed < 5000, `stopped after ${elapsed} ms`);
      });
    });
  }
}
