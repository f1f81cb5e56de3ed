import assert from "node:assert/strict";
import { startGateway } from "./gateway.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { abiModule } from "../../testing/wasm_builder.ts";

/** A plugin whose pre hook answers every request with a response naming `model`. */
function answering(model: string): Uint8Array {
  const response = { chat_response: { id: "x", model, choices: [], object: "chat.completion" } };
  return abiModule({
    name: "answering",
    outputs: {
      pre_hook: JSON.stringify({ context: {}, has_short_circuit: true, short_circuit: { response }, error: "" }),
    },
  });
}

Deno.test("The gateway reloads a plugin every time a build replaces its .wasm by a rename", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/plugin.wasm`;
    await Deno.writeFile(path, answering("v1"));
    const reloads: ((line: string) => void)[] = [];
    const reloaded = () => new Promise<string>((resolve) => reloads.push(resolve));
    await using upstream = await startMockUpstream({ port: 0 });
    await using gateway = await startGateway({
      plugins: [{ name: "p", path }],
      upstreamUrl: upstream.url,
      port: 0,
      watch: true,
      onLog: (line) => line.startsWith("reloaded plugin") && reloads.shift()?.(line),
    });
    const model = async () => {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "openai/gpt-4o", messages: [] }),
      });
      return (await res.json()).model;
    };
    assert.equal(await model(), "v1");
    for (const version of ["v2", "v3", "v4"]) {
      const done = reloaded();
      await writeFileAtomic(path, answering(version));
      assert.match(await done, /^reloaded plugin "p" from /);
      assert.equal(await model(), version);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
