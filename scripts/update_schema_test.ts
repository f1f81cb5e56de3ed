import assert from "node:assert/strict";
import { ConfigError, UsageError } from "../lib/errors.ts";
import { sha256Digest } from "../lib/oci/digest.ts";
import { SCHEMA_FILE, SOURCE_FILE, updateSchema } from "./update_schema.ts";

const SCHEMAS = new URL("../schemas", import.meta.url).pathname;
const SCRIPT = new URL("./update_schema.ts", import.meta.url).pathname;
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** A copy of schemas/ in a temporary directory, and a newer schema: the shipped one with a changed description. */
async function fixture() {
  const root = await Deno.makeTempDir({ prefix: "schema-" });
  const dir = `${root}/schemas`;
  await Deno.mkdir(dir);
  for (const f of [SCHEMA_FILE, SOURCE_FILE]) await Deno.copyFile(`${SCHEMAS}/${f}`, `${dir}/${f}`);
  const schema = JSON.parse(await Deno.readTextFile(`${SCHEMAS}/${SCHEMA_FILE}`));
  schema.description = "A newer Bifrost config schema";
  const newer = new TextEncoder().encode(`${JSON.stringify(schema, null, 2)}\n`);
  return { root, dir, newer, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

async function hex(bytes: Uint8Array): Promise<string> {
  return (await sha256Digest(bytes)).slice("sha256:".length);
}

Deno.test("updateSchema() takes a local file verbatim and rewrites SOURCE.md's commit, size, sha256 and date", async () => {
  await using f = await fixture();
  const before = await Deno.readTextFile(`${f.dir}/${SOURCE_FILE}`);
  await Deno.writeFile(`${f.root}/new.json`, f.newer);
  const result = await updateSchema({ source: `${f.root}/new.json`, dir: f.dir, commit: COMMIT, date: "2027-01-02" });

  assert.deepEqual(await Deno.readFile(`${f.dir}/${SCHEMA_FILE}`), f.newer);
  const sha = await hex(f.newer);
  assert.deepEqual(result, {
    commit: COMMIT,
    date: "2027-01-02",
    size: f.newer.length,
    sha256: sha,
    previousSha256: await hex(await Deno.readFile(`${SCHEMAS}/${SCHEMA_FILE}`)),
  });
  const after = await Deno.readTextFile(`${f.dir}/${SOURCE_FILE}`);
  assert.match(after, new RegExp(`^- Commit: \`${COMMIT}\` \\(retrieved 2027-01-02\\)$`, "m"));
  assert.match(after, new RegExp(`^- Size: ${f.newer.length.toLocaleString("en-US")} bytes, sha256 \`${sha}\`$`, "m"));
  // Every other line stays as it was.
  const unchanged = (text: string) => text.split("\n").filter((l) => !/^- (Commit|Size): /.test(l));
  assert.deepEqual(unchanged(after), unchanged(before));
  assert.deepEqual([...Deno.readDirSync(f.dir)].map((e) => e.name).sort(), [SOURCE_FILE, SCHEMA_FILE].sort());
});

Deno.test("updateSchema() downloads from a loopback URL and reads the commit from it", async () => {
  await using f = await fixture();
  const path = `/maximhq/bifrost/${COMMIT}/transports/config.schema.json`;
  await using server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) => new URL(req.url).pathname === path ? new Response(f.newer) : new Response("no", { status: 404 }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const result = await updateSchema({ source: `${base}${path}`, dir: f.dir });
  assert.equal(result.commit, COMMIT);
  assert.equal(result.date, new Date().toISOString().slice(0, 10));
  assert.deepEqual(await Deno.readFile(`${f.dir}/${SCHEMA_FILE}`), f.newer);

  await assert.rejects(
    updateSchema({ source: `${base}/gone/${COMMIT}/x.json`, dir: f.dir }),
    (e) => e instanceof ConfigError && e.message === `Cannot download "${base}/gone/${COMMIT}/x.json": HTTP 404`,
  );
});

Deno.test("updateSchema() refuses what is not Bifrost's draft 2019-09 config schema, and changes nothing", async () => {
  await using f = await fixture();
  const original = await Deno.readFile(`${f.dir}/${SCHEMA_FILE}`);
  const notes = await Deno.readTextFile(`${f.dir}/${SOURCE_FILE}`);
  const schema = JSON.parse(new TextDecoder().decode(f.newer));
  const cases: [string, string, RegExp][] = [
    ["not-json", "{", /: not UTF-8 JSON: /],
    [
      "draft-07",
      JSON.stringify({ ...schema, $schema: "http://json-schema.org/draft-07/schema#" }),
      /not draft 2019-09/,
    ],
    ["no-plugins", JSON.stringify({ ...schema, properties: { providers: {} } }), /no "properties\.plugins"/],
    ["not-compilable", JSON.stringify({ ...schema, required: 7 }), /Invalid Bifrost config schema/],
    [
      "stricter",
      JSON.stringify({ ...schema, required: ["governance_unheard_of"] }),
      /the config\.json bifrost-as writes does not validate against it:\n {2}\/: missing required property "governance_unheard_of"/,
    ],
  ];
  for (const [name, text, message] of cases) {
    await Deno.writeTextFile(`${f.root}/${name}.json`, text);
    await assert.rejects(
      updateSchema({ source: `${f.root}/${name}.json`, dir: f.dir, commit: COMMIT }),
      (e) => e instanceof ConfigError && message.test(e.message),
      name,
    );
  }
  await assert.rejects(updateSchema({ source: `${f.root}/not-json.json`, dir: f.dir }), /give --commit SHA/);
  await assert.rejects(
    updateSchema({ source: `http://example.com/${COMMIT}/s.json`, dir: f.dir }),
    (e) => e instanceof UsageError && /an http URL on loopback/.test(e.message),
  );
  await assert.rejects(updateSchema({ source: "missing.json", dir: f.dir, commit: "abc" }), /expected 40 hex digits/);
  assert.deepEqual(await Deno.readFile(`${f.dir}/${SCHEMA_FILE}`), original);
  assert.equal(await Deno.readTextFile(`${f.dir}/${SOURCE_FILE}`), notes);
  assert.deepEqual([...Deno.readDirSync(f.dir)].map((e) => e.name).sort(), [SOURCE_FILE, SCHEMA_FILE].sort());
});

Deno.test("deno task schema:update prints what it wrote, and exits 2 on bad usage", async () => {
  await using f = await fixture();
  await Deno.writeFile(`${f.root}/new.json`, f.newer);
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, ...args],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  const ok = await run(`${f.root}/new.json`, "--dir", f.dir, "--commit", COMMIT, "--date", "2027-01-02");
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(
    ok.stdout.trim(),
    `Updated ${f.dir}/${SCHEMA_FILE}: ${f.newer.length.toLocaleString("en-US")} bytes, sha256 ${await hex(
      f.newer,
    )}, commit ${COMMIT}, retrieved 2027-01-02`,
  );
  const missing = await run("--dir", f.dir);
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr.trim(),
    "error: Missing argument <file or https URL>: see 'deno task schema:update --help'",
  );
  const badDate = await run(`${f.root}/new.json`, "--dir", f.dir, "--commit", COMMIT, "--date", "soon");
  assert.equal(badDate.code, 2);
  assert.equal(badDate.stderr.trim(), 'error: Invalid --date "soon": expected YYYY-MM-DD');
});
