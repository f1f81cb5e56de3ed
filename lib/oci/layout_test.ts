import assert from "node:assert/strict";
import { InputError, RegistryError } from "../errors.ts";
import { createImage } from "./image.ts";
import { readLayout, writeLayout } from "./layout.ts";
import { MediaType } from "./media_types.ts";

const enc = new TextEncoder();
const WASM = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

function artifact(config: string) {
  return createImage({ mediaType: MediaType.WasmConfig, data: enc.encode(config) }, [
    { mediaType: MediaType.WasmLayer, data: WASM },
  ]);
}

Deno.test("writeLayout() writes the files of the OCI image layout spec, index.json naming the tag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const image = await artifact("{}");
    await writeLayout(`${dir}/oci`, image, { tag: "1.0" });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/oci/oci-layout`)), { imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(await Deno.readTextFile(`${dir}/oci/index.json`));
    assert.equal(index.mediaType, MediaType.OciIndex);
    assert.deepEqual(index.manifests, [{
      mediaType: MediaType.OciManifest,
      digest: image.digest,
      size: image.manifestBytes.length,
      annotations: { "org.opencontainers.image.ref.name": "1.0" },
    }]);
    const manifestFile = `${dir}/oci/blobs/sha256/${image.digest.slice(7)}`;
    assert.deepEqual(await Deno.readFile(manifestFile), image.manifestBytes);
    assert.deepEqual(await Deno.readFile(`${dir}/oci/blobs/sha256/${image.manifest.layers[0]!.digest.slice(7)}`), WASM);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeLayout() adds to an existing layout directory, replacing only the same tag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b, c] = await Promise.all([artifact('{"a":1}'), artifact('{"b":1}'), artifact('{"c":1}')]);
    await writeLayout(`${dir}/oci`, a, { tag: "a" });
    await writeLayout(`${dir}/oci`, b, { tag: "b" });
    await writeLayout(`${dir}/oci`, c, { tag: "a" });
    assert.equal((await readLayout(`${dir}/oci`, { tag: "a" })).digest, c.digest);
    assert.equal((await readLayout(`${dir}/oci`, { tag: "b" })).digest, b.digest);
    await assert.rejects(readLayout(`${dir}/oci`), (e) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /^Cannot choose an image in ".*": it holds several images \(b, a\)$/);
      return true;
    });
    await assert.rejects(readLayout(`${dir}/oci`, { tag: "zzz" }), /tagged "zzz": no such image \(b, a\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readLayout() detects a blob whose content does not match its digest", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const image = await artifact("{}");
    await writeLayout(`${dir}/oci`, image);
    const layer = image.manifest.layers[0]!;
    await Deno.writeFile(
      `${dir}/oci/blobs/sha256/${layer.digest.slice(7)}`,
      new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0]),
    );
    const back = await readLayout(`${dir}/oci`);
    await assert.rejects(back.layers[0]!.read(), (e) => {
      assert.ok(e instanceof RegistryError);
      assert.match(e.message, new RegExp(`^Digest mismatch for blob "${layer.digest}" in ".*/oci": expected`));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readLayout() and writeLayout() report unusable paths as usage errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      readLayout(`${dir}/missing`),
      /^InputError: Cannot read image layout ".*missing": no such file/,
    );
    await Deno.writeTextFile(`${dir}/file`, "x");
    await assert.rejects(writeLayout(`${dir}/file/oci`, await artifact("{}")), (e) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /^Cannot write image layout ".*file\/oci": /);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
