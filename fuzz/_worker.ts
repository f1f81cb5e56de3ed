/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Worker side of the fuzzer: the plugin, one conformance-host runner per
 * free policy (case `i` uses policy `i % 4`), and the oracles. It generates
 * and judges cases itself, so a run costs no message per case; before each
 * call it writes the case number into shared memory, which is how the main
 * thread sees a call that hangs and names it after terminating the worker.
 *
 * Private to `_campaign.ts`.
 *
 * @module
 */
import type { HookName } from "../lib/abi/abi.ts";
import { PluginContractError, PluginInputTooLargeError, PluginMemoryError, PluginTrapError } from "../lib/errors.ts";
import { FREE_POLICIES, type FreePolicy } from "../lib/abi/free_policy.ts";
import { type RawCall, Runner } from "../lib/host/instance.ts";
import { parseWasm, withMemoryMaximum } from "../lib/wasm/wasm_binary.ts";
import { expectation, type Failure, judge, MAX_ALLOC } from "./_oracle.ts";
import { type FuzzCase, generateCase } from "./_mutate.ts";

/** Limits the worker judges calls against. */
export interface WorkerLimits {
  /** Memory cap in pages; reaching it is a failure. */
  maxPages: number;
  /** Time budget of one call: `baseMs` plus `perMiBMs` per MiB of input. */
  baseMs: number;
  perMiBMs: number;
  /** Memory allowed above the start: `factor` times the largest input so far, plus `slackPages`. */
  memoryFactor: number;
  slackPages: number;
}

/** Requests to the worker. */
export type FuzzRequest =
  | { type: "init"; wasm: Uint8Array; limits: WorkerLimits; progress: SharedArrayBuffer }
  | { type: "run"; seed: number; from: number; to: number }
  | { type: "check"; hook: HookName; input: Uint8Array; policy: FreePolicy };

/** A failing case as the worker reports it. */
export interface CaseFailure {
  index: number;
  hook: HookName;
  policy: FreePolicy;
  mutations: string[];
  input: Uint8Array;
  failures: Failure[];
}

/** Counters of a run. */
export interface RunStats {
  cases: number;
  byHook: Record<string, number>;
  accepted: number;
  refused: number;
  inputBytes: number;
  largestInput: number;
  slowestUs: number;
  slowestCase: number;
  highWaterPages: Record<string, number>;
  failingCases: number;
  /** Calls that hit the memory cap with a bound above it: inconclusive, not failures. */
  capped: number;
}

/** Counters of a run that has not started. */
export function emptyStats(): RunStats {
  return {
    cases: 0,
    byHook: {},
    accepted: 0,
    refused: 0,
    inputBytes: 0,
    largestInput: 0,
    slowestUs: 0,
    slowestCase: -1,
    highWaterPages: {},
    failingCases: 0,
    capped: 0,
  };
}

/** Replies from the worker. */
export type FuzzReply =
  | { type: "ready" }
  | { type: "failure"; failure: CaseFailure }
  | { type: "done"; stats: RunStats }
  | { type: "verdict"; failures: Failure[] }
  | { type: "error"; message: string };

/** Slots of the shared progress array. */
export const PROGRESS_CASE = 0;
export const PROGRESS_DONE = 1;
/** The current case's input size in KiB: large cases get more time before they count as hung. */
export const PROGRESS_INPUT_KIB = 2;
/** Int32 slots of the progress buffer. */
export const PROGRESS_SLOTS = 3;

interface Policy {
  runner: Runner;
  startPages: number;
  largestInput: number;
  high: number;
}

let limits: WorkerLimits;
let progress: Int32Array;
const policies = new Map<FreePolicy, Policy>();
const post = (reply: FuzzReply) => self.postMessage(reply);

function load(wasm: Uint8Array): void {
  const info = parseWasm(wasm, "plugin");
  const names = new Map(info.functionNames);
  for (const e of info.exports) if (e.kind === "func" && !names.has(e.index)) names.set(e.index, e.name);
  const module = new WebAssembly.Module(withMemoryMaximum(wasm, limits.maxPages, "plugin") as BufferSource);
  for (const freePolicy of FREE_POLICIES) {
    const runner = new Runner({
      module,
      label: "plugin",
      config: "{}",
      freePolicy,
      functionNames: names,
      memoryLimitPages: limits.maxPages,
      timeHook: false,
    }, () => {});
    policies.set(freePolicy, { runner, startPages: runner.pages, largestInput: 0, high: runner.pages });
  }
}

/** Calls the hook once; a trap, memory exhaustion or an ABI breach comes back as a failure. */
function call(p: Policy, hook: HookName, input: Uint8Array): RawCall | Failure {
  try {
    return p.runner.call(hook, input);
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof PluginMemoryError) return { oracle: "memory", message };
    if (e instanceof PluginTrapError) return { oracle: "trap", message };
    if (e instanceof PluginContractError) return { oracle: "abi", message };
    // Over the limit the plugin declares: the host refuses it unwritten (judged against the model below).
    if (e instanceof PluginInputTooLargeError) return { oracle: "accepted-invalid", message };
    throw e;
  }
}

/** What one case came to. */
interface Outcome {
  failures: Failure[];
  durationUs: number;
  /** The model accepted the input. */
  accepted: boolean;
  /** The call ran out of memory at the cap, where its bound allows more. */
  capped?: boolean;
}

/** The most pages a policy's instance may use after a call with `input`. */
function memoryBound(p: Policy, input: Uint8Array): number {
  const largest = Math.max(p.largestInput, input.length);
  return p.startPages + Math.ceil((limits.memoryFactor * largest) / 65536) + limits.slackPages;
}

/** Runs and judges one input. */
function runCase(hook: HookName, input: Uint8Array, policy: FreePolicy): Outcome {
  const p = policies.get(policy)!;
  const expected = expectation(hook, input);
  const result = call(p, hook, input);
  if ("oracle" in result) {
    // The SDK's documented limits: malloc refuses buffers above MAX_ALLOC, and the host says it cannot deliver;
    // the host refuses inputs over the declared limit, which the model refuses too.
    const refusedAlloc = (result.oracle === "abi" && input.length > MAX_ALLOC &&
      /malloc\(\d+\) returned 0/.test(result.message)) ||
      (/takes inputs of at most/.test(result.message) && !expected.accept);
    // The cap is the harness's, not the plugin's: running into it is a failure only within the bound.
    const capped = result.oracle === "memory" && memoryBound(p, input) >= limits.maxPages;
    const failures = refusedAlloc || capped ? [] : [result];
    return { failures, durationUs: 0, accepted: expected.accept, capped };
  }
  const failures = judge(hook, input, expected, result.text);
  let durationUs = result.stats.durationUs;
  const budgetUs = (limits.baseMs + (limits.perMiBMs * input.length) / 2 ** 20) * 1000;
  // A slow call is tried twice more: one GC pause or a busy neighbour is not the plugin's fault.
  for (let retry = 0; durationUs > budgetUs && retry < 2; retry++) {
    const again = call(p, hook, input);
    if (!("oracle" in again)) durationUs = Math.min(durationUs, again.stats.durationUs);
  }
  if (durationUs > budgetUs) {
    failures.push({
      oracle: "slow",
      message: `took ${(durationUs / 1000).toFixed(1)} ms, over its ${(budgetUs / 1000).toFixed(0)} ms budget`,
    });
  }
  const bound = memoryBound(p, input);
  p.largestInput = Math.max(p.largestInput, input.length);
  const pages = result.stats.pagesAfter;
  p.high = Math.max(p.high, pages);
  // Only the call that grew memory past the bound is to blame (memory never shrinks afterwards).
  if (pages > bound && pages > result.stats.pagesBefore) {
    failures.push({
      oracle: "memory",
      message: `${pages} pages after the call, over the bound of ${bound} (${p.startPages} at start, ` +
        `largest input ${p.largestInput} bytes)`,
    });
  }
  return { failures, durationUs, accepted: expected.accept };
}

function run(seed: number, from: number, to: number): RunStats {
  const stats = emptyStats();
  for (let i = from; i < to; i++) {
    Atomics.store(progress, PROGRESS_CASE, i);
    let c: FuzzCase;
    let outcome: Outcome;
    const policy = FREE_POLICIES[i % FREE_POLICIES.length]!;
    try {
      c = generateCase(seed, i);
      Atomics.store(progress, PROGRESS_INPUT_KIB, c.input.length >> 10);
      outcome = runCase(c.hook, c.input, policy);
    } catch (e) {
      throw new Error(`case ${i}: ${(e as Error).message}`, { cause: e });
    }
    const { failures, durationUs, accepted } = outcome;
    if (outcome.capped) stats.capped++;
    stats.cases++;
    stats.byHook[c.hook] = (stats.byHook[c.hook] ?? 0) + 1;
    if (accepted) stats.accepted++;
    else stats.refused++;
    stats.inputBytes += c.input.length;
    stats.largestInput = Math.max(stats.largestInput, c.input.length);
    if (durationUs > stats.slowestUs) {
      stats.slowestUs = durationUs;
      stats.slowestCase = i;
    }
    if (failures.length) {
      stats.failingCases++;
      post({
        type: "failure",
        failure: { index: i, hook: c.hook, policy, mutations: c.mutations, input: c.input, failures },
      });
    }
    Atomics.store(progress, PROGRESS_DONE, i + 1);
  }
  for (const [name, p] of policies) stats.highWaterPages[name] = p.high;
  probeForLeaks(stats);
  return stats;
}

const PROBE: HookName = "pre_hook";
const PROBE_INPUT = new TextEncoder().encode(
  '{"context":{"request_id":"probe"},"request":{"provider":"openai","model":"gpt-4o","input":[{"role":"user","content":"Hello"}]}}',
);

/**
 * After all the abuse, a plain input called 20,000 times more. Its memory
 * may grow once (the allocator doubles memory when the collector lags
 * behind), but more than that means something a case left behind keeps
 * growing. A coarse check: `deno task soak` is the precise one, from a fresh
 * instance.
 */
function probeForLeaks(stats: RunStats): void {
  for (const [policy, p] of policies) {
    let before = -1;
    let after = -1;
    for (let i = 0; i < 20_000; i++) {
      const r = call(p, PROBE, PROBE_INPUT);
      if ("oracle" in r) return;
      if (i === 0) before = r.stats.pagesBefore;
      after = r.stats.pagesAfter;
    }
    if (after > 2 * before) {
      stats.failingCases++;
      post({
        type: "failure",
        failure: {
          index: -1,
          hook: PROBE,
          policy,
          mutations: ["leak probe after the run"],
          input: PROBE_INPUT,
          failures: [{
            oracle: "memory",
            message: `after the run, 20,000 calls of a plain pre_hook input grew memory from ${before} to ${after} ` +
              "pages (more than one doubling)",
          }],
        },
      });
    }
  }
}

self.onmessage = (event: MessageEvent<FuzzRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case "init":
        limits = req.limits;
        progress = new Int32Array(req.progress);
        load(req.wasm);
        return post({ type: "ready" });
      case "run":
        return post({ type: "done", stats: run(req.seed, req.from, req.to) });
      case "check":
        Atomics.store(progress, PROGRESS_CASE, -1);
        return post({ type: "verdict", failures: runCase(req.hook, req.input, req.policy).failures });
    }
  } catch (e) {
    post({ type: "error", message: (e as Error).message });
  }
};
