/**
 * The fuzzer: runs generated cases against a plugin in a worker (see
 * `_worker.ts`), stops and names a call that hangs, groups failures by
 * what failed, minimises one case of each group and saves it as a
 * regression fixture under `testdata/fuzz/` that `regressions_test.ts`
 * replays.
 *
 * @module
 */
import type { HookName } from "../lib/abi/abi.ts";
import { decodeBase64, encodeBase64 } from "../lib/internal/base64.ts";
import { FREE_POLICIES, type FreePolicy } from "../lib/abi/free_policy.ts";
import type { Failure, Oracle } from "./_oracle.ts";
import type { CaseFailure, FuzzReply, FuzzRequest, RunStats, WorkerLimits } from "./_worker.ts";
import { emptyStats, PROGRESS_CASE, PROGRESS_DONE, PROGRESS_INPUT_KIB, PROGRESS_SLOTS } from "./_worker.ts";
import { minimizeBytes, minimizeTree } from "./_minimize.ts";
import { generateCase, serialize } from "./_mutate.ts";

/** Default limits: generous enough for a shared 2-core machine, and for inputs of 100 MiB (Bifrost's request limit). */
export const DEFAULT_LIMITS: WorkerLimits = {
  maxPages: 8192,
  baseMs: 250,
  perMiBMs: 100,
  memoryFactor: 32,
  slackPages: 64,
};

/** Where regression fixtures live. */
export const FIXTURE_DIR = new URL("../testdata/fuzz/", import.meta.url);

type Final = Exclude<FuzzReply, { type: "failure" }>;

/** The plugin in a worker, restarted after a hang. */
export class FuzzTarget {
  #worker!: Worker;
  #progress = new Int32Array(new SharedArrayBuffer(4 * PROGRESS_SLOTS));
  #waiting: ((r: Final) => void) | undefined;
  #onFailure: ((f: CaseFailure) => void) | undefined;

  private constructor(readonly wasm: Uint8Array, readonly limits: WorkerLimits) {}

  static async start(wasm: Uint8Array, limits: WorkerLimits = DEFAULT_LIMITS): Promise<FuzzTarget> {
    const t = new FuzzTarget(wasm, limits);
    await t.#spawn();
    return t;
  }

  async #spawn(): Promise<void> {
    this.#worker = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<FuzzReply>) => {
      if (e.data.type === "failure") return this.#onFailure?.(e.data.failure);
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.(e.data);
    };
    this.#worker.onerror = (e) => {
      e.preventDefault();
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.({ type: "error", message: e.message });
    };
    const reply = await this.#send({
      type: "init",
      wasm: this.wasm,
      limits: this.limits,
      progress: this.#progress.buffer as SharedArrayBuffer,
    });
    if (reply.type !== "ready") throw new Error(`fuzz worker: ${reply.type === "error" ? reply.message : reply.type}`);
  }

  #send(req: FuzzRequest): Promise<Final> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#worker.postMessage(req);
    });
  }

  /**
   * Runs cases [from, to) of `seed`, reporting each failing case. A case
   * whose call runs past `timeoutMs` is reported as a timeout; the worker is
   * replaced and the run goes on with the next case.
   */
  async run(
    seed: number,
    range: { from: number; to: number },
    timeoutMs: number,
    onFailure: (f: CaseFailure) => void,
    onProgress: (done: number) => void = () => {},
  ): Promise<RunStats[]> {
    const stats: RunStats[] = [];
    this.#onFailure = onFailure;
    let from = range.from;
    try {
      while (from < range.to) {
        Atomics.store(this.#progress, PROGRESS_DONE, from);
        const done = this.#send({ type: "run", seed, from, to: range.to });
        const hung = await this.#watch(done, timeoutMs, onProgress);
        if (hung === undefined) {
          const reply = await done;
          if (reply.type !== "done") {
            throw new Error(`fuzz worker: ${reply.type === "error" ? reply.message : reply.type}`);
          }
          stats.push(reply.stats);
          break;
        }
        const c = generateCase(seed, hung);
        onFailure({
          index: hung,
          hook: c.hook,
          policy: FREE_POLICIES[hung % FREE_POLICIES.length]!,
          mutations: c.mutations,
          input: c.input,
          failures: [{ oracle: "timeout", message: `ran past ${timeoutMs} ms (the worker was stopped)` }],
        });
        from = hung + 1;
      }
    } finally {
      this.#onFailure = undefined;
    }
    return stats;
  }

  /** Waits for `done`; past `timeoutMs` without progress, stops the worker, starts a new one and returns the hung case. */
  async #watch(
    done: Promise<Final>,
    timeoutMs: number,
    onProgress: (done: number) => void,
  ): Promise<number | undefined> {
    let finished = false;
    void done.then(() => (finished = true));
    let last = Atomics.load(this.#progress, PROGRESS_DONE);
    let since = performance.now();
    while (!finished) {
      await new Promise((r) => setTimeout(r, 25));
      const now = Atomics.load(this.#progress, PROGRESS_DONE);
      if (now !== last) {
        onProgress(now);
        last = now;
        since = performance.now();
      } else if (!finished && performance.now() - since > timeoutMs + this.#extraMs()) {
        const hung = Atomics.load(this.#progress, PROGRESS_CASE);
        this.#restart();
        await this.#spawn();
        return hung;
      }
    }
    return undefined;
  }

  /**
   * More time for a large case before it counts as hung: generating, calling and judging it take a few times
   * the call's own budget per MiB.
   */
  #extraMs(): number {
    return (4 * this.limits.perMiBMs * Atomics.load(this.#progress, PROGRESS_INPUT_KIB)) / 1024;
  }

  #restart(): void {
    this.#worker.terminate();
    this.#waiting = undefined;
  }

  /** Runs one input and returns what the oracles say; a hang past `timeoutMs` is a timeout failure. */
  async check(hook: HookName, input: Uint8Array, policy: FreePolicy, timeoutMs: number): Promise<Failure[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
    const reply = await Promise.race([this.#send({ type: "check", hook, input, policy }), timedOut]);
    clearTimeout(timer);
    if (reply === "timeout") {
      this.#restart();
      await this.#spawn();
      return [{ oracle: "timeout", message: `ran past ${timeoutMs} ms (the worker was stopped)` }];
    }
    if (reply.type !== "verdict") {
      throw new Error(`fuzz worker: ${reply.type === "error" ? reply.message : reply.type}`);
    }
    return reply.failures;
  }

  close(): void {
    this.#worker.terminate();
  }
}

// ---- a fuzzing run ----

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** The plugin's bytes. */
  wasm: Uint8Array;
  seed: number;
  iterations: number;
  /** First case number. Default 0. */
  from?: number;
  /** A call running longer is stopped and reported. Default 10000 ms. */
  timeoutMs?: number;
  limits?: WorkerLimits;
  /** Minimise one case of each distinct failure. Default true. */
  minimize?: boolean;
  /** Attempts per minimisation. Default 1500. */
  minimizeBudget?: number;
  /** Distinct failures minimised and saved at most. Default 12. */
  maxBugs?: number;
  /** Where fixtures are saved; `null` saves none. Default {@link FIXTURE_DIR}. */
  fixtures?: URL | null;
  onProgress?: (line: string) => void;
}

/** One distinct failure: what failed, how often, and its smallest case. */
export interface Bug {
  signature: string;
  hook: HookName;
  oracle: Oracle;
  message: string;
  /** Failing cases with this signature. */
  count: number;
  firstCase: number;
  policy: FreePolicy;
  mutations: string[];
  originalBytes: number;
  /** The minimised input (the original when not minimised). */
  input: Uint8Array;
  minimizeAttempts: number;
  /** The saved regression fixture. */
  fixture?: string;
  /** Why no fixture was saved for a bug that should have one. */
  unsaved?: string;
}

/** What a run found. */
export interface FuzzReport {
  seed: number;
  from: number;
  iterations: number;
  durationMs: number;
  stats: RunStats;
  bugs: Bug[];
}

/**
 * Groups failures that are the same bug: a lossless failure by the path
 * that differs (array indices aside), any other by its message with
 * numbers, quoted text and (for contract breaks) the value found taken out.
 */
export function signature(hook: HookName, f: Failure): string {
  const message = f.oracle === "contract" ? f.message.replace(/, found [^;]*/g, "") : f.message;
  const shape = f.oracle === "lossless"
    ? f.message.slice(0, f.message.indexOf(": ")).replace(/\[\d+\]/g, "[N]")
    : message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, "N").slice(0, 100);
  return `${hook} ${f.oracle}: ${shape}`;
}

/** Runs the cases, then minimises and saves one case of each distinct failure. */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const from = options.from ?? 0;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = options.onProgress ?? (() => {});
  const target = await FuzzTarget.start(options.wasm, options.limits ?? DEFAULT_LIMITS);
  const groups = new Map<string, { first: CaseFailure; failure: Failure; count: number }>();
  try {
    let lastLog = performance.now();
    const runs = await target.run(options.seed, { from, to: from + options.iterations }, timeoutMs, (cf) => {
      for (const f of cf.failures) {
        const sig = signature(cf.hook, f);
        const g = groups.get(sig);
        if (g) g.count++;
        else groups.set(sig, { first: cf, failure: f, count: 1 });
      }
    }, (done) => {
      if (performance.now() - lastLog < 5000) return;
      lastLog = performance.now();
      log(`${done - from} of ${options.iterations} cases, ${groups.size} distinct failures`);
    });
    const bugs: Bug[] = [];
    for (const [sig, g] of [...groups].sort((a, b) => a[1].first.index - b[1].first.index)) {
      const bug: Bug = {
        signature: sig,
        hook: g.first.hook,
        oracle: g.failure.oracle,
        message: g.failure.message,
        count: g.count,
        firstCase: g.first.index,
        policy: g.first.policy,
        mutations: g.first.mutations,
        originalBytes: g.first.input.length,
        input: g.first.input,
        minimizeAttempts: 0,
      };
      if (bugs.length < (options.maxBugs ?? 12)) {
        if (options.minimize ?? true) {
          log(`minimising case ${bug.firstCase} (${sig})`);
          await minimizeBug(target, options.seed, bug, timeoutMs, options.minimizeBudget ?? 1500);
        }
        if (options.fixtures !== null) {
          const path = await saveFixture(options.fixtures ?? FIXTURE_DIR, options.seed, bug);
          if (path) bug.fixture = path;
          else bug.unsaved = "too large to keep as a fixture (regenerate it with --seed and --from)";
        }
      }
      bugs.push(bug);
    }
    return {
      seed: options.seed,
      from,
      iterations: options.iterations,
      durationMs: performance.now() - started,
      stats: mergeStats(runs),
      bugs,
    };
  } finally {
    target.close();
  }
}

/** Oracles whose verdict depends on history or on the machine: their cases are kept whole. */
const UNSTABLE: ReadonlySet<Oracle> = new Set(["memory", "slow"]);

async function minimizeBug(target: FuzzTarget, seed: number, bug: Bug, timeoutMs: number, budget: number) {
  if (UNSTABLE.has(bug.oracle)) return;
  const stillFails = async (input: Uint8Array) =>
    (await target.check(bug.hook, input, bug.policy, timeoutMs)).some((f) => signature(bug.hook, f) === bug.signature);
  const attempts = bug.oracle === "timeout" ? Math.min(budget, 30) : budget;
  const c = generateCase(seed, bug.firstCase);
  const fromTree = equalBytes(serialize(c.tree, c.style), c.input);
  const result = fromTree
    ? await minimizeTree(c.tree, c.style, stillFails, attempts)
    : await minimizeBytes(c.input, stillFails, attempts);
  bug.input = result.input;
  bug.minimizeAttempts = result.attempts;
  const [again] = (await target.check(bug.hook, bug.input, bug.policy, timeoutMs)).filter((f) =>
    signature(bug.hook, f) === bug.signature
  );
  if (again) bug.message = again.message;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function mergeStats(runs: RunStats[]): RunStats {
  const out = emptyStats();
  for (const r of runs) {
    out.cases += r.cases;
    out.accepted += r.accepted;
    out.refused += r.refused;
    out.inputBytes += r.inputBytes;
    out.failingCases += r.failingCases;
    out.capped += r.capped;
    out.largestInput = Math.max(out.largestInput, r.largestInput);
    if (r.slowestUs > out.slowestUs) [out.slowestUs, out.slowestCase] = [r.slowestUs, r.slowestCase];
    for (const [h, n] of Object.entries(r.byHook)) out.byHook[h] = (out.byHook[h] ?? 0) + n;
    for (const [p, n] of Object.entries(r.highWaterPages)) {
      out.highWaterPages[p] = Math.max(out.highWaterPages[p] ?? 0, n);
    }
  }
  return out;
}

// ---- regression fixtures ----

/** A saved failing case, as `testdata/fuzz/*.json` holds it. */
export interface Fixture {
  hook: HookName;
  oracle: Oracle;
  /** What failed when it was found. */
  failure: string;
  found: { seed: number; case: number; policy: FreePolicy; mutations: string[] };
  /** Why it fails, once someone has looked (kept when the fuzzer saves it again). */
  note?: string;
  /** The input as text, when it is UTF-8 and short enough to read. */
  input: string | null;
  /** The exact input bytes, gzipped and base64-encoded. */
  input_gzip_base64: string;
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Fixtures above this size (gzipped) are not written: the report names the case, which regenerates it. */
const MAX_FIXTURE_BYTES = 256 * 1024;

/** Writes a bug's case as a fixture; returns its path, or `undefined` when it is too large to keep. */
async function saveFixture(dir: URL, seed: number, bug: Bug): Promise<string | undefined> {
  const packed = await gzip(bug.input);
  if (packed.length > MAX_FIXTURE_BYTES) return undefined;
  await Deno.mkdir(dir, { recursive: true });
  const url = new URL(`${bug.hook}-${bug.oracle}-${fnv1a(bug.input)}.json`, dir);
  let text: string | null = null;
  try {
    text = bug.input.length <= 65_536 ? new TextDecoder("utf-8", { fatal: true }).decode(bug.input) : null;
  } catch { /* not UTF-8: base64 only */ }
  const previous = await Deno.readTextFile(url).then((t) => JSON.parse(t) as Fixture, () => undefined);
  const fixture: Fixture = {
    hook: bug.hook,
    oracle: bug.oracle,
    failure: bug.message,
    found: { seed, case: bug.firstCase, policy: bug.policy, mutations: bug.mutations },
    ...(previous?.note ? { note: previous.note } : {}),
    input: text,
    input_gzip_base64: encodeBase64(packed),
  };
  await Deno.writeTextFile(url, JSON.stringify(fixture, null, 2) + "\n");
  return url.pathname;
}

/** Reads a fixture and its exact input bytes. */
export async function loadFixture(path: string | URL): Promise<Fixture & { bytes: Uint8Array }> {
  const fixture = JSON.parse(await Deno.readTextFile(path)) as Fixture;
  return { ...fixture, bytes: await gunzip(decodeBase64(fixture.input_gzip_base64)) };
}
