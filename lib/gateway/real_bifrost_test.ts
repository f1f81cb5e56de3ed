import assert from "node:assert/strict";
import { writeBifrostConfig } from "../config/bifrost_config.ts";
import { ConfigError } from "../errors.ts";
import { olderThan, readBuildInfo, startRealBifrost } from "./real_bifrost.ts";

Deno.test("olderThan() compares a version's major and minor", () => {
  assert.equal(olderThan("v1.4.19", 1, 5), true);
  assert.equal(olderThan("v1.5.0", 1, 5), false);
  assert.equal(olderThan("1.6.2", 1, 5), false);
  assert.equal(olderThan("v0.9.9", 1, 5), true);
  assert.equal(olderThan("dev", 1, 5), false);
});

Deno.test("readBuildInfo() says how to build when nothing is built, and which file is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readBuildInfo(dir), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /No real Bifrost is built in .*: run 'deno task bifrost:build'/);
      return true;
    });
    await Deno.writeTextFile(
      `${dir}/build.json`,
      JSON.stringify({
        version: "v1",
        source: "checkout",
        core: "v1",
        server: `${dir}/bifrost-http`,
        loaders: [],
        go: "go",
      }),
    );
    await assert.rejects(readBuildInfo(dir), /bifrost-http is missing: run 'deno task bifrost:build' again/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startRealBifrost() refuses more WASM plugins than loader slots, before starting anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const f of ["bifrost-http", "bifrost-wasm-1.so"]) await Deno.writeTextFile(`${dir}/${f}`, "");
    await Deno.writeTextFile(
      `${dir}/build.json`,
      JSON.stringify({
        version: "v1.4.19",
        source: "checkout",
        core: "v1.4.16",
        server: `${dir}/bifrost-http`,
        loaders: [`${dir}/bifrost-wasm-1.so`],
        go: "go1.26.8",
      }),
    );
    const written = await writeBifrostConfig(`${dir}/app`, {
      upstreamUrl: "http://127.0.0.1:1",
      plugins: [{ name: "a", path: `${dir}/a.wasm` }, { name: "b", path: `${dir}/b.wasm` }],
    });
    await assert.rejects(startRealBifrost({ configPath: written.configPath, buildDir: dir }), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /2 WASM plugins need 2 loader slots, .* has 1: run 'deno task bifrost:build --slots 2'/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startRealBifrost() removes the app dir it made when the server fails to start", async () => {
  const dir = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir();
  const before = Deno.env.get("TMPDIR");
  try {
    // A "server" that exits at once.
    await Deno.writeTextFile(`${dir}/bifrost-http`, "#!/bin/sh\necho gone >&2\nexit 3\n");
    await Deno.chmod(`${dir}/bifrost-http`, 0o755);
    await Deno.writeTextFile(`${dir}/bifrost-wasm-1.so`, "");
    await Deno.writeTextFile(
      `${dir}/build.json`,
      JSON.stringify({
        version: "v1.6.2",
        source: "modules",
        core: "v1.6.2",
        server: `${dir}/bifrost-http`,
        loaders: [`${dir}/bifrost-wasm-1.so`],
        go: "go1.26.8",
      }),
    );
    const written = await writeBifrostConfig(`${dir}/app`, {
      upstreamUrl: "http://127.0.0.1:1",
      plugins: [{ name: "a", path: `${dir}/a.wasm` }],
    });
    Deno.env.set("TMPDIR", tmp);
    await assert.rejects(
      startRealBifrost({ configPath: written.configPath, buildDir: dir, upstreamUrl: "http://127.0.0.1:1" }),
      /Bifrost exited while starting .*gone/s,
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(tmp)), []);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "app",
      "bifrost-http",
      "bifrost-wasm-1.so",
      "build.json",
    ]);
  } finally {
    if (before === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", before);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});
