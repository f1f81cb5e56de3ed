import assert from "node:assert/strict";
import { EXPORT_SIGNATURES } from "../abi/abi.ts";
import { abiModule, loopForever, op } from "../../testing/wasm_builder.ts";
import { PluginTimeoutError } from "../errors.ts";
import { engineBinaryName, engineCacheDir, EngineNotFoundError, enginePackage, findEngine } from "./engine.ts";
import { PluginHost } from "./host.ts";
import { TEST_ENGINES } from "../../testing/engines.ts";

Deno.test("enginePackage() names the npm package of each platform as Node does", () => {
  assert.equal(enginePackage("linux", "x86_64"), "@bifrost-as/engine-linux-x64");
  assert.equal(enginePackage("linux", "aarch64"), "@bifrost-as/engine-linux-arm64");
  assert.equal(enginePackage("darwin", "aarch64"), "@bifrost-as/engine-darwin-arm64");
  assert.equal(enginePackage("windows", "x86_64"), "@bifrost-as/engine-win32-x64");
  assert.equal(engineBinaryName("windows"), "bifrost-as-engine.exe");
  assert.equal(engineBinaryName("linux"), "bifrost-as-engine");
});

Deno.test("engineCacheDir() uses the user's cache directory unless the engine is told one", () => {
  assert.equal(engineCacheDir((n) => ({ HOME: "/home/a" })[n]), "/home/a/.cache/bifrost-as/wazero");
  assert.equal(engineCacheDir((n) => ({ XDG_CACHE_HOME: "/c", HOME: "/h" })[n]), "/c/bifrost-as/wazero");
  assert.equal(engineCacheDir((n) => ({ BIFROST_AS_ENGINE_CACHE: "/x", HOME: "/h" })[n]), undefined);
  assert.equal(engineCacheDir(() => undefined), undefined);
});

Deno.test("findEngine(): BIFROST_AS_ENGINE first, then the platform package in any node_modules up the tree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine-find-" });
  try {
    const root = `${dir}/project/node_modules/bifrost-as`;
    await Deno.mkdir(root, { recursive: true });
    const env = (vars: Record<string, string>) => (name: string) => vars[name];
    const noBuild = { build: false, root };

    await assert.rejects(
      findEngine({ ...noBuild, env: env({}) }),
      (e: Error) =>
        e instanceof EngineNotFoundError &&
        e.message.includes(`optional dependency ${enginePackage()}`) && e.message.includes("BIFROST_AS_ENGINE"),
    );
    await assert.rejects(
      findEngine({ ...noBuild, env: env({ BIFROST_AS_ENGINE: `${dir}/none` }) }),
      { message: `BIFROST_AS_ENGINE names "${dir}/none", which is not a file` },
    );

    // Hoisted beside bifrost-as, as npm installs an optional dependency.
    const bin = `${dir}/project/node_modules/${enginePackage()}/bin`;
    await Deno.mkdir(bin, { recursive: true });
    await Deno.writeTextFile(`${bin}/${engineBinaryName()}`, "");
    assert.equal(await findEngine({ ...noBuild, env: env({}) }), `${bin}/${engineBinaryName()}`);
    await Deno.writeTextFile(`${dir}/mine`, "");
    assert.equal(await findEngine({ ...noBuild, env: env({ BIFROST_AS_ENGINE: `${dir}/mine` }) }), `${dir}/mine`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const SPIN_BODY = [...loopForever, op.unreachable];

for (const engine of TEST_ENGINES) {
  Deno.test(`PluginHost (${engine}): the deadline covers loading: an init or a _start that spins fails the load`, async () => {
    const cases: [string, Uint8Array][] = [
      ["init", abiModule({ funcs: { init: { ...EXPORT_SIGNATURES.init!, body: SPIN_BODY } } })],
      ["_start", abiModule({ funcs: { _start: { params: [], results: [], body: SPIN_BODY } } })],
    ];
    for (const [hook, bytes] of cases) {
      const started = performance.now();
      await assert.rejects(PluginHost.load(bytes, { engine, timeoutMs: 400 }), (e: Error) => {
        assert.ok(e instanceof PluginTimeoutError, `${hook}: ${e.name}: ${e.message}`);
        // V8's process is stopped from outside, which knows only that loading (init, as the last step) ran over.
        const named = engine === "v8" ? "init" : hook;
        assert.equal(e.hook, named);
        assert.match(e.message, new RegExp(`${named} ran past its 400 ms budget`));
        return true;
      });
      assert.ok(performance.now() - started < 3000, `${hook}: the load took ${performance.now() - started} ms`);
    }
  });
}
