import assert from "node:assert/strict";
import { validateBifrostConfig } from "../config/bifrost_config.ts";
import { InputError } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { gunzip } from "./gzip.ts";
import { readTar } from "./tar.ts";
import type { Image } from "./image.ts";
import { baseImage } from "../../testing/oci_images.ts";
import { which } from "../../testing/registry.ts";
import { writeLayout } from "./layout.ts";
import { Annotation, MediaType } from "./media_types.ts";
import { packagePlugin } from "./package.ts";
import { extractPlugin } from "./pull.ts";

const WASM = await Deno.readFile(new URL("../../build/hello-world.wasm", import.meta.url));
const NAME = "hello-world-wasm-typescript";
const CREATED = new Date("2026-01-02T03:04:05Z");
const enc = new TextEncoder();
const json = async (image: Image) => JSON.parse(new TextDecoder().decode(await image.config.read()));
const files = async (layer: Uint8Array) =>
  new Map([...readTar(await gunzip(layer, "t", 1 << 30), "t")].map((e) => [e.path, e]));

Deno.test("packagePlugin() artifact: wasm config, one application/wasm layer, the standard annotations", async () => {
  const pkg = await packagePlugin(WASM, {
    version: "1.2.3",
    source: "https://github.com/acme/plugin",
    revision: "abc123",
    created: CREATED,
  });
  const { manifest } = pkg.image;
  assert.equal(manifest.mediaType, MediaType.OciManifest);
  assert.equal(manifest.config.mediaType, MediaType.WasmConfig);
  assert.deepEqual(manifest.layers.map((l) => [l.mediaType, l.size, l.digest]), [
    [MediaType.WasmLayer, WASM.length, await sha256Digest(WASM)],
  ]);
  assert.equal(manifest.layers[0]!.annotations?.[Annotation.Title], `${NAME}.wasm`);
  assert.deepEqual(manifest.annotations, {
    "org.opencontainers.image.title": NAME,
    "org.opencontainers.image.created": "2026-01-02T03:04:05.000Z",
    "org.opencontainers.image.version": "1.2.3",
    "org.opencontainers.image.source": "https://github.com/acme/plugin",
    "org.opencontainers.image.revision": "abc123",
    "dev.bifrost-as.plugin.name": NAME,
    "dev.bifrost-as.format": "artifact",
  });
  assert.deepEqual(await json(pkg.image), {
    created: "2026-01-02T03:04:05.000Z",
    architecture: "wasm",
    os: "wasip1",
    layerDigests: [await sha256Digest(WASM)],
  });
  assert.deepEqual(pkg.entry, { enabled: true, name: NAME, path: `/app/plugins/${NAME}.wasm`, config: {} });
  assert.equal(pkg.image.digest, await sha256Digest(pkg.image.manifestBytes));
  // Same input, same time: same digest.
  assert.equal(
    (await packagePlugin(WASM, {
      version: "1.2.3",
      source: "https://github.com/acme/plugin",
      revision: "abc123",
      created: CREATED,
    })).image.digest,
    pkg.image.digest,
  );
});

Deno.test("packagePlugin() compat: one gzip layer holding /plugin.wasm, its diff_id in a valid image config", async () => {
  const pkg = await packagePlugin(WASM, { format: "compat", created: CREATED });
  const [layer] = pkg.image.manifest.layers;
  assert.equal(layer?.mediaType, MediaType.OciLayerGzip);
  assert.equal(pkg.image.manifest.config.mediaType, MediaType.OciConfig);
  const data = await pkg.image.layers[0]!.read();
  const entries = await files(data);
  assert.deepEqual([...entries.keys()], ["plugin.wasm"]);
  assert.deepEqual(entries.get("plugin.wasm")!.data, WASM);
  const config = await json(pkg.image);
  assert.equal(config.os, "linux");
  assert.equal(config.architecture, "amd64");
  assert.deepEqual(config.rootfs, { type: "layers", diff_ids: [await sha256Digest(await gunzip(data, "t", 1 << 30))] });
  assert.equal(config.history.length, 1);
  assert.equal(config.config.Labels["dev.bifrost-as.plugin.path"], "/plugin.wasm");
  assert.equal(pkg.imagePath, "/plugin.wasm");
});

Deno.test("packagePlugin() bifrost: base layers kept, plugin layer added, config updated and config.json merged", async () => {
  const base = await baseImage({
    configJson: {
      client: { drop_excess_requests: false },
      plugins: [{ enabled: true, name: NAME, path: "/old.wasm" }, { enabled: false, name: "other" }],
    },
  });
  const pkg = await packagePlugin(WASM, {
    format: "bifrost",
    base,
    baseName: "registry.test/bifrost:1",
    withConfig: true,
    version: "2.0.0",
    created: CREATED,
  });
  const { manifest } = pkg.image;
  assert.equal(manifest.layers.length, 2);
  assert.deepEqual(manifest.layers[0], base.manifest.layers[0]);
  assert.equal(pkg.image.layers[0], base.layers[0], "the base layer is reused, not copied");
  assert.equal(manifest.annotations?.[Annotation.BaseName], "registry.test/bifrost:1");
  assert.equal(manifest.annotations?.[Annotation.BaseDigest], base.digest);

  const added = await pkg.image.layers[1]!.read();
  const entries = await files(added);
  assert.deepEqual([...entries.keys()], [`app/plugins/${NAME}.wasm`, "app/data/config.json"]);
  assert.deepEqual(entries.get(`app/plugins/${NAME}.wasm`)!.data, WASM);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(entries.get("app/data/config.json")!.data)), {
    client: { drop_excess_requests: false },
    plugins: [{ enabled: false, name: "other" }, {
      enabled: true,
      name: NAME,
      path: `/app/plugins/${NAME}.wasm`,
      config: {},
    }],
  });

  const baseConfig = await json(base);
  const config = await json(pkg.image);
  assert.deepEqual(config.rootfs.diff_ids, [
    ...baseConfig.rootfs.diff_ids,
    await sha256Digest(await gunzip(added, "t", 1 << 30)),
  ]);
  assert.deepEqual(config.config.Entrypoint, ["/app/bifrost"]);
  assert.deepEqual(config.config.Env, ["APP_PORT=8080"]);
  assert.equal(config.config.User, "1000");
  assert.equal(config.config.Labels.vendor, "test");
  assert.equal(config.config.Labels["dev.bifrost-as.plugin.path"], `/app/plugins/${NAME}.wasm`);
  assert.equal(config.config.Labels["org.opencontainers.image.version"], "2.0.0");
  assert.equal(config.created, "2026-01-02T03:04:05.000Z");
  assert.deepEqual(config.history.map((h: { created_by: string }) => h.created_by), [
    "COPY bifrost /app/bifrost",
    "bifrost-as package --format bifrost",
  ]);
});

Deno.test("packagePlugin() bifrost on a Docker schema 2 base keeps Docker media types", async () => {
  const base = await baseImage({ docker: true });
  const pkg = await packagePlugin(WASM, { format: "bifrost", base });
  assert.equal(pkg.image.mediaType, MediaType.DockerManifest);
  assert.equal(pkg.image.manifest.config.mediaType, MediaType.DockerConfig);
  assert.deepEqual(pkg.image.manifest.layers.map((l) => l.mediaType), [
    MediaType.DockerLayerGzip,
    MediaType.DockerLayerGzip,
  ]);
  assert.equal(pkg.image.manifest.annotations, undefined);
  assert.equal((await extractPlugin(pkg.image, "t")).format, "bifrost");
});

Deno.test("packagePlugin() refuses what it cannot package, with usage errors", async () => {
  const cases: [Uint8Array, Parameters<typeof packagePlugin>[1], RegExp][] = [
    [enc.encode("not wasm"), { label: "x.wasm" }, /^Cannot package "x.wasm": it is not a valid WebAssembly module$/],
    [
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
      { label: "empty.wasm" },
      /^Cannot read the plugin name of "empty.wasm": export "get_name" or "memory" is missing$/,
    ],
    [WASM, { name: "../evil" }, /^Cannot package plugin "..\/evil": its name must be letters/],
    [WASM, { format: "bifrost" }, /^The bifrost format needs a base image: give one or set BIFROST_IMAGE$/],
    [WASM, { format: "zip" as "artifact" }, /^Unknown package format "zip"/],
  ];
  for (const [wasm, options, message] of cases) {
    await assert.rejects(packagePlugin(wasm, options), (e) => {
      assert.ok(e instanceof InputError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("packagePlugin() bifrost --with-config writes a config.json that Bifrost's schema accepts", async () => {
  const pkg = await packagePlugin(WASM, { format: "bifrost", base: await baseImage(), withConfig: true });
  const entries = await files(await pkg.image.layers[1]!.read());
  const configJson = JSON.parse(new TextDecoder().decode(entries.get("app/data/config.json")!.data));
  assert.deepEqual(configJson, { plugins: [pkg.entry] });
  assert.deepEqual(validateBifrostConfig(configJson), { valid: true, errors: [] });
});

const hasPodman = which("podman") !== undefined;
Deno.test({
  name: `podman load accepts compat and bifrost layout archives${
    hasPodman ? "" : " (ignored: podman is not installed)"
  }`,
  ignore: !hasPodman,
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A private, throwaway image store: nothing touches the machine's own.
    await Deno.writeTextFile(
      `${dir}/storage.conf`,
      `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/graph"\nrunroot = "${dir}/run"\n`,
    );
    const podman = async (...args: string[]) => {
      const out = await new Deno.Command("podman", {
        args,
        env: { CONTAINERS_STORAGE_CONF: `${dir}/storage.conf` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.ok(out.success, `podman ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
      return text;
    };
    for (const format of ["compat", "bifrost"] as const) {
      const pkg = await packagePlugin(WASM, { format, ...(format === "bifrost" ? { base: await baseImage() } : {}) });
      await writeLayout(`${dir}/${format}.tar`, pkg.image, { tag: `${format}-plugin:1.0.0` });
      assert.match(
        await podman("load", "-i", `${dir}/${format}.tar`),
        new RegExp(`Loaded image: localhost/${format}-plugin:1\\.0\\.0`),
      );
      const [inspected] = JSON.parse(await podman("image", "inspect", `localhost/${format}-plugin:1.0.0`));
      assert.equal(inspected.Labels["dev.bifrost-as.plugin.path"], pkg.imagePath);
      assert.equal(inspected.RootFS.Layers.length, format === "compat" ? 1 : 2);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
