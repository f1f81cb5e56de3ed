import assert from "node:assert/strict";
import { chooseGatewayImage, DEFAULT_BIFROST_IMAGE, describeImage } from "./gateway_image.ts";
import { BIFROST_VERSION_LABEL, NOT_BIFROST_LABEL } from "../images/names.ts";

Deno.test("describeImage() says plainly whether an image is real Bifrost or the dev gateway, from its labels", () => {
  const real = describeImage("localhost/bifrost-as-bifrost:v1.6.2", { [BIFROST_VERSION_LABEL]: "v1.6.2" }, "built");
  assert.equal(real.kind, "bifrost");
  assert.equal(real.bifrostVersion, "v1.6.2");
  assert.match(real.line, /^localhost\/bifrost-as-bifrost:v1\.6\.2 \(built\): real Bifrost v1\.6\.2, .*WASM loader$/);
  const dev = describeImage("localhost/bifrost-as-dev-gateway:0.1.0", { [NOT_BIFROST_LABEL]: "true" }, "fallback");
  assert.equal(dev.kind, "dev-gateway");
  assert.equal(dev.bifrostVersion, undefined);
  assert.match(dev.line, /FALLBACK.*bifrost-as's own gateway.*NOT Bifrost/);
  const other = describeImage("acme/bifrost-enterprise:1.4", {}, "BIFROST_IMAGE");
  assert.deepEqual(other, {
    ref: "acme/bifrost-enterprise:1.4",
    kind: "other",
    line: "acme/bifrost-enterprise:1.4 (BIFROST_IMAGE)",
  });
});

Deno.test("chooseGatewayImage() takes BIFROST_IMAGE as given, and names the public image when no engine answers", async () => {
  const dir = await Deno.makeTempDir();
  const before = Deno.env.get("DOCKER_HOST");
  try {
    // No engine: a socket that does not exist.
    Deno.env.set("DOCKER_HOST", `unix://${dir}/none.sock`);
    const given = await chooseGatewayImage("acme/bifrost-enterprise:1.4", dir);
    assert.deepEqual([given.ref, given.kind], ["acme/bifrost-enterprise:1.4", "other"]);
    assert.match(given.line, /\(BIFROST_IMAGE\)$/);
    const none = await chooseGatewayImage(undefined, dir);
    assert.deepEqual([none.ref, none.kind], [DEFAULT_BIFROST_IMAGE, "other"]);
    assert.match(none.line, /loads no WASM plugins/);
  } finally {
    if (before === undefined) Deno.env.delete("DOCKER_HOST");
    else Deno.env.set("DOCKER_HOST", before);
    await Deno.remove(dir, { recursive: true });
  }
});
