/**
 * `deno task bifrost:compare`: real Bifrost as the referee of the local
 * gateway. Starts both (the real one built by `deno task bifrost:build`)
 * with the behaviours test plugin, sends every action it knows
 * (`testdata/plugins/behaviours.ts`) on chat completions and the Responses
 * API, streamed and not, and prints for each whether the two answered the
 * same: status, the `x-seen-added` header, and the body with the fields that
 * differ on every run (ids, times, latency, usage, `extra_fields`) left
 * out, JSON compared by value and SSE event by event. A difference is
 * printed with both answers; the last line counts them. A report, not a
 * test: it exits 0 whatever it finds (1 when it cannot run).
 *
 * @module
 */
import { writeBifrostConfig } from "../lib/config/bifrost_config.ts";
import { startDev } from "../lib/gateway/dev.ts";
import { startRealBifrost } from "../lib/gateway/real_bifrost.ts";
import { type Command, type CommandInput, runMain, str } from "../cli/command.ts";
import { testPlugin } from "../testing/plugins.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** `deno task bifrost:compare`. */
export const bifrostCompareScript: Command = {
  name: "deno task bifrost:compare",
  summary: "The local gateway and a real Bifrost side by side on every behaviour of the behaviours test plugin",
  description: `
Sends the behaviours test plugin's every action through the local gateway and through a real Bifrost
(built by 'deno task bifrost:build'), on chat completions and the Responses API, streamed and not,
and prints SAME or DIFF for each, with both answers when they differ.`,
  options: {
    filter: { type: "string", arg: "TEXT", description: "Only the actions whose name contains TEXT" },
  },
  run: main,
};

const ACTIONS = [
  "",
  "http-error",
  "http-respond",
  "change-path",
  "add-header",
  "replace-body",
  "skip-chunks",
  "end-stream",
  "chat-answer",
  "whole-answer",
  "pre-error",
  "pre-error-reject",
  "chunk-error",
  "warn-chunk",
  "post-error",
];

/** Fields that differ from run to run or between the two by design, left out of the comparison. */
const VOLATILE = new Set([
  "id",
  "created",
  "created_at",
  "completed_at",
  "extra_fields",
  "system_fingerprint",
  "latency",
  "sequence_number",
  "item_id",
  "output_index",
  "content_index",
  "usage",
  "logprobs",
  "obfuscation",
]);

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (VOLATILE.has(k) || x === null || x === "") continue;
    out[k] = canonical(x);
  }
  return out;
}

function jsonText(text: string): string {
  try {
    return JSON.stringify(canonical(JSON.parse(text)));
  } catch {
    return text;
  }
}

/** The body compared: JSON by value, SSE event by event (`event: x|data: {...}`). */
function normalise(body: string): string {
  if (!body.includes("data: ")) return jsonText(body);
  return body.split("\n\n").filter((e) => e.trim() !== "").map((e) =>
    e.split("\n").map((l) => l.startsWith("data: ") ? `data: ${jsonText(l.slice(6))}` : l).join("|")
  ).join("\n    ");
}

async function answer(base: string, path: string, action: string, stream: boolean): Promise<string> {
  const body = path === "/v1/responses"
    ? { model: "openai/gpt-4o", input: "are you there", stream }
    : { model: "openai/gpt-4o", messages: [{ role: "user", content: "are you there" }], stream };
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(action ? { "x-test-action": action } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const seen = res.headers.get("x-seen-added");
  return `${res.status}${seen ? ` x-seen-added=${seen}` : ""} ${normalise(await res.text())}`;
}

async function main(input: CommandInput): Promise<number> {
  const filter = str(input, "filter") ?? "";
  const dir = `${ROOT}/build/compare`;
  await writeBifrostConfig(dir, {
    upstreamUrl: "http://127.0.0.1:1",
    plugins: [{ name: "behaviours", path: await testPlugin("behaviours") }],
  });
  const logs: string[] = [];
  const local = await startDev({ configPath: `${dir}/config.json`, port: 0, watch: false, onLog: (l) => logs.push(l) });
  try {
    const real = await startRealBifrost({ configPath: `${dir}/config.json`, buildDir: `${ROOT}/build/bifrost` });
    try {
      console.log(`local gateway ${local.gateway.url} against Bifrost ${real.build.version} (core ${real.build.core})`);
      let same = 0, differ = 0;
      for (const path of ["/v1/chat/completions", "/v1/responses"]) {
        for (const action of ACTIONS.filter((a) => a.includes(filter))) {
          for (const stream of [false, true]) {
            const [l, b] = [
              await answer(local.gateway.url, path, action, stream),
              await answer(real.url, path, action, stream),
            ];
            const label = `${path} ${action || "(no action)"}${stream ? " streamed" : ""}`;
            if (l === b) {
              same++;
              console.log(`SAME ${label}`);
            } else {
              differ++;
              console.log(`DIFF ${label}\n  local:   ${l}\n  bifrost: ${b}`);
            }
          }
        }
      }
      console.log(`${same} same, ${differ} different`);
    } finally {
      await real.close();
    }
  } finally {
    await local.close();
  }
  return 0;
}

if (import.meta.main) await runMain(bifrostCompareScript);
