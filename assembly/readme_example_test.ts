// The plugin shown at the top of the README compiles and does what it says.
import assert from "node:assert/strict";
import { buildPlugin } from "../lib/project/build.ts";
import { initProject } from "../lib/project/init.ts";
import { PluginHost } from "../lib/host/host.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("the README's example plugin builds, validates and rejects gpt-3 models", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const source = readme.match(/```ts ignore\n(\/\/ assembly\/my_plugin\.ts\n[\s\S]*?)```/)?.[1];
  assert.ok(source, "the README's first AssemblyScript block is missing");
  // In a plugin project, where bifrost-as is node_modules/bifrost-as (here linked to this checkout).
  const dir = `${await Deno.makeTempDir({ prefix: "readme-example-" })}/my-plugin`;
  const { entry, out } = await initProject({ dir, sdk: ROOT });
  await Deno.writeTextFile(`${dir}/${entry}`, source);
  try {
    await buildPlugin({ entry, out, cwd: dir });
    const host = await PluginHost.load(`${dir}/${out}`);
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
    await Deno.remove(dir.replace(/\/my-plugin$/, ""), { recursive: true });
  }
});
