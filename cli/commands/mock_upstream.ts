import { BifrostAsError } from "../../lib/errors.ts";
import { startMockUpstream } from "../../lib/mock/mock_upstream.ts";
import { type Command, flag, intOption, runMain, str } from "../command.ts";

export const mockUpstream: Command = {
  name: "mock-upstream",
  summary: "Run a mock OpenAI upstream with deterministic answers and fault injection",
  description: `
Serves POST /v1/chat/completions, /v1/completions and /v1/responses (JSON,
or SSE with "stream": true) answering "Echo: <last user message or prompt>",
POST /v1/embeddings (deterministic vectors, floats or base64), GET
/v1/models and GET /health. Requests are
recorded (GET/DELETE /__mock/requests) and faults injected over HTTP
(POST/DELETE /__mock/fault, e.g. {"status":500,"count":1}, {"drop":true},
{"delayMs":2000}, {"streamErrorAfterChunks":2}, {"streamIntervalMs":50},
optionally with "model"). Models fail-<status>, fail-drop, slow-<ms>,
fail-stream-<n> and slow-stream-<ms> fault without setup. A recorded
streamed request tells how far its stream went ("stream": events, sent,
ended). Prints the base URL (without /v1) on stdout, then runs until
SIGINT/SIGTERM.`,
  options: {
    port: { type: "string", arg: "PORT", description: "Port to listen on, 0 for a free one", default: "8081" },
    host: {
      type: "string",
      arg: "HOST",
      description: "Address to listen on (0.0.0.0 to be reachable from containers)",
      default: "127.0.0.1",
    },
    json: { type: "boolean", description: "Print {url, port, hostname} as one JSON line instead of the URL" },
  },
  examples: [
    "bifrost-as mock-upstream",
    "bifrost-as mock-upstream --port 0 --json",
    "bifrost-as mock-upstream --host 0.0.0.0 --port 8081",
    `curl -X POST localhost:8081/__mock/fault -d '{"status":503,"count":2}'`,
  ],
  async run(input) {
    const { io } = input;
    const listenPort = intOption(input, "port", 0, 65535)!;
    const hostname = str(input, "host")!;
    let server;
    try {
      server = await startMockUpstream({ port: listenPort, hostname, signal: input.signal });
    } catch (e) {
      if (input.signal.aborted) return 0;
      const why = e instanceof Deno.errors.AddrInUse ? "address already in use" : (e as Error).message;
      throw new BifrostAsError(`Cannot listen on "${hostname}:${listenPort}": ${why}`, { cause: e });
    }
    if (flag(input, "json")) io.out(JSON.stringify({ url: server.url, port: server.port, hostname }));
    else io.out(server.url);
    io.err(`Mock OpenAI upstream listening on ${server.url} (Ctrl-C to stop)`);
    await server.finished;
    io.err("Mock OpenAI upstream stopped");
  },
};

// The mock's container runs this file alone (lib/mock/files.ts lists what it needs).
if (import.meta.main) await runMain(mockUpstream, "bifrost-as");
