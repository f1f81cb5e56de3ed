import assert from "node:assert/strict";
import type { HookName, ValType } from "../abi/abi.ts";
import { AbiError, InputError } from "../errors.ts";
import {
  FINDING_SEVERITIES,
  type FindingCode,
  formatReport,
  type ProfileOption,
  validateFile,
  validateModule,
  type ValidationReport,
} from "./validate.ts";
import {
  abiModule,
  type AbiModuleOptions,
  i32Const,
  i64Const,
  type ImportDesc,
  WasmBuilder,
} from "../../testing/wasm_builder.ts";
import { testPlugin } from "../../testing/plugins.ts";

const PROFILES: ProfileOption[] = ["legacy", "current", "any"];
const HTTP_HOOKS: HookName[] = ["http_intercept", "http_pre_hook", "http_post_hook", "http_stream_chunk_hook"];

/** The real plugin. */
const helloWorld = async () => await Deno.readFile(await testPlugin("hello-world"));

const codes = (r: ValidationReport): FindingCode[] => r.findings.map((f) => f.code);
const problems = (r: ValidationReport) => r.findings.filter((f) => f.severity !== "info");
const hook = (results: ValType[] = ["i64"]) => ({ params: ["i32", "i32"] as ValType[], results, body: [i64Const(0)] });
const fn = (module: string, name: string, params: ValType[], results: ValType[] = []) => ({
  module,
  name,
  desc: { kind: "func", params, results } as ImportDesc,
});
const FD_WRITE: ValType[] = ["i32", "i32", "i32", "i32"];

Deno.test("validateModule() accepts hello-world.wasm under every profile", async () => {
  const bytes = await helloWorld();
  for (const profile of PROFILES) {
    const r = validateModule(bytes, { profile });
    assert.equal(r.valid, true, formatReport(r));
    assert.deepEqual(problems(r), [], profile);
    assert.deepEqual(r.profiles, ["legacy", "current"]);
    assert.deepEqual(r.imports, []);
    assert.ok(r.exports.every((e) => e.status === "ok"), formatReport(r));
  }
});

Deno.test("validateModule() accepts the builder's ABI module with no problem under every profile", () => {
  for (const profile of PROFILES) {
    const r = validateModule(abiModule(), { profile });
    assert.equal(r.valid, true);
    assert.deepEqual(problems(r), []);
    assert.deepEqual(codes(r), ["memory-unbounded"]);
  }
});

Deno.test("validateModule() reports a missing malloc export", () => {
  const r = validateModule(abiModule({ omit: ["malloc"] }));
  assert.equal(r.valid, false);
  assert.deepEqual(problems(r), [{
    severity: "error",
    code: "export-missing",
    message: 'Export "malloc" is missing: the host allocates every input buffer with it',
    export: "malloc",
  }]);
  assert.deepEqual(r.exports.find((e) => e.name === "malloc"), {
    name: "malloc",
    requirement: "required",
    status: "missing",
    expected: "(i32) -> i32",
  });
});

Deno.test("validateModule() reports every missing required function export", () => {
  for (const name of ["malloc", "free", "get_name", "pre_hook", "post_hook"]) {
    for (const profile of PROFILES) {
      const r = validateModule(abiModule({ omit: [name] }), { profile });
      assert.equal(r.valid, false, `${name} ${profile}`);
      assert.deepEqual(problems(r).map((f) => [f.code, f.export]), [["export-missing", name]]);
    }
  }
});

Deno.test("validateModule() reports a wrong hook signature with expected and found", () => {
  const r = validateModule(abiModule({ funcs: { pre_hook: { ...hook(["i32"]), body: [i32Const(0)] } } }));
  assert.equal(r.valid, false);
  assert.deepEqual(problems(r), [{
    severity: "error",
    code: "export-signature",
    message: "pre_hook: expected (i32, i32) -> i64, found (i32, i32) -> i32",
    export: "pre_hook",
  }]);
  assert.equal(r.exports.find((e) => e.name === "pre_hook")?.status, "wrong-signature");
});

Deno.test("validateModule() accepts free with one or two params and rejects three", () => {
  assert.equal(validateModule(abiModule({ freeArity: 1 })).valid, true);
  assert.equal(validateModule(abiModule({ freeArity: 2 })).valid, true);
  const r = validateModule(abiModule({ funcs: { free: { params: ["i32", "i32", "i32"], results: [], body: [] } } }));
  assert.deepEqual(problems(r).map((f) => f.message), [
    "free: expected (i32) -> () or (i32, i32) -> (), found (i32, i32, i32) -> ()",
  ]);
});

Deno.test("validateModule() reports an export of the wrong kind", () => {
  const r = validateModule(abiModule({
    omit: ["malloc"],
    extend: (b) => {
      const index = b.nextGlobalIndex;
      b.global("i32", false, [i32Const(0)]).export("malloc", "global", index);
    },
  }));
  assert.deepEqual(problems(r).map((f) => [f.code, f.message]), [
    ["export-kind", 'Export "malloc" is a global, expected a function'],
  ]);
  assert.equal(r.exports.find((e) => e.name === "malloc")?.found, "global");
});

Deno.test("validateModule() reports a module without memory export", () => {
  const hidden = validateModule(abiModule({ exportMemory: false }));
  assert.equal(hidden.valid, false);
  assert.deepEqual(problems(hidden).map((f) => [f.code, f.export]), [["memory-not-exported", "memory"]]);
  assert.deepEqual(hidden.memory?.exportedAs, []);

  const renamed = validateModule(abiModule({ exportMemory: false, extend: (b) => b.export("mem", "memory", 0) }));
  assert.deepEqual(problems(renamed).map((f) => f.message), [
    'Export "memory" is missing: the memory is exported as "mem" instead',
  ]);

  const none = validateModule(abiModule({ memory: false }));
  assert.equal(none.memory, null);
  assert.deepEqual(codes(none).filter((c) => c.startsWith("memory")), ["memory-missing"]);
});

Deno.test("validateModule() reports the memory's limits", () => {
  const bounded = validateModule(abiModule({ memory: { min: 2, max: 16 } }));
  assert.deepEqual(bounded.memory, {
    min: 2,
    max: 16,
    shared: false,
    memory64: false,
    index: 0,
    exportedAs: ["memory"],
  });
  assert.deepEqual(bounded.findings, []);
  const unbounded = validateModule(abiModule({ memory: { min: 3 } }));
  assert.deepEqual(unbounded.findings.map((f) => f.message), [
    "The memory has no maximum: it starts at 3 pages (192 KiB) and grows as far as the host allows",
  ]);
});

Deno.test("validateModule() warns about a shared memory but accepts it", () => {
  const r = validateModule(abiModule({ memory: { min: 1, max: 4, shared: true } }));
  assert.equal(r.valid, true);
  assert.deepEqual(problems(r).map((f) => [f.severity, f.code]), [["warning", "memory-shared"]]);
});

Deno.test("validateModule() rejects 64-bit and multiple memories", () => {
  const wide = validateModule(new WasmBuilder().memory(1, 2, { memory64: true }).build());
  assert.ok(codes(wide).includes("memory64"));
  assert.equal(wide.valid, false);
  const two = validateModule(abiModule({ extend: (b) => b.memory(1, 1, { export: false }) }));
  assert.ok(codes(two).includes("memory-multiple"), formatReport(two));
});

Deno.test("validateModule() names the usual AssemblyScript env imports with their fix", () => {
  const r = validateModule(abiModule({
    imports: [
      fn("env", "abort", ["i32", "i32", "i32", "i32"]),
      fn("env", "trace", ["i32", "i32", "f64", "f64", "f64", "f64", "f64"]),
      fn("env", "seed", [], ["f64"]),
    ],
  }));
  assert.equal(r.valid, false);
  assert.deepEqual(problems(r).map((f) => [f.code, f.import]), [
    ["import-env-abort", "env.abort"],
    ["import-env-trace", "env.trace"],
    ["import-env-seed", "env.seed"],
  ]);
  const [abort, trace, seed] = problems(r).map((f) => f.message);
  assert.equal(
    abort,
    'Import "env.abort" is not provided by Bifrost, the usual AssemblyScript mistake: build with --use abort=',
  );
  assert.match(trace!, /remove trace\(\) calls/);
  assert.match(seed!, /Math\.random/);
  assert.deepEqual(r.imports.map((i) => [i.name, i.loadable, i.signature]), [
    ["abort", false, "(i32, i32, i32, i32) -> ()"],
    ["trace", false, "(i32, i32, f64, f64, f64, f64, f64) -> ()"],
    ["seed", false, "() -> f64"],
  ]);
});

Deno.test("validateModule() accepts a WASI preview 1 import", () => {
  const r = validateModule(abiModule({ imports: [fn("wasi_snapshot_preview1", "fd_write", FD_WRITE, ["i32"])] }));
  assert.equal(r.valid, true);
  assert.deepEqual(r.imports, [{
    module: "wasi_snapshot_preview1",
    name: "fd_write",
    kind: "func",
    signature: "(i32, i32, i32, i32) -> i32",
    loadable: true,
    code: "import-wasi",
  }]);
});

Deno.test("validateModule() rejects unknown WASI functions and wrong WASI signatures", () => {
  const r = validateModule(abiModule({
    imports: [
      fn("wasi_snapshot_preview1", "sock_open", ["i32"], ["i32"]),
      fn("wasi_snapshot_preview1", "fd_write", FD_WRITE, ["i64"]),
    ],
  }));
  assert.deepEqual(problems(r).map((f) => [f.code, f.message]), [
    ["import-wasi-unknown", 'Import "wasi_snapshot_preview1.sock_open" is not a WASI preview 1 function'],
    [
      "import-wasi-signature",
      'Import "wasi_snapshot_preview1.fd_write": expected (i32, i32, i32, i32) -> i32, found (i32, i32, i32, i32) -> i64',
    ],
  ]);
});

Deno.test("validateModule() rejects every other import", () => {
  const r = validateModule(abiModule({
    imports: [
      fn("bifrost", "log", ["i32", "i32"]),
      { module: "env", name: "memory", desc: { kind: "memory", min: 1 } },
      { module: "env", name: "counter", desc: { kind: "global", type: "i32" } },
    ],
  }));
  assert.equal(r.valid, false);
  assert.deepEqual(r.imports.map((i) => [`${i.module}.${i.name}`, i.kind, i.loadable, i.code]), [
    ["bifrost.log", "func", false, "import-unresolvable"],
    ["env.memory", "memory", false, "import-unresolvable"],
    ["env.counter", "global", false, "import-unresolvable"],
  ]);
  assert.equal(
    problems(r)[0]?.message,
    'Import "bifrost.log" is not provided by Bifrost (Bifrost provides only wasi_snapshot_preview1): the plugin will fail to load',
  );
  assert.equal(r.memory?.importedFrom, "env.memory");
});

Deno.test("validateModule() checks the requested profile", () => {
  const legacy = abiModule({ profile: "legacy" });
  assert.equal(validateModule(legacy, { profile: "legacy" }).valid, true);
  assert.equal(validateModule(legacy, { profile: "any" }).valid, true);
  const asCurrent = validateModule(legacy, { profile: "current" });
  assert.equal(asCurrent.valid, false);
  assert.deepEqual(asCurrent.profiles, ["legacy"]);
  assert.deepEqual(problems(asCurrent).map((f) => [f.code, f.export]), [
    ["export-missing", "http_pre_hook"],
    ["export-missing", "http_post_hook"],
    ["export-missing", "http_stream_chunk_hook"],
  ]);
  assert.match(problems(asCurrent)[0]!.message, /^Export "http_pre_hook" is missing: the current profile needs it$/);

  const current = abiModule({ profile: "current" });
  assert.equal(validateModule(current, { profile: "current" }).valid, true);
  assert.deepEqual(
    problems(validateModule(current, { profile: "legacy" })).map((f) => f.export),
    ["http_intercept"],
  );
  const single = validateModule(current).findings.find((f) => f.code === "profile-single");
  assert.match(single!.message, /^Only the current profile is complete: also export http_intercept \(legacy\)/);
});

Deno.test("validateModule() reports a module with neither profile complete", () => {
  const r = validateModule(abiModule({ omit: HTTP_HOOKS }));
  assert.equal(r.valid, false);
  assert.deepEqual(r.profiles, []);
  assert.deepEqual(problems(r).map((f) => [f.code, f.message]), [[
    "profile-unsatisfied",
    "No HTTP hook profile is complete: export http_intercept (legacy) or " +
    "http_pre_hook, http_post_hook and http_stream_chunk_hook (current)",
  ]]);
});

Deno.test("validateModule() warns about a half-exported profile", () => {
  const r = validateModule(abiModule({ profile: "legacy", funcs: { http_pre_hook: hook() } }));
  assert.equal(r.valid, true);
  assert.deepEqual(problems(r).map((f) => [f.severity, f.code, f.message]), [[
    "warning",
    "profile-partial",
    "The current profile is incomplete: http_pre_hook exported but not http_post_hook and http_stream_chunk_hook",
  ]]);
});

Deno.test("validateModule() covers every finding code with a purpose-built module", () => {
  const cases: [FindingCode, AbiModuleOptions | Uint8Array, ProfileOption?][] = [
    ["module-invalid", { funcs: { pre_hook: { ...hook(), body: [i32Const(0)] } } }],
    ["export-missing", { omit: ["get_name"] }],
    ["export-optional-missing", { omit: ["init", "cleanup"] }],
    ["export-kind", { omit: ["memory"], extend: (b) => b.export("memory", "func", 0) }],
    ["export-signature", { funcs: { get_name: { params: [], results: ["i32"], body: [i32Const(0)] } } }],
    ["memory-missing", { memory: false }],
    ["memory-not-exported", { exportMemory: false }],
    ["memory-multiple", { extend: (b) => b.memory(1, 1, { export: false }) }],
    ["memory64", new WasmBuilder().memory(1, 2, { memory64: true }).build()],
    ["memory-shared", { memory: { min: 1, max: 1, shared: true } }],
    ["memory-unbounded", {}],
    ["import-wasi", { imports: [fn("wasi_snapshot_preview1", "proc_exit", ["i32"])] }],
    ["import-wasi-unknown", { imports: [fn("wasi_snapshot_preview1", "nope", [])] }],
    ["import-wasi-signature", { imports: [fn("wasi_snapshot_preview1", "proc_exit", [])] }],
    ["import-env-abort", { imports: [fn("env", "abort", ["i32", "i32", "i32", "i32"])] }],
    ["import-env-trace", { imports: [fn("env", "trace", ["i32", "i32"])] }],
    ["import-env-seed", { imports: [fn("env", "seed", [], ["f64"])] }],
    ["import-unresolvable", { imports: [fn("env", "now", [], ["f64"])] }],
    ["profile-unsatisfied", { omit: HTTP_HOOKS }],
    ["profile-partial", { profile: "legacy", funcs: { http_pre_hook: hook() } }, "legacy"],
    ["profile-single", { profile: "legacy" }],
    ["start-function", { extend: (b) => b.func("start", [], [], [], { export: false }).start("start") }],
  ];
  assert.deepEqual(cases.map(([code]) => code).toSorted(), Object.keys(FINDING_SEVERITIES).toSorted());
  for (const [code, module, profile] of cases) {
    const bytes = module instanceof Uint8Array ? module : abiModule(module);
    const r = validateModule(bytes, profile ? { profile } : {});
    const f = r.findings.find((x) => x.code === code);
    assert.ok(f, `${code} not reported:\n${formatReport(r)}`);
    assert.equal(f.severity, FINDING_SEVERITIES[code]);
    assert.match(f.message, /^[A-Z]|^[a-z_]+: expected/, `${code}: ${f.message}`);
    assert.doesNotMatch(f.message, /\.$/, `${code}: ${f.message}`);
    if (f.severity === "error") assert.equal(r.valid, false, code);
  }
});

Deno.test("validateModule() lists errors, then warnings, then infos", () => {
  const r = validateModule(abiModule({
    profile: "legacy",
    omit: ["init"],
    memory: { min: 1, max: 2, shared: true },
    funcs: { http_pre_hook: hook() },
    imports: [fn("env", "abort", ["i32", "i32", "i32", "i32"])],
  }));
  assert.deepEqual(r.findings.map((f) => f.severity), ["error", "warning", "warning", "info"]);
});

Deno.test("validateModule() throws AbiError on garbage and truncated bytes", () => {
  assert.throws(() => validateModule(new TextEncoder().encode("not wasm"), { source: "a.wasm" }), {
    name: "AbiError",
    message: 'Cannot read "a.wasm": not a WebAssembly module (bad magic)',
  });
  const bytes = abiModule();
  assert.throws(() => validateModule(bytes.subarray(0, bytes.length - 30)), AbiError);
});

Deno.test("validateModule() rejects an unknown profile with InputError", () => {
  assert.throws(() => validateModule(abiModule(), { profile: "newest" as ProfileOption }), (e) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, 'Unknown profile "newest": expected legacy, current, any');
    return true;
  });
});

Deno.test("validateFile() reads a file and names unreadable ones with InputError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/p.wasm`, abiModule());
    const r = await validateFile(`${dir}/p.wasm`, { profile: "current" });
    assert.equal(r.valid, true);
    assert.equal(r.source, `${dir}/p.wasm`);
    await assert.rejects(validateFile(`${dir}/missing.wasm`), {
      name: "InputError",
      message: `Cannot read "${dir}/missing.wasm": file not found`,
    });
    await assert.rejects(validateFile(dir), { name: "InputError", message: `Cannot read "${dir}": it is a directory` });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("formatReport() prints exports, memory, imports and findings; brief keeps only problems", () => {
  const r = validateModule(
    abiModule({ omit: ["malloc"], imports: [fn("wasi_snapshot_preview1", "proc_exit", ["i32"])] }),
    { source: "p.wasm" },
  );
  const full = formatReport(r);
  assert.match(
    full,
    /^p\.wasm: invalid for profile "any" \(complete profiles: legacy, current; 1 error, 0 warnings\)\n/,
  );
  assert.match(full, /\n {2}malloc +missing +\(i32\) -> i32 \[required\]\n/);
  assert.match(full, /\n {2}free +ok +\(i32\) -> \(\) or \(i32, i32\) -> \(\) \[required\]\n/);
  assert.match(full, /\nMemory: 1 page initial, no maximum, exported as "memory"\n/);
  assert.match(full, /\n {2}wasi_snapshot_preview1\.proc_exit +ok +\(i32\) -> \(\)\n/);
  assert.match(full, /\n {2}error +export-missing +Export "malloc" is missing/);
  assert.match(full, /\n {2}info +memory-unbounded +The memory has no maximum/);
  const brief = formatReport(r, { brief: true });
  assert.deepEqual(brief.split("\n").slice(1), [
    '  error   export-missing          Export "malloc" is missing: the host allocates every input buffer with it',
  ]);
  assert.match(formatReport(validateModule(abiModule())), /^module: valid for profile "any"/);
});

Deno.test("formatReport() keeps the import columns apart for a name longer than the column", () => {
  const r = validateModule(abiModule({
    imports: [
      fn("wasi_snapshot_preview1", "environ_sizes_get", ["i32", "i32"], ["i32"]),
      fn("wasi_snapshot_preview1", "proc_exit", ["i32"]),
    ],
  }));
  const rows = formatReport(r).split("\n").filter((l) => l.startsWith("  wasi_snapshot_preview1."));
  assert.deepEqual(rows.map((l) => l.indexOf(" ok ")), [43, 43], rows.join("\n"));
  assert.match(rows[0]!, /^ {2}wasi_snapshot_preview1\.environ_sizes_get {2}ok +\(i32, i32\) -> i32$/);
});

Deno.test("validateModule() only ever throws AbiError on corrupted modules", () => {
  const bytes = abiModule({ imports: [fn("env", "abort", ["i32", "i32", "i32", "i32"])] });
  let seed = 99;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let round = 0; round < 300; round++) {
    const copy = bytes.slice();
    copy[8 + (next() % (copy.length - 8))] = next() & 0xff;
    try {
      validateModule(copy);
    } catch (e) {
      assert.ok(e instanceof AbiError, `round ${round}: ${e}`);
    }
  }
});
