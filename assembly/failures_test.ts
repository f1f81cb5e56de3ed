// A hook that fails passes its input through as the host sent it, byte for byte, whatever the hook had changed in
// the views its output passes on (the context, a stream chunk, an error) or set on its output: through the failing
// test plugin (testdata/plugins/failing.ts), which edits everything, then reads a field of the wrong type.
import assert from "node:assert/strict";
import { PluginHost } from "../lib/host/host.ts";
import { testPlugin } from "../testing/plugins.ts";

type Json = Record<string, unknown>;

/** A context as the host sends it (spacing and key order kept, so the output must copy it, not rebuild it). */
const context = (extra = "") => `{"request-id": "r1", "drop": 1, "keep": [1, {"a": null}]${extra}}`;
const FAIL = `, "fail": "after the edits"`;
const REPLACE = `, "replace": true`;
const REQUEST =
  `{"method": "POST", "path": "/v1/chat/completions", "headers": {"X": "y"}, "query": null, "body": null}`;
const RESPONSE = `{"status_code": 200, "headers": null, "body": "e30="}`;
const CHAT = `{"provider": "openai", "model": "gpt-4o", "input": [{"role": "user", "content": "hi"}]}`;
const ANSWER = `{"chat_response": {"id": "a", "model": "gpt-4o", "choices": [], "extra": 1.50}}`;
const CHUNK = `{"id": "c1", "drop": true, "choices": [{"index": 0, "delta": {"content": "x"}}], "usage": null}`;
const ERROR = `{"error": {"message": "upstream down", "type": "server_error"}, "status_code": 502, "x": [1]}`;

interface Case {
  hook: "http_pre_hook" | "http_post_hook" | "http_stream_chunk_hook" | "pre_hook" | "post_hook";
  /** The input with the context in place of `CTX`. */
  input: string;
  /** The exact output of the failed hook, with the context as sent in place of `CTX` and its error as `ERR`. */
  failed: string;
  /** Checks that the hook edited (and, with `replace`, replaced) what its output passes on when it did not fail. */
  edited: (output: Json, replace: boolean) => void;
}

const CASES: Case[] = [
  {
    hook: "http_pre_hook",
    input: `{"context": CTX, "request": ${REQUEST}}`,
    failed: `{"context":CTX,"request":null,"response":null,"has_response":false,"error":ERR}`,
    edited: (o, replace) => {
      assert.equal((o.request as Json).path, "/edited");
      assert.equal(o.has_response, replace);
    },
  },
  {
    hook: "http_post_hook",
    input: `{"context": CTX, "request": ${REQUEST}, "response": ${RESPONSE}}`,
    failed: `{"context":CTX,"response":null,"error":ERR}`,
    edited: (o) => assert.equal((o.response as Json).status_code, 599),
  },
  {
    hook: "http_stream_chunk_hook",
    input: `{"context": CTX, "request": ${REQUEST}, "chunk": ${CHUNK}}`,
    failed: `{"context":CTX,"chunk":${CHUNK},"has_chunk":true,"skip":false,"error":ERR}`,
    edited: (o, replace) =>
      assert.deepEqual([(o.chunk as Json | null)?.id, o.skip], replace ? [undefined, true] : ["edited", false]),
  },
  {
    hook: "pre_hook",
    input: `{"context": CTX, "request": ${CHAT}}`,
    failed: `{"context":CTX,"request":null,"short_circuit":null,"has_short_circuit":false,"error":ERR}`,
    edited: (o, replace) => {
      assert.equal((o.request as Json).model, "edited");
      assert.equal(o.has_short_circuit, replace);
    },
  },
  {
    hook: "post_hook",
    input: `{"context": CTX, "response": null, "error": ${ERROR}, "has_error": true}`,
    failed: `{"context":CTX,"response":null,"error":${ERROR},"has_error":true,"hook_error":ERR}`,
    edited: (o, replace) => {
      assert.equal(((o.error as Json).error as Json).message, "edited");
      assert.equal(o.has_error, !replace);
    },
  },
  {
    hook: "post_hook",
    input: `{"context": CTX, "response": ${ANSWER}, "error": null, "has_error": false}`,
    failed: `{"context":CTX,"response":null,"error":null,"has_error":false,"hook_error":ERR}`,
    edited: (o, replace) => {
      assert.equal(((o.response as Json).chat_response as Json).model, "edited");
      assert.equal(o.has_error, replace);
    },
  },
];

const plugin = await testPlugin("failing");

for (const c of CASES) {
  for (const replace of [false, true]) {
    const what = `${c.hook} ${c.input.includes('"has_error": true') ? "(an error) " : ""}${
      replace ? "that also replaced its outputs" : "that edited its input's views in place"
    }`;
    Deno.test(`SDK hooks: a failed ${what} passes its input through exactly as sent`, async () => {
      const host = await PluginHost.load(plugin);
      try {
        const extra = replace ? REPLACE : "";
        // Not failing: the edits are there (so the failure below has something to undo).
        const done = await host.call(c.hook, c.input.replace("CTX", context(extra)));
        const output = done.output as Json;
        assert.equal(c.hook === "post_hook" ? output.hook_error : output.error, "");
        assert.deepEqual(output.context, {
          "request-id": "changed",
          keep: [1, { a: null }],
          ...(replace ? { replace: true } : {}),
          edited: true,
        });
        c.edited(output, replace);
        // Failing after the same edits: the input as it came.
        const sent = context(extra + FAIL);
        const failed = await host.call(c.hook, c.input.replace("CTX", sent));
        const error = JSON.stringify(`invalid ${c.hook} input: context.fail: expected number, found string`);
        assert.equal(failed.raw, c.failed.replace("CTX", sent).replace("ERR", error));
      } finally {
        host.close();
      }
    });
  }
}
