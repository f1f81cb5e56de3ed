import assert from "node:assert/strict";
import { MAX_PLUGIN_BYTES, type ValidationReport } from "../../lib/wasm/validate.ts";
import { abiModule, type AbiModuleOptions } from "../../testing/wasm_builder.ts";
import { type CliResult, runCli, runCliPeak } from "../../testing/cli.ts";

/** Runs `fn` with a temporary directory holding `files`, removed afterwards. */
async function withFiles<T>(
  files: Record<string, Uint8Array | string>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bifrost-as-validate-" });
  try {
    for (const [name, data] of Object.entries(files)) {
      if (typeof data === "string") await Deno.writeTextFile(`${dir}/${name}`, data);
      else await Deno.writeFile(`${dir}/${name}`, data);
    }
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Validates a builder module through the CLI. */
function validate(options: AbiModuleOptions, ...args: string[]): Promise<CliResult> {
  return withFiles({ "p.wasm": abiModule(options) }, (dir) => runCli(["validate", `${dir}/p.wasm`, ...args]));
}

/** Asserts a usage error: exit 2, one line on stderr, nothing on stdout. */
function assertUsageError(r: CliResult, message: string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, `error: ${message}\n`);
}

Deno.test("cli validate exits 0 and prints the report for a valid plugin", async () => {
  const r = await validate({});
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^\/\S+\/p\.wasm: valid for profile "any" \(complete profiles: legacy, current; 0 errors/);
  assert.match(r.stdout, /\nExports:\n/);
  assert.match(r.stdout, /\nImports: none\n/);
});

Deno.test("cli validate exits 1 with the findings for a plugin that breaks the ABI", async () => {
  const r = await validate({
    omit: ["malloc"],
    imports: [{
      module: "env",
      name: "abort",
      desc: { kind: "func", params: ["i32", "i32", "i32", "i32"], results: [] },
    }],
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /: invalid for profile "any" .*2 errors/);
  assert.match(r.stdout, /error +export-missing +Export "malloc" is missing/);
  assert.match(r.stdout, /error +import-env-abort +Import "env\.abort" .*--use abort=/);
});

Deno.test("cli validate --profile checks the hooks of that profile", async () => {
  assert.equal((await validate({ profile: "legacy" }, "--profile", "legacy")).code, 0);
  const r = await validate({ profile: "legacy" }, "--profile", "current");
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Export "http_pre_hook" is missing: the current profile needs it/);
});

Deno.test("cli validate --json prints a report machines can read", async () => {
  const r = await validate({
    freeArity: 1,
    funcs: { pre_hook: { params: ["i32"], results: ["i64"], body: [[0x42, 0]] } },
  }, "--json");
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as ValidationReport;
  assert.equal(report.valid, false);
  assert.equal(report.profile, "any");
  assert.deepEqual(report.profiles, ["legacy", "current"]);
  assert.deepEqual(report.findings.filter((f) => f.severity === "error"), [{
    severity: "error",
    code: "export-signature",
    message: "pre_hook: expected (i32, i32) -> i64, found (i32) -> i64",
    export: "pre_hook",
  }]);
  assert.equal(report.memory?.min, 1);
  assert.equal(report.exports.find((e) => e.name === "free")?.found, "(i32) -> ()");
  const ok = await validate({}, "--json");
  assert.equal(ok.code, 0);
  assert.equal((JSON.parse(ok.stdout) as ValidationReport).valid, true);
});

Deno.test("cli validate rejects an unknown profile with exit 2", async () => {
  assertUsageError(
    await validate({}, "--profile", "newest"),
    'Unknown profile "newest": expected legacy, current, any',
  );
});

Deno.test("cli validate rejects a missing file, a directory and a missing argument with exit 2", async () => {
  assertUsageError(await runCli(["validate", "no/such.wasm"]), 'Cannot read "no/such.wasm": file not found');
  await withFiles({}, async (dir) => {
    assertUsageError(await runCli(["validate", dir]), `Cannot read "${dir}": it is a directory`);
  });
  assertUsageError(await runCli(["validate"]), "Missing argument <plugin.wasm>: see 'bifrost-as validate --help'");
  assertUsageError(
    await runCli(["validate", "--bogus", "x.wasm"]),
    "Unknown option '--bogus': see 'bifrost-as validate --help'",
  );
});

Deno.test("cli validate rejects a file that is not a wasm module with exit 2 and no stack trace", async () => {
  const wasm = abiModule();
  await withFiles({ "notes.txt": "hello\n", "cut.wasm": wasm.subarray(0, 40) }, async (dir) => {
    assertUsageError(
      await runCli(["validate", `${dir}/notes.txt`]),
      `Cannot read "${dir}/notes.txt": not a WebAssembly module (bad magic)`,
    );
    const cut = await runCli(["validate", `${dir}/cut.wasm`]);
    assert.equal(cut.code, 2);
    assert.match(cut.stderr, /^error: Cannot read ".*\/cut\.wasm": section claims \d+ bytes but only \d+ remain/);
    assert.doesNotMatch(cut.stderr, /at .*\.ts:\d+/);
  });
});

Deno.test("cli validate --help shows its options and examples", async () => {
  const r = await runCli(["validate", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^bifrost-as validate <plugin\.wasm> \[options\]/);
  assert.match(r.stdout, /--profile PROFILE +Profile to require: legacy, current, any \(default: any\)/);
  assert.match(r.stdout, /--json/);
  const top = await runCli(["--help"]);
  assert.match(top.stdout, /validate\s+Check a \.wasm plugin/);
});

Deno.test("cli build exits 1 with the findings when what it built breaks the ABI", async () => {
  const files = {
    "asconfig.json": JSON.stringify({ options: { use: ["abort="], runtime: "stub" }, targets: { release: {} } }),
    "broken.ts": "export function get_name(): i64 {\n  return 0;\n}\n",
  };
  await withFiles(files, async (dir) => {
    const r = await runCli(["build", "--entry", "broken.ts", "--out", "broken.wasm", "--quiet"], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /broken\.wasm: invalid for profile "any"/);
    assert.match(r.stderr, /error +export-missing +Export "malloc" is missing/);
    assert.match(r.stderr, /error +profile-unsatisfied/);
    await Deno.stat(`${dir}/broken.wasm`); // still written, for inspection
  });
});

Deno.test("validate /dev/zero stops at the plugin size limit with one line", async () => {
  const { stdout, stderr, code, peakRssBytes } = await runCliPeak(["validate", "/dev/zero"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(
    stderr.trim(),
    `error: Cannot read "/dev/zero": larger than ${MAX_PLUGIN_BYTES} bytes, the plugin size limit`,
  );
  assert.ok(peakRssBytes < MAX_PLUGIN_BYTES + (200 << 20), `peak RSS ${peakRssBytes}`);
});
