import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { ensureSdkLink, linkSdk, SDK_LINK, toolkitRoot } from "./_sdk_link.ts";

const TOOLKIT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("ensureSdkLink() links the running toolkit into a project that lacks it, once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(toolkitRoot(), TOOLKIT);
    assert.equal(await ensureSdkLink(dir), undefined, "not a project: no asconfig.json");
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./node_modules/bifrost-as/asconfig.sdk.json"}');
    assert.equal(await ensureSdkLink(dir), `Linked ${SDK_LINK} to the toolkit at ${TOOLKIT}`);
    assert.equal(await Deno.realPath(`${dir}/${SDK_LINK}`), await Deno.realPath(TOOLKIT));
    assert.equal(await ensureSdkLink(dir), undefined, "already linked");
    // A dangling link (the toolkit moved) is replaced.
    await Deno.remove(`${dir}/${SDK_LINK}`);
    await Deno.symlink(`${dir}/gone`, `${dir}/${SDK_LINK}`);
    assert.match((await ensureSdkLink(dir))!, /^Linked /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("The SDK link never replaces a real directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./node_modules/bifrost-as/asconfig.sdk.json"}');
    await Deno.mkdir(`${dir}/${SDK_LINK}`, { recursive: true });
    assert.equal(await ensureSdkLink(dir), undefined);
    await assert.rejects(linkSdk(dir, TOOLKIT), UsageError);
    assert.ok((await Deno.lstat(`${dir}/${SDK_LINK}`)).isDirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
