import assert from "node:assert/strict";
import { RegistryError } from "../errors.ts";
import { gzip } from "./gzip.ts";
import { createTar } from "./tar.ts";
import { createImage } from "./image.ts";
import { MediaType } from "./media_types.ts";
import { packagePlugin } from "./package.ts";
import { baseImage } from "../../testing/oci_images.ts";
import { extractPlugin } from "./pull.ts";

const WASM = await Deno.readFile(new URL("../../build/hello-world.wasm", import.meta.url));
const enc = new TextEncoder();

Deno.test("extractPlugin() takes the plugin out of every format and of Istio's single-layer image", async () => {
  const istio = await createImage({ mediaType: MediaType.OciConfig, data: enc.encode("{}") }, [
    { mediaType: MediaType.IstioWasmLayer, data: WASM },
  ]);
  const images = {
    artifact: (await packagePlugin(WASM)).image,
    compat: (await packagePlugin(WASM, { format: "compat" })).image,
    bifrost: (await packagePlugin(WASM, { format: "bifrost", base: await baseImage() })).image,
    istio,
  };
  for (const [kind, image] of Object.entries(images)) {
    const plugin = await extractPlugin(image, kind);
    assert.deepEqual(plugin.wasm, WASM, kind);
    assert.equal(plugin.format, kind === "istio" ? "compat" : kind);
    assert.equal(plugin.name, "hello-world-wasm-typescript");
  }
});

Deno.test("extractPlugin() checks layers against the config's diff_ids", async () => {
  const { image } = await packagePlugin(WASM, { format: "compat" });
  const config = JSON.parse(new TextDecoder().decode(await image.config.read()));
  config.rootfs.diff_ids = [`sha256:${"0".repeat(64)}`];
  const tampered = await createImage(
    { mediaType: MediaType.OciConfig, data: enc.encode(JSON.stringify(config)) },
    image.layers,
  );
  await assert.rejects(extractPlugin(tampered, "img"), (e) => {
    assert.ok(e instanceof RegistryError);
    assert.match(
      e.message,
      /^Digest mismatch for the uncompressed layer "sha256:[0-9a-f]{64}" of "img": the config's diff_id is "sha256:0{64}"/,
    );
    return true;
  });
});

Deno.test("extractPlugin() explains what is missing or wrong", async () => {
  const tar = (path: string, data: Uint8Array) => gzip(createTar([{ path, data }]));
  const image = async (
    layers: { mediaType: string; data: Uint8Array }[],
    config = "{}",
    configType: string = MediaType.OciConfig,
  ) => await createImage({ mediaType: configType, data: enc.encode(config) }, layers);
  const cases: [Awaited<ReturnType<typeof image>>, RegExp][] = [
    [
      await image([{ mediaType: MediaType.OciLayerGzip, data: await tar("other.txt", enc.encode("x")) }]),
      /^No plugin in "img": "\/plugin.wasm" is not in its layers$/,
    ],
    [
      await image([{ mediaType: MediaType.OciLayerGzip, data: await tar("plugin.wasm", enc.encode("nope")) }]),
      /^Not a plugin in "img": "\/plugin.wasm" is not valid WebAssembly$/,
    ],
    [
      await image([], "{}", MediaType.WasmConfig),
      /^Unsupported wasm artifact "img": expected one "application\/wasm" layer, found none$/,
    ],
    [
      await image(
        [{ mediaType: MediaType.WasmLayer, data: WASM }, { mediaType: MediaType.WasmLayer, data: WASM }],
        "{}",
        MediaType.WasmConfig,
      ),
      /found "application\/wasm", "application\/wasm"$/,
    ],
  ];
  for (const [img, message] of cases) {
    await assert.rejects(extractPlugin(img, "img"), (e) => {
      assert.ok(e instanceof RegistryError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("extractPlugin() honours a whiteout that deletes the plugin in a later layer", async () => {
  const { image } = await packagePlugin(WASM, { format: "compat" });
  const whiteout = createTar([{ path: ".wh.plugin.wasm", data: new Uint8Array() }]);
  const layers = [...image.layers, { mediaType: MediaType.OciLayer, data: whiteout }];
  const deleted = await createImage({ mediaType: MediaType.OciConfig, data: enc.encode("{}") }, layers);
  await assert.rejects(extractPlugin(deleted, "img"), /^RegistryError: No plugin in "img"/);
});

Deno.test("extractPlugin() drops a name that is not safe as a file name", async () => {
  const { image } = await packagePlugin(WASM);
  const hostile = await createImage(image.config, image.layers, {
    annotations: { ...image.manifest.annotations, "dev.bifrost-as.plugin.name": "../../etc/cron.d/x" },
  });
  const plugin = await extractPlugin(hostile, "img");
  assert.equal(plugin.name, undefined);
  assert.deepEqual(plugin.wasm, WASM);
});
