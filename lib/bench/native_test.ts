// The native twin is the fuzzer's reference model: it must answer exactly what hello-world answers.
import assert from "node:assert/strict";
import type { HookName } from "../abi/abi.ts";
import { PluginHost } from "../host/host.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { BENCH_INPUTS } from "./inputs.ts";
import { jsonDiff } from "../internal/json_diff.ts";
import { helloWorldOutput, nativeHook } from "./native.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/hello_world/${name}.json`, import.meta.url));

const CASES: [HookName, string][] = [
  ["http_pre_hook", fixture("http_pre_hook")],
  ["http_intercept", fixture("http_pre_hook")],
  ["http_stream_chunk_hook", fixture("stream_chunk")],
  ["pre_hook", fixture("pre_hook_rich")],
  ["post_hook", fixture("post_hook_rich")],
  ["post_hook", fixture("post_hook_error")],
  ["post_hook", '{"context":{},"response":{"chat_response":{}},"has_error":false}'],
  ["post_hook", '{"context":null,"error":{"error":null},"has_error":true}'],
  ["pre_hook", '{"context":{"request-id":"go-key"},"request":{"model":"mock-model"}}'],
  ["pre_hook", '{"context":{"request_id":"r9"},"request":{"model":"rate-limited-model"}}'],
  // A streamed request's mock: one chunk of the stream's own shape, for each kind with text.
  ...["chat_completion_stream", "text_completion_stream", "responses_stream"].map((type): [HookName, string] => [
    "pre_hook",
    `{"context":{"request-id":"s1","bifrost-http-request-type":"${type}"},"request":{"model":"mock-model"}}`,
  ]),
  [
    "http_post_hook",
    '{"context":{"a":1},"request":{"method":"POST","path":"/","headers":null,"query":null,"body":null},' +
    '"response":{"status_code":200,"headers":{},"body":"e30="}}',
  ],
  ...BENCH_INPUTS.map((i): [HookName, string] => [i.hook, i.text]),
];

Deno.test("helloWorldOutput() answers what hello-world answers, JSON-equal, on fixtures and bench inputs", async () => {
  const host = await PluginHost.load(await testPlugin("hello-world"));
  try {
    for (const [hook, text] of CASES) {
      const { output } = await host.call(hook, text);
      assert.equal(jsonDiff(helloWorldOutput(hook, JSON.parse(text)), output), undefined, `${hook} on ${text}`);
    }
  } finally {
    host.close();
  }
});

Deno.test("nativeHook() suffixes the model of a post_hook response and keeps its other fields", () => {
  const out = JSON.parse(nativeHook("post_hook", fixture("post_hook_rich")));
  assert.equal(out.response.chat_response.model, "gpt-4o (via assemblyscript-wasm)");
  assert.equal(out.response.chat_response.system_fingerprint, "fp_abc");
  assert.equal(out.context.post_hook_completed, true);
  assert.equal(out.error, null);
});
