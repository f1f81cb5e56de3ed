/**
 * The fuzzer's oracles for hello-world: what an input should produce, and
 * what is wrong with what the plugin answered.
 *
 * The model: the SDK accepts an input that is strict UTF-8, one JSON object,
 * at most 512 levels deep and 512 MiB (`MAX_INPUT`), whose fields the plugin reads have the
 * types it reads them as (the context an object; the hook's required object;
 * pre_hook's request wrapper, if any, an object and the provider and model
 * strings; post_hook's has_error a boolean, and along the branch it takes,
 * the error, error.error and its message, or the response, its wrapper (of
 * any kind, `../lib/abi/request_kinds.ts`) and its model). null and missing
 * are always fine. Everything else passes through untouched. An accepted input must
 * produce exactly hello-world's answer (`helloWorldOutput`, JSON-equal as Go
 * sees it); a refused one a pass-through output whose error field says why.
 * Any output must also honour the hook's contract (`checkOutput`, the
 * host's strict mode), except where the input itself broke it in a part that
 * passes through (a refused post_hook still passes its error on). Keys that
 * name `Object.prototype` members are no fields of Bifrost's Go structs, so
 * the excuse never covers what the contract says about them.
 *
 * Above 1 GiB (`MAX_ALLOC`) the SDK's malloc refuses the input buffer
 * (returns 0): the host then cannot deliver the input, which is the
 * documented limit, not a failure.
 *
 * @module
 */
import type { HookName } from "../lib/abi/abi.ts";
import { jsonDiff } from "../lib/internal/json_diff.ts";
import { helloWorldOutput } from "../lib/bench/native.ts";
import { checkOutput } from "../lib/abi/contract.ts";
import { jsonDepth } from "../lib/internal/json_depth.ts";
import { requestKindOf, responseKindOf } from "../lib/abi/request_kinds.ts";

/** Which oracle a failure comes from. */
export type Oracle =
  | "trap"
  | "timeout"
  | "memory"
  | "abi"
  | "output-json"
  | "contract"
  | "rejected-valid"
  | "accepted-invalid"
  | "rejected-shape"
  | "lossless"
  | "slow";

/** One oracle's complaint. */
export interface Failure {
  oracle: Oracle;
  message: string;
}

/** What the model expects for an input. */
export type Expectation =
  | { accept: true; output: Record<string, unknown> }
  | { accept: false; reason: string };

/** hello-world's input limit (the SDK's default `BIFROST_AS_MAX_INPUT_MB`, 512). */
export const MAX_INPUT = 512 << 20;
/** The SDK's malloc returns 0 above this size (1 GiB, the largest block, less its header). */
export const MAX_ALLOC = (1 << 30) - 64;
const MAX_DEPTH = 512;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** What hello-world should answer for `input` (see the module documentation). */
export function expectation(hook: HookName, input: Uint8Array): Expectation {
  const refuse = (reason: string): Expectation => ({ accept: false, reason });
  if (input.length > MAX_INPUT) return refuse("larger than 512 MiB");
  let text: string;
  try {
    text = utf8.decode(input);
  } catch {
    return refuse("not UTF-8");
  }
  if (jsonDepth(text, MAX_DEPTH) > MAX_DEPTH) return refuse(`nested deeper than ${MAX_DEPTH}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse("not JSON");
  }
  if (!isObject(value)) return refuse(`a JSON ${kind(value)}, not an object`);
  const problem = typeProblem(hook, value);
  return problem ? refuse(problem) : { accept: true, output: helloWorldOutput(hook, value) };
}

/** The first field the plugin reads with a type it cannot read it as, or `undefined`. */
function typeProblem(hook: HookName, input: Json): string | undefined {
  const wrong = (v: unknown, want: string) => v !== undefined && v !== null && kind(v) !== want;
  const required = (v: unknown) => v === undefined || v === null || !isObject(v);
  if (wrong(input.context, "object")) return `context is ${kind(input.context)}`;
  switch (hook) {
    case "http_intercept":
    case "http_pre_hook":
      return required(input.request) ? `request is ${kind(input.request)}` : undefined;
    case "http_post_hook":
      return required(input.response) ? `response is ${kind(input.response)}` : undefined;
    case "http_stream_chunk_hook":
      return required(input.chunk) ? `chunk is ${kind(input.chunk)}` : undefined;
    case "pre_hook": {
      if (required(input.request)) return `request is ${kind(input.request)}`;
      const { body, problem } = requestKindOf(input.context, input.request as Json);
      if (problem) return `request.${problem} is not an object`;
      if (wrong(body.provider, "string")) return `request provider is ${kind(body.provider)}`;
      if (wrong(body.model, "string")) return `request model is ${kind(body.model)}`;
      return undefined;
    }
    case "post_hook": {
      if (wrong(input.has_error, "boolean")) return `has_error is ${kind(input.has_error)}`;
      if (input.has_error === true) {
        if (required(input.error)) return `error is ${kind(input.error)} while has_error is true`;
        const e = (input.error as Json).error;
        if (wrong(e, "object")) return `error.error is ${kind(e)}`;
        if (isObject(e) && wrong(e.message, "string")) return `error.error.message is ${kind(e.message)}`;
        return undefined;
      }
      if (wrong(input.response, "object")) return `response is ${kind(input.response)}`;
      if (!isObject(input.response)) return undefined;
      const answer = responseKindOf(input.response);
      if (answer.problem) return `response.${answer.problem} is not an object`;
      if (answer.kind === "unknown" || answer.kind === "list_models") return undefined;
      if (wrong(answer.body.model, "string")) return `response model is ${kind(answer.body.model)}`;
      return undefined;
    }
  }
}

/** The field that carries a refusal's reason in each hook's output. */
function errorField(hook: HookName): string {
  return hook === "post_hook" ? "hook_error" : "error";
}

/** What a refusal must look like besides its reason: the pass-through output. */
function refusalShape(hook: HookName, o: Json): string | undefined {
  switch (hook) {
    case "pre_hook":
      return o.request !== null || o.has_short_circuit === true ? "request or short_circuit set" : undefined;
    case "http_intercept":
    case "http_pre_hook":
      return o.request !== null || o.has_response === true ? "request or response set" : undefined;
    case "http_post_hook":
    case "post_hook":
      return o.response !== null ? "response set" : undefined;
    case "http_stream_chunk_hook":
      return o.has_chunk === true ? "has_chunk is true" : undefined;
  }
}

const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A copy without keys that name `Object.prototype` members (Go ignores them like any unknown key). */
function goView(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(goView);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !PROTOTYPE_KEYS.has(k)).map(([k, x]) => [k, goView(x)]));
}

/** What a refused input passes on: its context and, for post_hook, its outcome. */
function passedOn(hook: HookName, input: unknown): Json {
  const i = isObject(input) ? input : {};
  const out: Json = { context: isObject(i.context) ? i.context : {} };
  if (hook === "post_hook" && i.has_error === true) Object.assign(out, { error: i.error ?? null, has_error: true });
  return out;
}

/** Contract violations the input explains: the same violations of what would be passed through unchanged. */
function excusedViolations(hook: HookName, expected: Expectation, input: Uint8Array): Set<string> {
  let view: unknown;
  if (expected.accept) view = expected.output;
  else {
    try {
      view = passedOn(hook, JSON.parse(utf8.decode(input)));
    } catch {
      return new Set();
    }
  }
  return new Set(checkOutput(hook, goView(view)).violations);
}

/** Judges the text a hook returned for `input` (`null` for a 0 return) against the model. */
export function judge(hook: HookName, input: Uint8Array, expected: Expectation, text: string | null): Failure[] {
  if (text === null) return [{ oracle: "abi", message: "returned 0 (no output)" }];
  let output: unknown;
  try {
    output = JSON.parse(text);
  } catch (e) {
    return [{ oracle: "output-json", message: `output is not JSON: ${(e as Error).message}` }];
  }
  if (!isObject(output)) return [{ oracle: "output-json", message: `output is a JSON ${kind(output)}` }];
  const failures: Failure[] = [];
  const { violations } = checkOutput(hook, output);
  const excused = violations.length ? excusedViolations(hook, expected, input) : new Set<string>();
  const broken = violations.filter((v) => !excused.has(v));
  if (broken.length) failures.push({ oracle: "contract", message: broken.join("; ") });
  const reason = output[errorField(hook)];
  if (expected.accept) {
    if (typeof reason === "string" && reason !== "") {
      failures.push({ oracle: "rejected-valid", message: `refused an input it should accept: ${reason}` });
    } else {
      const diff = jsonDiff(expected.output, output);
      if (diff) failures.push({ oracle: "lossless", message: diff });
    }
  } else if (typeof reason !== "string" || reason === "") {
    failures.push({ oracle: "accepted-invalid", message: `accepted an input it should refuse (${expected.reason})` });
  } else {
    const shape = refusalShape(hook, output);
    if (shape) failures.push({ oracle: "rejected-shape", message: `refused (${reason}) but ${shape}` });
  }
  return failures;
}
