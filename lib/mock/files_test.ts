import assert from "node:assert/strict";
import { MOCK_UPSTREAM_ENTRY, MOCK_UPSTREAM_FILES } from "./files.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("MOCK_UPSTREAM_FILES is the mock-upstream command's whole local module graph, and nothing from npm", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", MOCK_UPSTREAM_ENTRY],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: { specifier: string }[] };
  const specifiers = info.modules.map((m) => m.specifier);
  const local = specifiers.filter((s) => s.startsWith(`file://${ROOT}`)).map((s) => s.slice(`file://${ROOT}`.length));
  assert.deepEqual(local.toSorted(), [...MOCK_UPSTREAM_FILES].sort());
  assert.deepEqual(specifiers.filter((s) => !s.startsWith("file:") && !s.startsWith("node:")), []);
  assert.equal(MOCK_UPSTREAM_FILES[0], MOCK_UPSTREAM_ENTRY);
});

Deno.test("the repository's compose.yaml mounts every file the mock upstream runs from, each at its place", async () => {
  const compose = await Deno.readTextFile(`${ROOT}compose.yaml`);
  const mounted = [...compose.matchAll(/^\s*- \.\/(\S+):\/mock\/(\S+):ro$/gm)].filter(([, from, to]) => {
    assert.equal(to, from === "integration/healthcheck.ts" ? "healthcheck.ts" : from);
    return from !== "integration/healthcheck.ts";
  }).map(([, from]) => from);
  assert.deepEqual(mounted.toSorted(), [...MOCK_UPSTREAM_FILES].sort());
});
