/**
 * `pull` against a hostile registry (a fake one on 127.0.0.1): every read
 * stops at the size its descriptor or cap allows, decompression at a bound
 * from the plugin size limit, with the process's peak memory bounded.
 */
import assert from "node:assert/strict";
import { createImage } from "../../lib/oci/image.ts";
import { MediaType } from "../../lib/oci/media_types.ts";
import { packagePlugin } from "../../lib/oci/package.ts";
import { startFakeRegistry, streamedBody } from "../../testing/fake_registry.ts";
import { MAX_PLUGIN_BYTES } from "../../lib/wasm/validate.ts";
import { runCli, runCliPeak, spawnCli } from "../../testing/cli.ts";
import { abiModule, loopForever, op } from "../../testing/wasm_builder.ts";

const MiB = 1 << 20;
/** The CLI's own peak on this path is ~100 MiB; what these registries send would take 300 MiB to gigabytes. */
const PEAK_BOUND = 250 * MiB;
/** A layer holding a plugin inflates to at most twice the plugin size limit. */
const MAX_PLUGIN_LAYER_BYTES = 2 * MAX_PLUGIN_BYTES;
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function withEnv<T>(f: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "pull-hostile-" });
  try {
    return await f({ DOCKER_CONFIG: dir, BIFROST_AS_REGISTRY_USER: "" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("pull stops reading a manifest without Content-Length at the 4 MiB cap", async () => {
  await using reg = startFakeRegistry();
  const path = "/v2/evil/manifests/1";
  // 300 MiB of spaces, valid JSON whitespace, no Content-Length (a stream).
  reg.script(path, () => new Response(streamedBody(300 * MiB, () => {}, new Uint8Array(1 << 16).fill(32))));
  const { code, stderr, peakRssBytes } = await withEnv((env) =>
    runCliPeak(["pull", `${reg.host}/evil:1`, "--out", "/dev/null"], { env })
  );
  assert.equal(code, 1, stderr);
  assert.equal(
    stderr.trim().split("\n").at(-1),
    `error: Cannot fetch manifest "1" from "${reg.host}/evil": larger than ${4 * MiB} bytes`,
  );
  assert.ok(reg.sent(path) < 16 * MiB, `the registry sent ${reg.sent(path)} bytes`);
  assert.ok(peakRssBytes < PEAK_BOUND, `peak RSS ${peakRssBytes}`);
});

Deno.test("pull stops reading a blob at its descriptor's size, however long the registry's stream", async () => {
  await using reg = startFakeRegistry();
  const declared = new Uint8Array(326).fill(7);
  const image = await createImage(
    { mediaType: MediaType.WasmConfig, data: enc({}) },
    [{ mediaType: MediaType.WasmLayer, data: declared }],
  );
  reg.serve("evil", "1", image);
  const digest = image.manifest.layers[0]!.digest;
  const path = `/v2/evil/blobs/${digest}`;
  reg.script(path, () => new Response(streamedBody(500 * MiB, () => {})));
  const { code, stderr, peakRssBytes } = await withEnv((env) =>
    runCliPeak(["pull", `${reg.host}/evil:1`, "--out", "/dev/null"], { env })
  );
  assert.equal(code, 1, stderr);
  assert.equal(
    stderr.trim().split("\n").at(-1),
    `error: Size mismatch for blob "${digest}" from "${reg.host}/evil": expected 326 bytes, the registry sends more`,
  );
  assert.ok(reg.sent(path) < 16 * MiB, `the registry sent ${reg.sent(path)} bytes`);
  assert.ok(peakRssBytes < PEAK_BOUND, `peak RSS ${peakRssBytes}`);
});

Deno.test("pull stops inflating a gzip layer at the bound derived from the plugin size limit", async () => {
  await using reg = startFakeRegistry();
  // 768 MiB of zeros gzip to under 1 MiB: a small layer, a large inflation.
  const zeros = streamedBody(768 * MiB, () => {}, new Uint8Array(MiB));
  const bomb = new Uint8Array(await new Response(zeros.pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
  assert.ok(bomb.length < 2 * MiB);
  const image = await createImage(
    { mediaType: MediaType.OciConfig, data: enc({ architecture: "amd64", os: "linux", config: {} }) },
    [{ mediaType: MediaType.OciLayerGzip, data: bomb }],
  );
  reg.serve("evil", "1", image);
  const { code, stderr, peakRssBytes } = await withEnv((env) =>
    runCliPeak(["pull", `${reg.host}/evil:1`, "--out", "/dev/null"], { env })
  );
  assert.equal(code, 1, stderr);
  assert.equal(
    stderr.trim().split("\n").at(-1),
    `error: Cannot decompress layer "${image.manifest.layers[0]!.digest}" of "${reg.host}/evil:1": ` +
      `it inflates to more than ${MAX_PLUGIN_LAYER_BYTES} bytes`,
  );
  assert.ok(peakRssBytes < PEAK_BOUND + MAX_PLUGIN_LAYER_BYTES, `peak RSS ${peakRssBytes}`);
});

Deno.test("pull --out a folder (., ./, .., an existing one) writes <plugin name>.wasm into it", async () => {
  await using reg = startFakeRegistry();
  const wasm = await Deno.readFile(new URL("../../build/hello-world.wasm", import.meta.url));
  reg.serve("plugins/hello", "1", (await packagePlugin(wasm)).image);
  await withEnv(async (env) => {
    const root = env.DOCKER_CONFIG!;
    const cwd = `${root}/work`;
    await Deno.mkdir(`${cwd}/into`, { recursive: true });
    const file = "hello-world-wasm-typescript.wasm";
    for (const [out, where] of [[".", cwd], ["./", cwd], ["..", root], ["into", `${cwd}/into`]] as const) {
      const { code, stderr } = await runCli(["pull", `${reg.host}/plugins/hello:1`, "--out", out], { env, cwd });
      assert.equal(code, 0, `--out ${out}: ${stderr}`);
      assert.deepEqual(await Deno.readFile(`${where}/${file}`), wasm, `--out ${out}`);
      await Deno.remove(`${where}/${file}`);
    }
  });
});

Deno.test("pull of a plugin whose get_name never ends stops it at the deadline and names the file after the repository", async () => {
  await using reg = startFakeRegistry();
  const spins = abiModule({
    funcs: { get_name: { params: [], results: ["i64"], body: [...loopForever, op.unreachable] } },
  });
  // No name annotation: pull has to ask the module.
  const image = await createImage(
    { mediaType: MediaType.WasmConfig, data: enc({}) },
    [{ mediaType: MediaType.WasmLayer, data: spins }],
  );
  reg.serve("plugins/spins", "1", image);
  await withEnv(async (env) => {
    const started = performance.now();
    // Before, this never returned: bounded by a kill after 60 s.
    const pull = spawnCli(["pull", `${reg.host}/plugins/spins:1`, "--json"], { env, cwd: env.DOCKER_CONFIG! });
    const timer = setTimeout(() => pull.stop("SIGKILL"), 60_000);
    try {
      // SIGCONT does nothing to a running process: this only waits for the exit.
      const { code, stdout, stderr } = await pull.stop("SIGCONT");
      assert.equal(code, 0, stderr);
      assert.equal(JSON.parse(stdout).out, "spins.wasm");
      assert.deepEqual(await Deno.readFile(`${env.DOCKER_CONFIG}/spins.wasm`), spins);
      assert.ok(performance.now() - started < 30_000, `took ${Math.round(performance.now() - started)} ms`);
    } finally {
      clearTimeout(timer);
    }
  });
});
