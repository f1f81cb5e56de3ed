import assert from "node:assert/strict";
import { packagePlugin } from "../../lib/oci/package.ts";
import { RegistryClient } from "../../lib/oci/registry.ts";
import { startProxy } from "../../testing/registry_proxy.ts";
import { hasRegistry, NO_REGISTRY, startRegistry } from "../../testing/registry.ts";
import { runCli } from "../../testing/cli.ts";

const WASM = await Deno.readFile(new URL("../../build/hello-world.wasm", import.meta.url));
const NAME = "hello-world-wasm-typescript";
const ignore = !hasRegistry;
const suffix = ignore ? ` (ignored: ${NO_REGISTRY})` : "";

Deno.test({ name: `cli pull writes the verified .wasm of every format${suffix}`, ignore }, async () => {
  await using reg = await startRegistry();
  const dir = await Deno.makeTempDir();
  try {
    const client = new RegistryClient(reg.host);
    const pushed: Record<string, string> = {};
    for (const format of ["artifact", "compat"] as const) {
      pushed[format] =
        (await client.pushImage(`plugins/${format}`, "1", (await packagePlugin(WASM, { format })).image)).digest;
    }
    const env = { DOCKER_CONFIG: dir, BIFROST_AS_REGISTRY_USER: "" };
    const [json, text] = await Promise.all([
      runCli(["pull", `${reg.host}/plugins/artifact:1`, "--out", `${dir}/out/a.wasm`, "--json"], { env }),
      runCli(["pull", `${reg.host}/plugins/compat@${pushed.compat}`], { env, cwd: dir }),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout);
    assert.equal(result.digest, pushed.artifact);
    assert.equal(result.reference, `${reg.host}/plugins/artifact@${pushed.artifact}`);
    assert.equal(result.format, "artifact");
    assert.deepEqual(result.entry, { enabled: true, name: NAME, path: `${dir}/out/a.wasm`, config: {} });
    assert.deepEqual(await Deno.readFile(`${dir}/out/a.wasm`), WASM);

    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(
        `^Pulled ${reg.host}/plugins/compat@${pushed.compat} \\(compat\\) to ${NAME}\\.wasm: ${WASM.length} bytes, sha256:`,
        "m",
      ),
    );
    assert.match(text.stderr, /downloaded/);
    assert.deepEqual(await Deno.readFile(`${dir}/${NAME}.wasm`), WASM);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `cli pull refuses a corrupted blob or an unknown ref with exit 1 and writes nothing${suffix}`,
  ignore,
}, async () => {
  await using reg = await startRegistry();
  await using proxy = await startProxy(
    reg.host,
    (r) => r.method === "GET" && r.path.includes("/blobs/") ? "corrupt" : "forward",
  );
  const dir = await Deno.makeTempDir();
  try {
    await new RegistryClient(reg.host).pushImage("plugins/hello", "1", (await packagePlugin(WASM)).image);
    const missing = `sha256:${"0".repeat(64)}`;
    const env = { DOCKER_CONFIG: dir, BIFROST_AS_REGISTRY_USER: "" };
    const [corrupt, unknownTag, unknownDigest] = await Promise.all([
      runCli(["pull", `${proxy.host}/plugins/hello:1`, "--out", `${dir}/x.wasm`], { env }),
      runCli(["pull", `${reg.host}/plugins/hello:nope`, "--out", `${dir}/x.wasm`], { env }),
      runCli(["pull", `${reg.host}/plugins/hello@${missing}`, "--out", `${dir}/x.wasm`], { env }),
    ]);
    assert.equal(corrupt.code, 1);
    assert.match(
      corrupt.stderr,
      /^error: Digest mismatch for blob "sha256:[0-9a-f]{64}" from "127\.0\.0\.1:\d+\/plugins\/hello": expected "sha256:[0-9a-f]{64}", the content is "sha256:[0-9a-f]{64}"$/m,
    );
    assert.equal(unknownTag.code, 1);
    assert.equal(unknownTag.stderr, `error: Manifest "nope" not found in "${reg.host}/plugins/hello"\n`);
    assert.equal(unknownDigest.code, 1);
    assert.equal(unknownDigest.stderr, `error: Manifest "${missing}" not found in "${reg.host}/plugins/hello"\n`);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
