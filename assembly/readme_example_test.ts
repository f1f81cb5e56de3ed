// The plugin shown at the top of the README compiles and does what it says.
import assert from "node:assert/strict";
import { buildPlugin } from "../lib/project/build.ts";
import { PluginHost } from "../lib/host/host.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("the README's example plugin builds, validates and rejects gpt-3 models", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const source = readme.match(/```ts ignore\n(\/\/ assembly\/my_plugin\.ts\n[\s\S]*?)```/)?.[1];
  assert.ok(source, "the README's first AssemblyScript block is missing");
  // Beside the SDK, as the example's relative imports expect; removed afterwards.
  const entry = `assembly/_readme_example_${Deno.pid}.ts`;
  const out = await Deno.makeTempFile({ suffix: ".wasm" });
  await Deno.writeTextFile(`${ROOT}/${entry}`, source);
  try {
    await buildPlugin({ entry, out, cwd: ROOT });
    const host = await PluginHost.load(out);
    try {
      assert.equal(host.name, "no-gpt-3");
      const request = (model: string) => ({
        context: { request_id: "r1" },
        request: { provider: "openai", model, input: [{ role: "user", content: "hi" }] },
      });
      const rejected = (await host.preHook(request("gpt-3.5-turbo"))).output;
      assert.equal(rejected.has_short_circuit, true);
      assert.equal(rejected.short_circuit?.error?.status_code, 400);
      assert.equal(rejected.short_circuit?.error?.error.message, "gpt-3 is retired here");
      const passed = (await host.preHook(request("gpt-4o"))).output;
      assert.equal(passed.has_short_circuit, false);
      assert.equal(passed.context.checked_by_no_gpt_3, true);
    } finally {
      host.close();
    }
  } finally {
    await Deno.remove(`${ROOT}/${entry}`).catch(() => {});
    await Deno.remove(out).catch(() => {});
  }
});
