import assert from "node:assert/strict";
import { FixtureError } from "../errors.ts";
import { fixtureInputText, formatFixtureReport, loadFixtures, runFixtures } from "./fixtures.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { abiModule, DEFAULT_OUTPUTS, TRAP_ON_DOUBLE_FREE } from "../../testing/wasm_builder.ts";

const ROOT_FIXTURES = new URL("../../fixtures", import.meta.url).pathname;

/** A copy of the repo's fixtures in a temp dir, removed on dispose. */
async function fixtureCopy(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "fixtures-" });
  const copy = async (from: string, to: string) => {
    await Deno.mkdir(to, { recursive: true });
    for await (const e of Deno.readDir(from)) {
      if (e.isDirectory) await copy(`${from}/${e.name}`, `${to}/${e.name}`);
      else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
    }
  };
  await copy(ROOT_FIXTURES, dir);
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

async function editJson(path: string, edit: (v: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await Deno.readTextFile(path));
  edit(value);
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
}

Deno.test("runFixtures() passes the hello-world plugin's own fixtures under every free policy", async () => {
  const report = await runFixtures(await testPlugin("hello-world"), ROOT_FIXTURES);
  assert.equal(report.failed, 0, formatFixtureReport(report));
  assert.ok(report.passed >= 13);
  assert.deepEqual(report.policies, ["both", "input", "none", "double"]);
  const hooks = new Set(report.results.map((r) => r.name.split("/")[0]));
  assert.deepEqual([...hooks].sort(), [
    "http_intercept",
    "http_post_hook",
    "http_pre_hook",
    "http_stream_chunk_hook",
    "post_hook",
    "pre_hook",
  ]);
});

Deno.test("runFixtures() shows a failing fixture as a diff, grouped by free policy", async () => {
  await using copy = await fixtureCopy();
  await editJson(`${copy.dir}/pre_hook/rate_limited_model.json`, (f) => {
    const expect = f.expect as { short_circuit: { error: { status_code: number } }; context: object };
    expect.short_circuit.error.status_code = 403;
    expect.context = { ...expect.context, extra: 1 };
  });
  const report = await runFixtures(await testPlugin("hello-world"), copy.dir, { filter: "rate_limited" });
  assert.equal(report.failed, 1);
  assert.deepEqual(report.results[0]!.problems, [{
    policies: ["both", "input", "none", "double"],
    lines: [
      "- context.extra: 1",
      "- short_circuit.error.status_code: 403",
      "+ short_circuit.error.status_code: 429",
    ],
  }]);
  const text = formatFixtureReport(report, { cwd: copy.dir });
  assert.match(text, /^FAIL {4}pre_hook\/rate_limited_model {2}\(pre_hook\/rate_limited_model\.json, exact match\)$/m);
  assert.match(text, /under every free policy:\n {10}- context\.extra: 1\n/);
  assert.match(text, /1 fixture, each under 4 free policies \(both, input, none, double\): 0 passed, 1 failed$/);
});

Deno.test("runFixtures() with update rewrites failing expectations and keeps the rest of the file", async () => {
  await using copy = await fixtureCopy();
  const rich = `${copy.dir}/pre_hook/rich_input_unchanged.json`;
  const before = await Deno.readTextFile(rich);
  await Deno.writeTextFile(
    rich,
    before.replace('"plugin_name": "hello-world-wasm-typescript"', '"plugin_name": "old"'),
  );
  const partial = `${copy.dir}/pre_hook/request_id_go_key.json`;
  await editJson(partial, (f) => (f.expect = { short_circuit: { response: { chat_response: { id: "x" } } } }));
  await Deno.writeTextFile(
    `${copy.dir}/post_hook/new_case.json`,
    JSON.stringify({ input: { context: {}, response: null, error: { error: { message: "m" } }, has_error: true } }),
  );

  const plugin = await testPlugin("hello-world");
  const failing = await runFixtures(plugin, copy.dir);
  assert.equal(failing.failed, 3);
  assert.match(formatFixtureReport(failing), /Missing "expect": run with --update to record the output/);

  const updated = await runFixtures(plugin, copy.dir, { update: true });
  assert.equal(updated.failed, 0, formatFixtureReport(updated));
  assert.equal(updated.updated, 3);
  assert.match(formatFixtureReport(updated), /^updated pre_hook\/rich_input_unchanged$/m);
  // Numbers survive the rewrite as written; the file is what it was before the edit.
  assert.equal(await Deno.readTextFile(rich), before);
  // A partial expectation stays partial; other keys keep their place.
  const p = JSON.parse(await Deno.readTextFile(partial));
  assert.deepEqual(Object.keys(p), ["description", "input", "expect", "match"]);
  assert.deepEqual(p.expect, { short_circuit: { response: { chat_response: { id: "mock-go-1" } } } });
  const added = JSON.parse(await Deno.readTextFile(`${copy.dir}/post_hook/new_case.json`));
  assert.equal(added.expect.error.error.message, "m (via assemblyscript plugin)");
  assert.equal((await runFixtures(plugin, copy.dir)).failed, 0);
});

Deno.test("loadFixtures() reports files that are not fixtures, each with the reason", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/pre_hook`);
    await Deno.mkdir(`${dir}/group/post_hook`, { recursive: true });
    const files: Record<string, string> = {
      "stray.json": "{}",
      "pre_hook/bad_json.json": "{",
      "pre_hook/array.json": "[]",
      "pre_hook/typo.json": '{"input": {}, "expected": {}}',
      "pre_hook/no_input.json": '{"expect": {}}',
      "pre_hook/bad_match.json": '{"input": {}, "expect": {}, "match": "fuzzy"}',
      "pre_hook/bad_config.json": '{"input": {}, "expect": {}, "config": [1]}',
      "pre_hook/notes.txt": "ignored",
      "group/post_hook/ok.json": '{"input": {}, "expect": {}}',
    };
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, text);
    const { cases, invalid } = await loadFixtures(dir);
    assert.deepEqual(cases.map((c) => [c.name, c.hook]), [["group/post_hook/ok", "post_hook"]]);
    const reasons = Object.fromEntries(invalid.map((r) => [r.name, r.problems[0]!.lines[0]]));
    assert.match(reasons["stray"]!, /^Not in a hook directory: put it in a directory named after its hook \(/);
    assert.match(reasons["pre_hook/bad_json"]!, /^Invalid JSON: /);
    assert.equal(reasons["pre_hook/array"], 'Expected an object with "input" and "expect", found an array');
    assert.equal(
      reasons["pre_hook/typo"],
      'Unknown key "expected": expected description, config, input, expect, match',
    );
    assert.equal(reasons["pre_hook/no_input"], `Missing "input": the hook's input`);
    assert.equal(reasons["pre_hook/bad_match"], 'Invalid "match" "fuzzy": expected "exact" or "partial"');
    assert.equal(reasons["pre_hook/bad_config"], 'Invalid "config": expected an object');
    assert.equal(Object.keys(reasons).length, 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFixtures() refuses a missing directory and a run without fixtures", async () => {
  const plugin = abiModule({ name: "tiny" });
  await assert.rejects(runFixtures(plugin, "/nonexistent/fixtures"), FixtureError);
  await assert.rejects(
    runFixtures(plugin, "/nonexistent/fixtures"),
    /^FixtureError: Cannot read fixtures "\/nonexistent\/fixtures": directory not found$/,
  );
  await assert.rejects(
    runFixtures(plugin, ROOT_FIXTURES, { filter: "no-such-case" }),
    /No fixtures matching "no-such-case" in ".*fixtures": add files named .*\/<hook>\/<case>\.json/,
  );
});

Deno.test("runFixtures() turns a plugin's errors into failures and sends a string input as is", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/http_post_hook`);
    await Deno.mkdir(`${dir}/pre_hook`);
    await Deno.writeTextFile(`${dir}/http_post_hook/missing.json`, '{"input": {}, "expect": {}}');
    await Deno.writeTextFile(`${dir}/pre_hook/raw.json`, JSON.stringify({ input: "not json", expect: {} }));
    // Answers every pre_hook with output that breaks the contract (context must be an object).
    const plugin = abiModule({ name: "tiny", outputs: { pre_hook: '{"context":1}' }, omit: ["http_post_hook"] });
    const report = await runFixtures(plugin, dir);
    assert.equal(report.failed, 2);
    const lines = Object.fromEntries(report.results.map((r) => [r.name, r.problems[0]!.lines[0]]));
    assert.equal(lines["http_post_hook/missing"], 'Plugin "tiny" does not export "http_post_hook"');
    assert.match(lines["pre_hook/raw"]!, /^Plugin "tiny" pre_hook output breaks the contract: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFixtures() warns when a pre_hook answers with an error that Bifrost would only log", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/pre_hook`);
    const input = { context: {}, request: { provider: "openai", model: "gpt-3.5-turbo", input: [] } };
    await Deno.writeTextFile(`${dir}/pre_hook/blocked.json`, JSON.stringify({ input, expect: {}, match: "partial" }));
    await Deno.writeTextFile(
      `${dir}/pre_hook/raw.json`,
      JSON.stringify({ input: "not json", expect: {}, match: "partial" }),
    );
    const plugin = abiModule({
      name: "blocker",
      outputs: { pre_hook: '{"context":{},"has_short_circuit":false,"error":"gpt-3.5 is blocked"}' },
    });
    const report = await runFixtures(plugin, dir);
    assert.equal(report.failed, 0, formatFixtureReport(report));
    const blocked = report.results.find((r) => r.name === "pre_hook/blocked")!;
    assert.deepEqual(blocked.warnings, [
      'pre_hook answers with error "gpt-3.5 is blocked": Bifrost only logs a pre_hook error and goes on with the ' +
      "request; to fail the request, short-circuit with an error (output.reject(...))",
    ]);
    // Malformed input is what the error field is for: no warning.
    assert.equal(report.results.find((r) => r.name === "pre_hook/raw")!.warnings, undefined);
    const text = formatFixtureReport(report, { failuresOnly: true });
    assert.match(text, /^ok {6}pre_hook\/blocked\n {10}warning: pre_hook answers with error "gpt-3\.5 is blocked": /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFixtures() counts a failure only under the double free policy as a warning: a probe, not a failure", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/pre_hook`);
    await Deno.writeTextFile(
      `${dir}/pre_hook/ok.json`,
      JSON.stringify({
        input: { context: {}, request: { provider: "openai", model: "gpt-4o", input: [] } },
        expect: JSON.parse(DEFAULT_OUTPUTS.pre_hook),
      }),
    );
    const plugin = abiModule({ funcs: { free: TRAP_ON_DOUBLE_FREE } });
    const report = await runFixtures(plugin, dir, { timeoutMs: 0 });
    const text = formatFixtureReport(report, { cwd: dir });
    assert.equal(report.failed, 0, text);
    assert.equal(report.passed, 1, text);
    assert.equal(report.probeWarnings, 1, text);
    assert.match(
      text,
      /^ok {6}pre_hook\/ok\n {10}warning: fails under the "double" free policy only: Plugin "test-plugin" trapped in free, the host's second free of init's config buffer \(free policy "double", a probe: Bifrost does not free a buffer twice\)/m,
    );
    assert.match(text, /1 passed, 0 failed; 1 fails only under the "double" probe \(a warning\)$/);
    // Asked for alone, the probe's failures are failures.
    const only = await runFixtures(plugin, dir, { timeoutMs: 0, policies: ["double"] });
    assert.equal(only.failed, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Fixtures may give HTTP bodies as body_text or body_json; diffs show bodies decoded", async () => {
  const sent = JSON.parse(fixtureInputText({
    input: { context: {}, request: { method: "POST", path: "/v1/x", body_json: { model: "gpt-4o" } } },
  }, "http_pre_hook"));
  assert.equal(sent.request.body, btoa('{"model":"gpt-4o"}'));
  assert.equal("body_json" in sent.request, false);
  const text = JSON.parse(fixtureInputText({ input: { request: { body_text: "vé" } } }, "http_pre_hook"));
  assert.equal(new TextDecoder().decode(Uint8Array.from(atob(text.request.body), (c) => c.charCodeAt(0))), "vé");

  const answered = btoa('{"answer":"no"}');
  const plugin = abiModule({
    outputs: {
      http_pre_hook: JSON.stringify({
        context: {},
        request: null,
        response: { status_code: 403, headers: {}, body: answered },
        has_response: true,
        error: "",
      }),
    },
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/http_pre_hook`);
    const write = (name: string, expect: unknown) =>
      Deno.writeTextFile(
        `${dir}/http_pre_hook/${name}.json`,
        JSON.stringify({
          input: { context: {}, request: { method: "POST", path: "/v1/x", headers: {}, query: {}, body_text: "hi" } },
          expect,
          match: "partial",
        }),
      );
    await write("json", { response: { status_code: 403, body_json: { answer: "no" } } });
    await write("text", { response: { body_text: '{"answer":"no"}' } });
    await write("wrong", { response: { body_json: { answer: "yes" } } });
    await write("raw", { response: { body: btoa('{"answer":"maybe"}') } });
    const report = await runFixtures(plugin, dir, { timeoutMs: 0, policies: ["both"] });
    const out = formatFixtureReport(report, { cwd: dir });
    assert.deepEqual(report.results.map((r) => `${r.name} ${r.status}`), [
      "http_pre_hook/json passed",
      "http_pre_hook/raw failed",
      "http_pre_hook/text passed",
      "http_pre_hook/wrong failed",
    ], out);
    assert.match(out, /- response\.body_json\.answer: "yes"\n {10}\+ response\.body_json\.answer: "no"/, out);
    assert.match(
      out,
      /- response\.body_text: "\{\\"answer\\":\\"maybe\\"\}"\n {10}\+ response\.body_text: "\{\\"answer\\":\\"no\\"\}"/,
      out,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
