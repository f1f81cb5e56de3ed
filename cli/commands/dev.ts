import { readBifrostConfig, writeBifrostConfig } from "../../lib/config/bifrost_config.ts";
import { gatewayInputs, HOOK_TIMEOUT_ENV, startDev } from "../../lib/gateway/dev.ts";
import { FixtureRecorder } from "../../lib/gateway/fixture_recorder.ts";
import { UsageError } from "../../lib/errors.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../../lib/host/types.ts";
import { type Command, flag, intOption, str } from "../command.ts";
import { engineOption, freePolicyOption, givenTimeoutOption, hostOptionSpecs } from "../host_options.ts";

export const dev: Command = {
  name: "dev",
  summary: "Run a local Bifrost-compatible gateway with your plugins (and a mock upstream)",
  description: `
Reads a Bifrost config.json (the same file a real Bifrost reads), loads every
enabled plugin into the conformance host in array order, and serves the
routes an OpenAI client uses on the given port and host: POST
/v1/chat/completions, /v1/completions, /v1/responses (JSON or SSE),
/v1/embeddings and GET /v1/models, with models written "provider/model",
and the same under /openai and /openai/v1 (Bifrost's drop-in prefix, where
a bare model means openai).
Unless --upstream or --use-config-upstream is given, a mock OpenAI upstream
is started and used instead of the config's openai base_url. Plugins reload
when their .wasm changes. In a container, listen with --host 0.0.0.0.

Each hook call, and each load of a plugin (a reload too), has a deadline
(--hook-timeout, or the ${HOOK_TIMEOUT_ENV} environment variable, default
${DEFAULT_HOOK_TIMEOUT_MS} ms): the plugin runs in a child process (V8) or in the
wazero engine (--engine wazero, Bifrost's runtime), so a hook that spins
fails its request with a 500 in Bifrost's error shape naming the plugin
and the hook, the plugin is re-instantiated, and the gateway goes on
answering other requests and /health meanwhile. --hook-timeout 0 runs V8
plugins in the gateway's own thread, with no deadline: a hook call then
costs a few µs of host instead of a few hundred through the child
process's pipe, but a hook that never returns stops the whole gateway.

With --plugin instead of --config, a config enabling that one plugin is
written to build/dev/ first.

With --record DIR, every hook call becomes a fixture (the input, the
plugin's config and output, match "exact") in DIR/<hook>/NNNN-<model>.json,
or DIR/<plugin>/<hook>/... with several plugins, so real traffic becomes
regression tests for 'bifrost-as test'. Secrets are redacted: Authorization,
api-key and x-api-key headers, cookie, password and token fields, and
key-like strings (sk-..., Bearer ..., cloud and chat-service keys, JWTs).`,
  options: {
    config: { type: "string", arg: "FILE", description: "Bifrost config.json" },
    plugin: {
      type: "string",
      arg: "FILE",
      description: "A .wasm to run without a config (writes build/dev/config.json)",
    },
    port: { type: "string", arg: "PORT", description: "Port to listen on, 0 for a free one", default: "8080" },
    host: { type: "string", arg: "HOST", description: "Address to listen on", default: "127.0.0.1" },
    upstream: { type: "string", arg: "URL", description: "OpenAI-compatible upstream to call instead of a mock" },
    "use-config-upstream": {
      type: "boolean",
      description: "Call the config's openai base_url, as Bifrost does, instead of a mock",
    },
    ...hostOptionSpecs("free-policy", "engine", "hook-timeout"),
    "no-watch": { type: "boolean", description: "Do not reload plugins when their .wasm changes" },
    record: { type: "string", arg: "DIR", description: "Save every hook call as a fixture in DIR, secrets redacted" },
    json: { type: "boolean", description: "Print {url, upstream, plugins} as one JSON line" },
  },
  examples: [
    "bifrost-as dev --plugin build/hello-world.wasm",
    "bifrost-as dev --config build/e2e/config.json --port 8080",
    "bifrost-as dev --config /app/data/config.json --host 0.0.0.0 --use-config-upstream",
    `curl localhost:8080/v1/chat/completions -d '{"model":"openai/mock-model","messages":[{"role":"user","content":"hi"}]}'`,
    "bifrost-as dev --plugin build/my-plugin.wasm --record fixtures/recorded",
    "bifrost-as dev --plugin build/my-plugin.wasm --engine wazero --hook-timeout 2000",
  ],
  async run(input) {
    const { io } = input;
    const listenPort = intOption(input, "port", 0, 65535)!;
    const policy = freePolicyOption(input);
    const hookTimeoutMs = givenTimeoutOption(input);
    const engine = engineOption(input);
    let configPath = str(input, "config");
    const plugin = str(input, "plugin");
    if (!configPath === !plugin) throw new UsageError("Give exactly one of --config FILE or --plugin FILE");
    if (plugin) {
      const dir = `${Deno.cwd()}/build/dev`;
      const abs = plugin.startsWith("/") ? plugin : `${Deno.cwd()}/${plugin}`;
      const written = await writeBifrostConfig(dir, {
        upstreamUrl: "http://127.0.0.1:8081",
        appDir: dir,
        plugins: [{ path: abs, name: abs.replace(/^.*\//, "").replace(/\.wasm$/, "") }],
      });
      configPath = written.configPath;
    }
    const upstream = str(input, "upstream");
    const useConfigUpstream = flag(input, "use-config-upstream");
    if (upstream && useConfigUpstream) throw new UsageError("Give either --upstream or --use-config-upstream");
    const hostname = str(input, "host")!;
    if (!/^[A-Za-z0-9.:-]+$/.test(hostname)) {
      throw new UsageError(`Invalid --host "${hostname}": expected an IP address or host name`);
    }
    const recordDir = str(input, "record");
    let recorder: FixtureRecorder | undefined;
    if (recordDir !== undefined) {
      const { plugins } = gatewayInputs(await readBifrostConfig(configPath!));
      const enabled = plugins.filter((p) => p.enabled !== false).length;
      recorder = new FixtureRecorder(recordDir, { perPlugin: enabled > 1, onError: (m) => io.err(m) });
    }
    const running = await startDev({
      configPath: configPath!,
      port: listenPort,
      hostname,
      useConfigUpstream,
      watch: !flag(input, "no-watch"),
      host: { freePolicy: policy, engine },
      ...(hookTimeoutMs === undefined ? {} : { hookTimeoutMs }),
      onLog: (line) => io.err(line),
      ...(upstream ? { upstreamUrl: upstream } : {}),
      ...(recorder ? { onHookCall: recorder.record } : {}),
    });
    try {
      const upstreamUrl = running.upstreamUrl;
      if (flag(input, "json")) {
        io.out(JSON.stringify({ url: running.gateway.url, upstream: upstreamUrl, plugins: running.gateway.plugins }));
      } else {
        io.out(running.gateway.url);
      }
      io.err(
        `Gateway on ${running.gateway.url} with plugins [${running.gateway.plugins.join(", ")}], ` +
          `upstream ${upstreamUrl}${running.upstream ? " (mock)" : ""} (Ctrl-C to stop)`,
      );
      if (recorder) io.err(`Recording every hook call as a fixture in ${recordDir} (secrets redacted)`);
      await new Promise<void>((resolve) => {
        if (input.signal.aborted) resolve();
        input.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      await running.close();
      io.err("Gateway stopped");
      if (recorder) {
        const files = await recorder.flush();
        io.err(`Recorded ${files.length} fixture${files.length === 1 ? "" : "s"} in ${recordDir}`);
      }
    }
  },
};
