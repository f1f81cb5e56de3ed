import assert from "node:assert/strict";
import { FixtureRecorder } from "../gateway/fixture_recorder.ts";
import { formatFixtureReport, runFixtures } from "./fixtures.ts";
import { startGateway } from "../gateway/gateway.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { testPlugin } from "../../testing/plugins.ts";

Deno.test("A gateway's recorded hook calls replay as passing fixtures, with secrets redacted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plugin = await testPlugin("hello-world");
    const recorder = new FixtureRecorder(dir, { onError: (m) => assert.fail(m) });
    {
      await using upstream = await startMockUpstream({ port: 0 });
      await using gateway = await startGateway({
        plugins: [{
          name: "hello",
          path: plugin,
          config: { mock_models: ["mock-model"], api_key: "sk-config-secret-1" },
        }],
        upstreamUrl: upstream.url,
        port: 0,
        onHookCall: recorder.record,
      });
      const chat = (model: string, stream = false) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: {
            Authorization: "Bearer sk-live-0123456789",
            "x-api-key": "k-123",
            "content-type": "application/json",
          },
          body: JSON.stringify({
            model: `openai/${model}`,
            messages: [{ role: "user", content: "hi sk-in-the-text-12345" }],
            stream,
          }),
        }).then((r) => r.text());
      await chat("gpt-4o");
      await chat("mock-model");
      await chat("gpt-4o", true);
    }
    const files = (await recorder.flush()).map((p) => p.slice(dir.length + 1));
    assert.deepEqual(files.filter((f) => !f.startsWith("http_stream_chunk_hook/")), [
      "http_pre_hook/0001-post-v1-chat-completions.json",
      "pre_hook/0001-gpt-4o.json",
      "post_hook/0001-gpt-4o.json",
      "http_post_hook/0001-post-v1-chat-completions.json",
      "http_pre_hook/0002-post-v1-chat-completions.json",
      "pre_hook/0002-mock-model.json",
      "post_hook/0002-mock-model.json",
      "http_post_hook/0002-post-v1-chat-completions.json",
      "http_pre_hook/0003-post-v1-chat-completions.json",
      "pre_hook/0003-gpt-4o.json",
      // A stream: the post hook once per chunk (a role chunk, three words, the finish), the HTTP post hook at the end.
      "post_hook/0003-gpt-4o.json",
      "post_hook/0004-gpt-4o.json",
      "post_hook/0005-gpt-4o.json",
      "post_hook/0006-gpt-4o.json",
      "post_hook/0007-gpt-4o.json",
      "http_post_hook/0003-post-v1-chat-completions.json",
    ]);
    assert.ok(files.some((f) => f.startsWith("http_stream_chunk_hook/0001-gpt-4o")), files.join("\n"));

    const text = await Deno.readTextFile(`${dir}/http_pre_hook/0001-post-v1-chat-completions.json`);
    assert.doesNotMatch(text, /sk-live|k-123|sk-config-secret|sk-in-the-text/);
    const fixture = JSON.parse(text);
    assert.equal(fixture.input.request.headers.authorization, "[REDACTED]");
    assert.equal(fixture.input.request.headers["x-api-key"], "[REDACTED]");
    assert.deepEqual(fixture.config, { mock_models: ["mock-model"], api_key: "[REDACTED]" });
    assert.match(atob(fixture.input.request.body), /"content":"hi sk-\[REDACTED\]"/);
    assert.equal(fixture.match, "exact");
    const pre = JSON.parse(await Deno.readTextFile(`${dir}/pre_hook/0001-gpt-4o.json`));
    assert.equal(pre.input.request.input[0].content, "hi sk-[REDACTED]");

    const report = await runFixtures(plugin, dir);
    assert.equal(report.failed, 0, formatFixtureReport(report));
    assert.equal(report.passed, files.length);

    // A second session numbers its files after the ones already there.
    const again = new FixtureRecorder(dir);
    again.record({ plugin: "hello", hook: "pre_hook", config: {}, input: JSON.stringify(pre.input), output: "{}" });
    assert.deepEqual(await again.flush(), [`${dir}/pre_hook/0004-gpt-4o.json`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FixtureRecorder reports a call it cannot write and keeps recording", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const errors: string[] = [];
    const recorder = new FixtureRecorder(dir, { perPlugin: true, onError: (m) => errors.push(m) });
    recorder.record({ plugin: "p", hook: "pre_hook", config: {}, input: "{not json", output: "{}" });
    recorder.record({ plugin: "My Plugin", hook: "post_hook", config: {}, input: '{"context":{}}', output: "{}" });
    assert.deepEqual(await recorder.flush(), [`${dir}/my-plugin/post_hook/0001-call.json`]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^Cannot record a pre_hook call of plugin "p": /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
