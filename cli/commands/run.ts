import { HOOK_NAMES, type HookName } from "../../lib/abi/abi.ts";
import { UsageError } from "../../lib/errors.ts";
import type { CallStats, HookCall, HostOptions } from "../../lib/host/types.ts";
import { checkFreePolicies, formatPolicyResult, PluginHost } from "../../lib/host/host.ts";
import {
  diffAgainstExpect,
  type Fixture,
  fixtureInputText,
  looksLikeFixture,
  parseFixture,
} from "../../lib/project/fixtures.ts";
import { parseLossless } from "../../lib/internal/lossless_json.ts";
import type { BifrostChatResponse, HookInputOf } from "../../lib/abi/hook_types.ts";
import { type Command, type CommandInput, flag, intOption, printJson, requireFile, str } from "../command.ts";
import {
  engineOption,
  freePolicyOption,
  hostOptionSpecs,
  maxPagesOption,
  pluginConfigOption,
  timeoutOption,
} from "../host_options.ts";

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const CONTEXT = { request_id: "bifrost-as-run" };
const HTTP_REQUEST = {
  method: "POST",
  path: "/v1/chat/completions",
  headers: { "Content-Type": "application/json" },
  query: {},
  body: base64('{"model":"openai/gpt-4o","messages":[{"role":"user","content":"Hello"}]}'),
};
const CHAT_RESPONSE: BifrostChatResponse = {
  id: "chatcmpl-1",
  object: "chat.completion",
  model: "gpt-4o",
  created: 1700000000,
  choices: [{ index: 0, message: { role: "assistant", content: "Hi!" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

/** What each hook gets when no --input is given: the shapes of Bifrost's Rust example. */
const SAMPLE_INPUTS: { [H in HookName]: HookInputOf<H> } = {
  http_intercept: { context: CONTEXT, request: HTTP_REQUEST },
  http_pre_hook: { context: CONTEXT, request: HTTP_REQUEST },
  http_post_hook: {
    context: CONTEXT,
    request: HTTP_REQUEST,
    response: {
      status_code: 200,
      headers: { "Content-Type": "application/json" },
      body: base64(JSON.stringify(CHAT_RESPONSE)),
    },
  },
  http_stream_chunk_hook: {
    context: CONTEXT,
    request: HTTP_REQUEST,
    chunk: {
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      model: "gpt-4o",
      choices: [{ index: 0, delta: { content: "Hel" } }],
    },
  },
  pre_hook: {
    context: CONTEXT,
    request: {
      provider: "openai",
      model: "gpt-4o",
      input: [{ role: "user", content: "Hello" }],
      params: { temperature: 0.7 },
    },
  },
  post_hook: { context: CONTEXT, response: { chat_response: CHAT_RESPONSE }, error: null, has_error: false },
};

export const run: Command = {
  name: "run",
  summary: "Call one hook of a .wasm plugin through the conformance host and print its output",
  description: `
Loads the plugin as Bifrost would (WASI only, init with --config, get_name),
calls <hook> with the input and prints the output JSON exactly as the plugin
returned it. Plugin logs and host notes go to stderr. Strict by default: a 0
return or an output that breaks the hook's contract fails the run.

--engine wazero runs the plugin in wazero, the Go runtime Bifrost runs
plugins on, instead of V8; the output is checked the same way. Each call
and the load have a deadline (--hook-timeout): past it the call fails and
the plugin is re-instantiated.

Without --input, a sample input of the hook is used. --input also takes a
fixture file ({"input", "config"?, "expect"?, "match"?}, as 'bifrost-as
test' runs): its input is sent, its config given to init (unless --config),
and the output's diff against its expect goes to stderr. With --repeat, the hook
is called N times and timing (min/median/p99 of the time spent in the plugin),
calls per second and memory go to stderr. --check-free runs the repeated calls
under every free policy (both, input, none, double) and reports where memory
stays bounded.

Each call has a time budget (--timeout, 10 s by default), for which the
plugin runs in a child process; --timeout 0 runs it in this thread, without
one, which is what timing with --repeat wants.

Exits 1 when the plugin traps, runs out of time or memory, or breaks the
contract, when the output carries an error (its "error" field, "hook_error"
for post_hook), or when it differs from a fixture's expect; 2 for usage
errors.`,
  positionals: [
    { name: "plugin.wasm", description: "The plugin module" },
    { name: "hook", description: `One of ${HOOK_NAMES.join(", ")}` },
  ],
  options: {
    input: {
      type: "string",
      short: "i",
      arg: "FILE",
      description: "Hook input JSON file, a fixture file, or - for stdin",
    },
    ...hostOptionSpecs("config", "free-policy", "engine", "hook-timeout", "max-pages"),
    repeat: { type: "string", short: "n", arg: "N", description: "Call the hook N times and report timing" },
    "no-strict": { type: "boolean", description: "Treat a 0 return as pass-through; log contract violations" },
    "check-free": { type: "boolean", description: "Check memory stays bounded under every free policy" },
    json: { type: "boolean", description: "Print output, stats and timing as one JSON object" },
  },
  examples: [
    "bifrost-as run build/hello-world.wasm pre_hook",
    "bifrost-as run build/hello-world.wasm post_hook --input testdata/hello_world/post_hook_error.json",
    "bifrost-as run build/hello-world.wasm pre_hook --input fixtures/pre_hook/mock_model.json",
    `echo '{"context":{},"request":{"model":"mock-model"}}' | bifrost-as run build/hello-world.wasm pre_hook -i -`,
    `bifrost-as run plugin.wasm pre_hook --config '{"mock_models":["m1"]}' --repeat 10000 --hook-timeout 0`,
    "bifrost-as run plugin.wasm http_pre_hook --hook-timeout 100 --max-pages 64 --json",
    "bifrost-as run build/hello-world.wasm pre_hook --engine wazero",
    "bifrost-as run plugin.wasm pre_hook --check-free",
  ],
  async run(input) {
    const { io } = input;
    const [path, hookArg] = input.positionals as [string, string];
    const hook = HOOK_NAMES.find((h) => h === hookArg);
    if (!hook) throw new UsageError(`Unknown hook "${hookArg}": expected ${HOOK_NAMES.join(", ")}`);
    const { text, fixture } = await readInput(input, hook);
    const options = await hostOptions(input, fixture?.config);
    const repeat = intOption(input, "repeat", 1);
    await requireFile(path);

    if (flag(input, "check-free")) return await checkFree(input, path, hook, text, options, repeat);

    const host = await load(path, options);
    try {
      const started = performance.now();
      const first = await host.call(hook, text);
      const durations = [first.stats.durationUs];
      let last: HookCall<unknown> = first;
      for (let i = 1; i < (repeat ?? 1); i++) {
        last = await host.call(hook, text);
        durations.push(last.stats.durationUs);
      }
      const elapsedMs = performance.now() - started;
      const timing = repeat === undefined ? undefined : summarise(durations, elapsedMs, first.stats, last.stats);
      const carried = carriedError(hook, first.output);
      const diff = fixture
        ? diffAgainstExpect(fixture, first.returnedZero ? first.output : parseLossless(first.raw), hook)
        : undefined;
      if (flag(input, "json")) {
        printJson(io, {
          plugin: host.name,
          engine: host.engine,
          hook,
          output: first.output,
          returnedZero: first.returnedZero,
          stats: first.stats,
          ...(carried === undefined ? {} : { outputError: carried }),
          ...(fixture ? { fixture: { expect: fixture.expect !== undefined, diff: diff ?? [] } } : {}),
          ...(timing ? { timing } : {}),
        });
      } else {
        io.out(first.returnedZero ? JSON.stringify(first.output) : first.raw);
        if (timing) io.err(formatTiming(timing));
        if (fixture) io.err(fixtureVerdict(fixture, diff));
        if (carried !== undefined) io.err(`error: the ${hook} output carries an error: ${JSON.stringify(carried)}`);
      }
      return carried !== undefined || (diff?.length ?? 0) > 0 ? 1 : 0;
    } finally {
      host.close();
    }
  },
};

/** The error a hook's output carries (`error`, or `hook_error` for post_hook), when non-empty. */
function carriedError(hook: HookName, output: unknown): string | undefined {
  const field = hook === "post_hook" ? "hook_error" : "error";
  const value = (output as Record<string, unknown> | null)?.[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** One or more lines on how the output compares with a fixture's expect. */
function fixtureVerdict(fixture: Fixture, diff: string[] | undefined): string {
  const head = `fixture: its input and config; output`;
  const match = `(${fixture.match ?? "exact"} match)`;
  if (diff === undefined) {
    return `${head} not compared: the fixture has no "expect" ('bifrost-as test --update' writes one)`;
  }
  if (diff.length === 0) return `${head} matches its expect ${match}`;
  return [`${head} differs from its expect ${match}:`, ...diff.map((l) => `  ${l}`)].join("\n");
}

/**
 * The hook input: --input FILE (a hook input, or a fixture whose input and
 * config are used), - for stdin, or the hook's sample. Checked to be JSON.
 */
async function readInput(input: CommandInput, hook: HookName): Promise<{ text: string; fixture?: Fixture }> {
  const file = str(input, "input");
  if (file === undefined) return { text: JSON.stringify(SAMPLE_INPUTS[hook]) };
  const name = file === "-" ? "stdin" : `"${file}"`;
  let text: string;
  try {
    text = file === "-" ? await new Response(Deno.stdin.readable).text() : await Deno.readTextFile(file);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new UsageError(`Cannot read input ${name}: ${why}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`Input ${name} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!looksLikeFixture(value)) return { text };
  const fixture = parseFixture(text);
  if (typeof fixture === "string") throw new UsageError(`Invalid fixture ${name}: ${fixture}`);
  return { text: fixtureInputText(fixture, hook), fixture };
}

async function hostOptions(input: CommandInput, fixtureConfig?: unknown): Promise<HostOptions> {
  const freePolicy = freePolicyOption(input);
  const config = (await pluginConfigOption(input)) ?? fixtureConfig;
  const timeoutMs = timeoutOption(input);
  const maxMemoryPages = maxPagesOption(input);
  return {
    engine: engineOption(input),
    freePolicy,
    strict: !flag(input, "no-strict"),
    onLog: (line) => input.io.err(line),
    ...(config === undefined ? {} : { config }),
    ...(timeoutMs === 0 ? {} : { timeoutMs }),
    ...(maxMemoryPages === undefined ? {} : { maxMemoryPages }),
  };
}

function load(path: string, options: HostOptions): Promise<PluginHost> {
  return PluginHost.load(path, options);
}

interface Timing {
  calls: number;
  minUs: number;
  medianUs: number;
  p99Us: number;
  callsPerSecond: number;
  pagesBefore: number;
  pagesAfter: number;
  highWaterPages: number;
}

function summarise(durations: number[], elapsedMs: number, first: CallStats, last: CallStats): Timing {
  const sorted = durations.toSorted((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    calls: durations.length,
    minUs: round(sorted[0]!),
    medianUs: round(at(0.5)),
    p99Us: round(at(0.99)),
    callsPerSecond: Math.round(durations.length / (elapsedMs / 1000)),
    pagesBefore: first.pagesBefore,
    pagesAfter: last.pagesAfter,
    highWaterPages: last.highWaterPages,
  };
}

function formatTiming(t: Timing): string {
  const kib = (pages: number) => `${pages} pages (${pages * 64} KiB)`;
  return [
    `${t.calls} calls: min ${t.minUs} µs, median ${t.medianUs} µs, p99 ${t.p99Us} µs in the plugin`,
    `${t.callsPerSecond} calls/s through the host`,
    `memory: ${kib(t.pagesBefore)} before, ${kib(t.pagesAfter)} after, high-water ${kib(t.highWaterPages)}`,
  ].join("\n");
}

async function checkFree(
  input: CommandInput,
  path: string,
  hook: HookName,
  text: string,
  options: HostOptions,
  repeat: number | undefined,
): Promise<number> {
  const { freePolicy: _, ...rest } = options;
  const report = await checkFreePolicies(path, hook, text, { ...rest, ...(repeat ? { calls: repeat } : {}) });
  if (flag(input, "json")) printJson(input.io, report);
  else {
    for (const r of report.results) {
      const verdict = formatPolicyResult(r);
      input.io.out(`${r.policy.padEnd(7)} ${verdict}`);
    }
    for (const f of report.flags) input.io.err(f);
  }
  return report.flags.length && options.strict !== false ? 1 : 0;
}
