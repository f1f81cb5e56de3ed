import assert from "node:assert/strict";
import { EXPORT_SIGNATURES } from "../abi/abi.ts";
import { abiModule, loopForever, op } from "../../testing/wasm_builder.ts";
import { TEST_ENGINES } from "../../testing/engines.ts";
import { LoadedPlugin } from "./_gateway_plugins.ts";

const SPIN_BODY = [...loopForever, op.unreachable];

for (const engine of TEST_ENGINES) {
  Deno.test(`gateway plugin (${engine}): a hot reload whose init spins keeps the previous build`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "engine-reload-" });
    try {
      const path = `${dir}/p.wasm`;
      await Deno.writeFile(path, abiModule({ name: "first" }));
      const logs: string[] = [];
      const plugin = await LoadedPlugin.load({ name: "p", path }, { engine, timeoutMs: 400 });
      try {
        await Deno.writeFile(path, abiModule({ funcs: { init: { ...EXPORT_SIGNATURES.init!, body: SPIN_BODY } } }));
        assert.equal(await plugin.reload((l) => logs.push(l)), false);
        assert.match(logs.join("\n"), /reload of plugin "p" failed, keeping the previous build: .*init ran past its/);
        assert.equal(plugin.name, "first");
        assert.equal((await plugin.call("pre_hook", { context: {}, request: {} })).returnedZero, false);
      } finally {
        await plugin.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
