import assert from "node:assert/strict";
import { abiModule, op } from "../../testing/wasm_builder.ts";
import { EXPORT_SIGNATURES } from "../abi/abi.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { checkPlugin, type CheckReport, formatCheckReport } from "./check.ts";
import { hasRust, NO_RUST, rustPlugin } from "../../testing/rust_plugin.ts";

/** The findings of one severity, as text. */
const findings = (r: CheckReport, severity: string) =>
  r.findings.filter((f) => f.severity === severity).map((f) => f.message);

/** The outcome of every case of a kind, e.g. `pre_hook go-nulls: trap`. */
const outcomes = (r: CheckReport, kind: string) =>
  r.cases.filter((c) => c.kind === kind).map((c) => `${c.hook} ${c.id}: ${c.outcome}`);

Deno.test("check: hello-world answers every input without a trap, drops nothing and stays bounded", async () => {
  const r = await checkPlugin(await testPlugin("hello-world"), { timeoutMs: 0, calls: 100 });
  assert.equal(r.name, "hello-world-wasm-typescript");
  assert.deepEqual(r.hooks, ["http_pre_hook", "pre_hook", "post_hook", "http_post_hook", "http_stream_chunk_hook"]);
  assert.deepEqual(r.cases.filter((c) => c.outcome !== "ok" && c.outcome !== "error-output"), []);
  assert.deepEqual(r.cases.filter((c) => c.dropped), []);
  assert.deepEqual(r.memory?.boundedUnder, ["both", "input", "none", "double"]);
  assert.deepEqual([r.errors, r.warnings], [0, 0]);
});

Deno.test("check: the docs-style baseline grows under every free policy, traps on bad JSON and drops fields", async () => {
  const r = await checkPlugin(await testPlugin("baseline"), { timeoutMs: 0, calls: 100 });
  assert.equal(r.name, "hello-world-baseline");
  assert.deepEqual(findings(r, "error"), [
    "Memory is not bounded under any free policy: it grows with every pre_hook call",
  ]);
  assert.ok(outcomes(r, "malformed").includes("pre_hook not-json: trap"));
  const warnings = findings(r, "warning");
  assert.ok(warnings.some((w) => /^Traps on \d+ of 20 malformed inputs \(http_pre_hook 1\/4, pre_hook 2\/4/.test(w)));
  assert.ok(
    warnings.some((w) => /^post_hook drops 11 input fields from what it returns: .*system_fingerprint/.test(w)),
  );
  assert.ok(warnings.some((w) => /^pre_hook traps on an embeddings request, which Bifrost may send/.test(w)));
  // Bifrost runs post_hook on every chunk of a stream: its json-as classes trap on a delta without a role.
  assert.ok(warnings.some((w) => /^post_hook traps on a streamed chat chunk, which Bifrost may send/.test(w)));
  assert.match(formatCheckReport(r), /^1 error, \d+ warnings$/m);
});

Deno.test({
  name:
    `check: the Rust plugin reads Go's nulls and stream chunks, traps on bad input, drops fields, needs both buffers freed${
      hasRust ? "" : ` (ignored: ${NO_RUST})`
    }`,
  ignore: !hasRust,
  fn: async () => {
    const r = await checkPlugin(await rustPlugin(), { timeoutMs: 0, calls: 200 });
    assert.equal(r.name, "hello-world-wasm-rust");
    assert.deepEqual(outcomes(r, "sample").filter((o) => !o.endsWith(": ok")), []);
    // #[serde(default)] and null-as-default: what Bifrost sends parses, a stream's chunks and its end too.
    assert.deepEqual([...outcomes(r, "go-nulls"), ...outcomes(r, "stream")], [
      "http_pre_hook go-nulls: ok",
      "pre_hook go-nulls: ok",
      "post_hook go-nulls: ok",
      "http_post_hook go-nulls: ok",
      "post_hook stream-chunk: ok",
      "http_post_hook after-stream: ok",
    ]);
    // Defaults accept {}; everything else that is not what its types say still panics in .unwrap().
    assert.deepEqual(
      r.cases.filter((c) => c.kind === "malformed" && c.outcome === "ok").map((c) => `${c.hook} ${c.id}`),
      [
        "http_pre_hook empty",
        "pre_hook empty",
        "post_hook empty",
        "http_post_hook empty",
        "http_stream_chunk_hook empty",
      ],
    );
    assert.deepEqual(findings(r, "error"), []);
    const warnings = findings(r, "warning");
    assert.ok(warnings.includes(
      "Traps or breaks the output contract on 15 of 20 malformed inputs (http_pre_hook 3/4, pre_hook 3/4, " +
        "post_hook 3/4, http_post_hook 3/4, http_stream_chunk_hook 3/4), e.g. http_pre_hook on not JSON: " +
        'unreachable executed (an AssemblyScript abort or a Rust panic) in function "rust_panic". What Bifrost does ' +
        "after a trap is not documented (this host re-instantiates the plugin): recognise bad input and answer with " +
        "the hook's error field instead",
    ));
    assert.ok(warnings.some((w) => /^post_hook drops 13 input fields .*extra_fields, error\.is_bifrost_error/.test(w)));
    // The suffixed chunk is the chunk serialised again: what its types do not name is gone.
    assert.deepEqual(r.cases.find((c) => c.id === "stream-chunk")!.dropped, [
      "response.chat_response.system_fingerprint",
    ]);
    // Bifrost runs the LLM hooks for every kind: the chat types reject embeddings, and the post hook replaces other
    // kinds' answers with {"chat_response": null}.
    assert.deepEqual(outcomes(r, "kinds"), [
      "pre_hook responses: ok",
      "pre_hook embedding: trap",
      "pre_hook list-models: ok",
      "post_hook responses-answer: ok",
      "post_hook embedding-answer: ok",
    ]);
    assert.deepEqual(r.cases.find((c) => c.id === "responses-answer")!.dropped, ["response.responses_response"]);
    assert.ok(warnings.some((w) => /^Memory stays bounded only under the "both" free policy/.test(w)));
    assert.ok(
      warnings.some((w) =>
        /^Fails under the "double" free policy: Plugin "hello-world-wasm-rust" trapped in free, the host's second free of init's config buffer \(free policy "double", a probe/
          .test(w)
      ),
      warnings.join("\n"),
    );
    assert.equal(warnings.length, 5, warnings.join("\n"));
  },
});

Deno.test("check: a hook that breaks its contract on the sample is an error; a module Bifrost refuses is reported, not thrown", async () => {
  const broken = abiModule({ name: "broken", outputs: { pre_hook: '{"context":{},"has_short_circuit":true}' } });
  const r = await checkPlugin(broken, { timeoutMs: 0, calls: 20 });
  assert.ok(findings(r, "error").some((e) => /^pre_hook breaks the output contract on a well-formed input/.test(e)));

  const noName = abiModule({ omit: ["get_name"] });
  const refused = await checkPlugin(noName, { timeoutMs: 0 });
  assert.equal(refused.valid, false);
  assert.equal(refused.name, undefined);
  assert.deepEqual(refused.cases, []);
  assert.ok(refused.errors >= 1);
  assert.match(formatCheckReport(refused), /^\(bytes\): \(did not load\), INVALID/);

  const trapsOnAll = abiModule({
    funcs: { pre_hook: { ...EXPORT_SIGNATURES.pre_hook!, body: [op.unreachable] } },
  });
  const traps = await checkPlugin(trapsOnAll, { timeoutMs: 0, calls: 20 });
  assert.ok(findings(traps, "error").some((e) => /^pre_hook traps on a well-formed input/.test(e)));

  const errs = abiModule({ outputs: { pre_hook: '{"context":{},"has_short_circuit":false,"error":"blocked"}' } });
  const blocked = await checkPlugin(errs, { timeoutMs: 0, calls: 20 });
  assert.ok(
    findings(blocked, "error").some((e) =>
      /^pre_hook answers an error on a well-formed input.*: blocked \(Bifrost only logs a pre_hook error /.test(e)
    ),
    findings(blocked, "error").join("\n"),
  );
});

Deno.test("check: --calls too few to judge memory says so, and a plugin whose calls never finish is not called unbounded", async () => {
  const leaky = abiModule({ name: "leaky" }); // bump malloc, no-op free
  const few = await checkPlugin(leaky, { timeoutMs: 0, calls: 2 });
  const text = formatCheckReport(few);
  assert.doesNotMatch(text, /bounded/, text);
  assert.match(text, /^ {2}both {4}too few calls to judge \(\d+ -> \d+ pages in 2 calls\)$/m, text);
  assert.ok(
    findings(few, "info").includes(
      "Too few calls to judge memory: 2 pre_hook calls per free policy, at least 20 are needed",
    ),
  );

  const stuck = abiModule({
    funcs: { pre_hook: { ...EXPORT_SIGNATURES.pre_hook!, body: [op.loop, op.br, 0, op.end, op.unreachable] } },
  });
  const never = await checkPlugin(stuck, { timeoutMs: 150, calls: 20 });
  const memory = findings(never, "warning").concat(findings(never, "error")).filter((m) => /memory/i.test(m));
  assert.ok(
    memory.some((m) => m.startsWith("Memory could not be judged: no pre_hook call finished")),
    memory.join("\n"),
  );
  assert.ok(!memory.some((m) => m.startsWith("Memory is not bounded")), memory.join("\n"));
});
