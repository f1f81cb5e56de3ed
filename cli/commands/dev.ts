import { readBifrostConfig, writeBifrostConfig } from "../../lib/config/bifrost_config.ts";
import { gatewayInputs, HOOK_TIMEOUT_ENV, startDev } from "../../lib/gateway/dev.ts";
import { formatRequestLine } from "../../lib/gateway/gateway.ts";
import { startRealBifrost } from "../../lib/gateway/real_bifrost.ts";
import { FixtureRecorder } from "../../lib/gateway/fixture_recorder.ts";
import { ListenError, UsageError } from "../../lib/errors.ts";
import { tempFolder } from "../../lib/internal/fs.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../../lib/host/types.ts";
import { type Command, flag, intOption, str } from "../command.ts";
import {
  engineOption,
  freePolicyOption,
  givenTimeoutOption,
  hostOptionSpecs,
  maxPagesOption,
} from "../host_options.ts";

/**
 * Bifrost's server (fasthttp) reads requests without a time limit; dev bounds them generously, as fasthttp
 * users do, so a slow or stalled client cannot hold a connection for ever.
 */
const DEFAULT_READ_TIMEOUT_S = 60;

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

Each plugin's memory is capped at --max-pages (16384, 1 GiB, when not
given): a request needing more fails with 500 and the plugin starts afresh,
as it does after a request that grew it past 256 MiB. A request must arrive
within --read-timeout; a busy port fails at once.

With --plugin instead of --config, a config enabling that one plugin is
written to a temporary folder first (removed when dev stops).

With --gateway bifrost, the plugins run in a real, open-source Bifrost HTTP
server through bifrost-as's WASM loader (build both first with 'deno task
bifrost:build'; see the README's "Against a real Bifrost"): same flags and
output, without --record or plugin reloading (restart to pick up a new
.wasm), free policies both, input or none.

With --record DIR, every hook call becomes a fixture (the input, the
plugin's config and output, match "exact") in DIR/<hook>/NNNN-<model>.json,
or DIR/<plugin>/<hook>/... with several plugins, so real traffic becomes
regression tests for 'bifrost-as test'. Secrets are redacted: Authorization,
api-key and x-api-key headers, cookie, password and token fields, and
key-like strings (sk-..., Bearer ..., cloud and chat-service keys, JWTs).

Each request is logged to stderr once answered, one line: method, path,
status, latency, the hooks that ran (by plugin) and any short-circuit, e.g.
"POST /v1/chat/completions 429 1.3 ms · hooks: guard (http_pre_hook, pre_hook)
· short-circuit: guard pre_hook: error 429". --quiet silences these lines.`,
  options: {
    config: { type: "string", arg: "FILE", description: "Bifrost config.json" },
    plugin: {
      type: "string",
      arg: "FILE",
      description: "A .wasm to run without a config (writes a temporary config.json)",
    },
    port: { type: "string", arg: "PORT", description: "Port to listen on, 0 for a free one", default: "8080" },
    host: { type: "string", arg: "HOST", description: "Address to listen on", default: "127.0.0.1" },
    upstream: { type: "string", arg: "URL", description: "OpenAI-compatible upstream to call instead of a mock" },
    "use-config-upstream": {
      type: "boolean",
      description: "Call the config's openai base_url, as Bifrost does, instead of a mock",
    },
    ...hostOptionSpecs("free-policy", "engine", "hook-timeout", "max-pages"),
    "read-timeout": {
      type: "string",
      arg: "SECONDS",
      description: "Most a request may take to arrive, header and body (408 past it); 0: none",
      default: String(DEFAULT_READ_TIMEOUT_S),
    },
    "idle-timeout": {
      type: "string",
      arg: "SECONDS",
      description: "Most a kept-alive connection may wait for its next request; 0: none (default: --read-timeout)",
    },
    "no-watch": { type: "boolean", description: "Do not reload plugins when their .wasm changes" },
    record: { type: "string", arg: "DIR", description: "Save every hook call as a fixture in DIR, secrets redacted" },
    quiet: { type: "boolean", short: "q", description: "Do not log a line per request" },
    gateway: {
      type: "string",
      arg: "G",
      description: "local (the conformance host) or bifrost (a real Bifrost built by 'deno task bifrost:build')",
      default: "local",
    },
    json: { type: "boolean", description: "Print {url, upstream, plugins} as one JSON line" },
  },
  examples: [
    "bifrost-as dev --plugin build/hello-world.wasm",
    "bifrost-as dev --config build/e2e/config.json --port 8080",
    "bifrost-as dev --config /app/data/config.json --host 0.0.0.0 --use-config-upstream",
    `curl localhost:8080/v1/chat/completions -d '{"model":"openai/mock-model","messages":[{"role":"user","content":"hi"}]}'`,
    "bifrost-as dev --plugin build/my-plugin.wasm --record fixtures/recorded",
    "bifrost-as dev --plugin build/my-plugin.wasm --engine wazero --hook-timeout 2000",
    "bifrost-as dev --gateway bifrost --plugin build/hello-world.wasm --port 0 --json",
  ],
  fields: { upstreamUrl: "--upstream" },
  async run(input) {
    const { io } = input;
    const listenPort = intOption(input, "port", 0, 65535)!;
    const policy = freePolicyOption(input);
    const hookTimeoutMs = givenTimeoutOption(input);
    const engine = engineOption(input);
    // Unset: the gateway's cap, 1 GiB.
    const maxPages = maxPagesOption(input);
    const readTimeoutMs = intOption(input, "read-timeout", 0, 86_400)! * 1000;
    const idleTimeout = intOption(input, "idle-timeout", 0, 86_400);
    let configPath = str(input, "config");
    const plugin = str(input, "plugin");
    if (!configPath === !plugin) throw new UsageError("Give exactly one of --config FILE or --plugin FILE");
    // Not under the working folder, which may not be writable.
    await using temp = plugin ? await tempFolder("bifrost-as-dev-") : undefined;
    if (plugin && temp) {
      const dir = temp.path;
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
    const gatewayKind = str(input, "gateway")!;
    if (gatewayKind !== "local" && gatewayKind !== "bifrost") {
      throw new UsageError(`Invalid --gateway "${gatewayKind}": expected local or bifrost`);
    }
    if (gatewayKind === "bifrost") {
      if (str(input, "record") !== undefined) throw new UsageError("--record needs --gateway local");
      if (policy === "double") throw new UsageError("--free-policy double needs --gateway local");
      const server = await startRealBifrost({
        configPath: configPath!,
        buildDir: `${Deno.cwd()}/build/bifrost`,
        port: listenPort,
        hostname,
        useConfigUpstream,
        freePolicy: policy,
        onLog: (line) => io.err(line),
        ...(upstream ? { upstreamUrl: upstream } : {}),
      });
      try {
        const b = server.build;
        if (flag(input, "json")) {
          io.out(JSON.stringify({
            url: server.url,
            upstream: server.upstreamUrl,
            plugins: server.plugins,
            gateway: "bifrost",
            bifrost: { version: b.version, core: b.core, source: b.source },
          }));
        } else {
          io.out(server.url);
        }
        io.err(
          `Bifrost ${b.version} on ${server.url} with WASM plugins [${server.plugins.join(", ")}], ` +
            `upstream ${server.upstreamUrl}${server.upstream ? " (mock)" : ""} (Ctrl-C to stop)`,
        );
        await new Promise<void>((resolve) => {
          if (input.signal.aborted) resolve();
          input.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      } finally {
        await server.close();
        io.err("Bifrost stopped");
      }
      return;
    }
    const recordDir = str(input, "record");
    let recorder: FixtureRecorder | undefined;
    if (recordDir !== undefined) {
      const { plugins } = gatewayInputs(await readBifrostConfig(configPath!));
      const enabled = plugins.filter((p) => p.enabled !== false).length;
      recorder = new FixtureRecorder(recordDir, { perPlugin: enabled > 1, onError: (m) => io.err(m) });
    }
    const running = await listening(startDev({
      configPath: configPath!,
      port: listenPort,
      hostname,
      useConfigUpstream,
      watch: !flag(input, "no-watch"),
      host: {
        freePolicy: policy,
        engine,
        ...(maxPages === undefined ? {} : { maxMemoryPages: maxPages }),
      },
      ...(hookTimeoutMs === undefined ? {} : { hookTimeoutMs }),
      readTimeoutMs,
      ...(idleTimeout === undefined ? {} : { idleTimeoutMs: idleTimeout * 1000 }),
      onLog: (line) => io.err(line),
      ...(flag(input, "quiet") ? {} : { onRequest: (e) => io.err(formatRequestLine(e)) }),
      ...(upstream ? { upstreamUrl: upstream } : {}),
      ...(recorder ? { onHookCall: recorder.record } : {}),
    }));
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

/** A busy port names the flag that changes it. */
async function listening<T>(started: Promise<T>): Promise<T> {
  try {
    return await started;
  } catch (e) {
    if (e instanceof ListenError && e.code === "AddrInUse") {
      throw new ListenError(`${e.message} (use --port)`, e.code, { cause: e });
    }
    throw e;
  }
}
