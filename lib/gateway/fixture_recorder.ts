/**
 * Records a gateway's hook calls as fixtures (the format of
 * `./fixtures.ts`, `match: "exact"`), so real traffic becomes regression
 * tests: `bifrost-as dev --record DIR` uses it.
 *
 * Files go to `DIR/<hook>/<NNNN>-<what>.json` (numbered after the files
 * already there), or `DIR/<plugin>/<hook>/...` when several plugins are
 * recorded. Secrets are redacted in the input, the output and the config
 * alike: values under `Authorization`, `api-key`, `x-api-key`, cookie,
 * password and token keys, and key-like strings anywhere (`sk-...`,
 * `Bearer ...`, cloud and chat-service keys, JWTs), inside base64 HTTP
 * bodies too. A plugin whose output depends on a redacted secret's value
 * (not just copies it) records an expectation the redacted input cannot
 * reproduce: edit such fixtures by hand.
 *
 * @example
 * ```ts
 * import { FixtureRecorder } from "./fixture_recorder.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const recorder = new FixtureRecorder(dir);
 * recorder.record({
 *   plugin: "hello",
 *   hook: "pre_hook",
 *   config: {},
 *   input: '{"context":{"api_key":"sk-live-1234567890"},"request":{"provider":"openai","model":"gpt-4o","input":[]}}',
 *   output: '{"context":{},"has_short_circuit":false,"error":""}',
 * });
 * assert.deepEqual(await recorder.flush(), [`${dir}/pre_hook/0001-gpt-4o.json`]);
 * const fixture = JSON.parse(await Deno.readTextFile(`${dir}/pre_hook/0001-gpt-4o.json`));
 * assert.equal(fixture.input.context.api_key, "[REDACTED]");
 * assert.equal(fixture.match, "exact");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import type { HookCallEvent } from "./types.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { parseLossless, prettyJson } from "../internal/lossless_json.ts";
import { redactSecrets } from "./_redact.ts";
import { responseKindOf } from "../abi/request_kinds.ts";

/** Options of {@link FixtureRecorder}. */
export interface FixtureRecorderOptions {
  /** Put each plugin's fixtures under `DIR/<plugin>/` (for several plugins). Default false. */
  perPlugin?: boolean;
  /** Called when a fixture cannot be written (recording goes on). */
  onError?: (message: string) => void;
}

/** Writes hook calls as fixture files; {@link FixtureRecorder.record} fits `GatewayOptions.onHookCall`. */
export class FixtureRecorder {
  readonly #dir: string;
  readonly #options: FixtureRecorderOptions;
  #writes: Promise<void> = Promise.resolve();
  #written: string[] = [];
  /** The next number per directory, found from the files already there. */
  #next = new Map<string, number>();

  constructor(dir: string, options: FixtureRecorderOptions = {}) {
    this.#dir = dir.replace(/\/+$/, "") || "/";
    this.#options = options;
  }

  /** Queues one call for writing (never throws: a call that cannot be recorded is reported through `onError`). */
  readonly record = (call: HookCallEvent): void => {
    this.#writes = this.#writes.then(() => this.#write(call)).catch((e) => {
      this.#options.onError?.(`Cannot record a ${call.hook} call of plugin "${call.plugin}": ${(e as Error).message}`);
    });
  };

  /** Waits for every queued write; returns the paths written so far. */
  async flush(): Promise<string[]> {
    await this.#writes;
    return [...this.#written];
  }

  async #write(call: HookCallEvent): Promise<void> {
    const dir = this.#options.perPlugin
      ? `${this.#dir}/${safeName(call.plugin)}/${call.hook}`
      : `${this.#dir}/${call.hook}`;
    const input = redactSecrets(parseLossless(call.input));
    const fixture: Record<string, unknown> = {};
    if (call.config && typeof call.config === "object" && Object.keys(call.config).length) {
      fixture.config = redactSecrets(call.config);
    }
    fixture.input = input;
    fixture.expect = redactSecrets(parseLossless(call.output));
    fixture.match = "exact";
    const n = await this.#number(dir);
    const path = `${dir}/${String(n).padStart(4, "0")}-${describe(input)}.json`;
    await writeFileAtomic(path, prettyJson(fixture));
    this.#written.push(path);
  }

  async #number(dir: string): Promise<number> {
    let next = this.#next.get(dir);
    if (next === undefined) {
      next = 1;
      try {
        for await (const e of Deno.readDir(dir)) {
          const m = e.name.match(/^(\d+)-/);
          if (m) next = Math.max(next, Number(m[1]) + 1);
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    this.#next.set(dir, next + 1);
    return next;
  }
}

/** A short file-name part saying what the call was about: the model, the HTTP path, or the hook's subject. */
function describe(input: unknown): string {
  const o = (input ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const answer = o.response && typeof o.response === "object" ? responseKindOf(o.response).body : undefined;
  const model = o.request?.model ?? answer?.model ?? o.chunk?.model;
  if (typeof model === "string") return safeName(model);
  if (typeof o.request?.path === "string") return safeName(`${o.request.method ?? ""}${o.request.path}`);
  return o.error && Object.keys(o.error).length ? "error" : "call";
}

function safeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) || "call";
}
