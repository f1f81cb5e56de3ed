import assert from "node:assert/strict";
import { BuildError } from "../errors.ts";
import { buildPlugin } from "./build.ts";

Deno.test("buildPlugin() names the config asconfig.json extends when it is missing, and how to get it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/assembly`);
    await Deno.writeTextFile(`${dir}/assembly/p.ts`, "export function f(): i32 { return 1; }\n");
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./node_modules/bifrost-as/asconfig.sdk.json"}');
    await assert.rejects(
      buildPlugin({ cwd: dir, entry: "assembly/p.ts", out: "build/p.wasm" }),
      (e) =>
        e instanceof BuildError &&
        e.message === `Cannot build "assembly/p.ts": asconfig.json extends ` +
            `"node_modules/bifrost-as/asconfig.sdk.json", which does not exist: run 'npm install' (it puts bifrost-as there)`,
    );
    // Further down the chain, without the npm hint.
    await Deno.writeTextFile(`${dir}/base.json`, '{"extends": "./gone/more.json"}');
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./base.json"}');
    await assert.rejects(
      buildPlugin({ cwd: dir, entry: "assembly/p.ts", out: "build/p.wasm" }),
      /: asconfig\.json extends "gone\/more\.json", which does not exist$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
