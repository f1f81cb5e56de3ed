/**
 * The output contract of every hook: the types Bifrost's Go structs decode
 * (a wrong type fails the whole `json.Unmarshal`; `null` and missing fields
 * are zero values, so they pass), the rules between fields (`has_response`
 * needs a response...), and notes on outputs that are valid but probably
 * not what the author meant.
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import type { HookName } from "./abi.ts";

/** A field's expected type. Objects are open: keys they do not name pass unchecked. */
type Spec =
  | "string"
  | "boolean"
  | "integer"
  | "number"
  | "base64"
  | "any"
  | { object: Record<string, Spec> }
  | { map: Spec }
  | { array: Spec }
  | { oneOf: readonly Spec[]; name: string };

const map = (of: Spec): Spec => ({ map: of });
const array = (of: Spec): Spec => ({ array: of });
const object = (fields: Record<string, Spec>): Spec => ({ object: fields });

const CONTEXT = map("any");
const HTTP_REQUEST = object({
  method: "string",
  path: "string",
  headers: map("string"),
  query: map("string"),
  body: "base64",
});
const HTTP_RESPONSE = object({ status_code: "integer", headers: map("string"), body: "base64" });
const MESSAGE = object({
  role: "string",
  content: { oneOf: ["string", array(object({ type: "string", text: "string" }))], name: "string or array" },
  name: "string",
  tool_call_id: "string",
  tool_calls: array(object({
    id: "string",
    type: "string",
    function: object({ name: "string", arguments: "string" }),
  })),
});
/** Embedding input items: a part array, or `{content, params}` (the core since 2026). */
const EMBEDDING_PART = object({ type: "string", text: "string", tokens: array("integer") });
/** Every kind's `input`: messages or Responses items (objects), a prompt, or embedding input in any of its shapes. */
const REQUEST_INPUT: Spec = {
  oneOf: [
    "string",
    array({
      oneOf: [MESSAGE, "string", "integer", array({ oneOf: ["integer", EMBEDDING_PART], name: "a token or a part" })],
      name: "a message, an input item, a prompt or an embedding input",
    }),
  ],
  name: "string or array",
};
/** Every kind's request, flat (see docs/abi-request-kinds.md): the fields they share, each kind's input. */
const REQUEST = object({
  provider: "string",
  model: "string",
  input: REQUEST_INPUT,
  params: object({
    temperature: "number",
    max_completion_tokens: "integer",
    top_p: "number",
    frequency_penalty: "number",
    presence_penalty: "number",
    stop: array("string"),
    tools: array(map("any")),
  }),
  fallbacks: array(object({ provider: "string", model: "string" })),
});
const USAGE = object({ prompt_tokens: "integer", completion_tokens: "integer", total_tokens: "integer" });
/** Every kind's answer under its field (Go's BifrostResponse union [src]; the field names beside `chat_response` [guess]). */
const RESPONSE = object({
  chat_response: object({
    id: "string",
    model: "string",
    choices: array(object({ index: "integer", message: MESSAGE, delta: MESSAGE, finish_reason: "string" })),
    usage: USAGE,
    created: "integer",
    object: "string",
  }),
  text_completion_response: object({
    id: "string",
    model: "string",
    object: "string",
    choices: array(object({ index: "integer", text: "string", finish_reason: "string" })),
    usage: USAGE,
  }),
  responses_response: object({
    id: "string",
    object: "string",
    created_at: "integer",
    status: "string",
    model: "string",
    output: array(MESSAGE),
    usage: object({ input_tokens: "integer", output_tokens: "integer", total_tokens: "integer" }),
  }),
  embedding_response: object({
    object: "string",
    model: "string",
    data: array(object({ index: "integer", object: "string" })),
    usage: USAGE,
  }),
  list_models_response: object({ data: array(object({ id: "string" })) }),
});
const ERROR = object({
  error: object({ message: "string", type: "string", code: "string" }),
  status_code: "integer",
  allow_fallbacks: "boolean",
});

const HTTP_PRE_OUTPUT = object({
  context: CONTEXT,
  request: HTTP_REQUEST,
  response: HTTP_RESPONSE,
  has_response: "boolean",
  error: "string",
});

const OUTPUTS: Record<HookName, Spec> = {
  http_intercept: HTTP_PRE_OUTPUT,
  http_pre_hook: HTTP_PRE_OUTPUT,
  http_post_hook: object({ context: CONTEXT, response: HTTP_RESPONSE, error: "string" }),
  http_stream_chunk_hook: object({
    context: CONTEXT,
    chunk: map("any"),
    has_chunk: "boolean",
    skip: "boolean",
    error: "string",
  }),
  pre_hook: object({
    context: CONTEXT,
    request: REQUEST,
    short_circuit: object({ response: RESPONSE, error: ERROR }),
    has_short_circuit: "boolean",
    error: "string",
  }),
  post_hook: object({
    context: CONTEXT,
    response: RESPONSE,
    error: ERROR,
    has_error: "boolean",
    hook_error: "string",
  }),
};

/** What {@link checkOutput} found: violations break the contract; notes are legal but likely mistakes. */
export interface ContractReport {
  violations: string[];
  notes: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** Non-null and, for objects, not `{}` (which Bifrost reads as "unchanged"/absent). */
const present = (v: unknown) => v !== null && v !== undefined && !(isObject(v) && Object.keys(v).length === 0);

/**
 * Checks a parsed hook output against the hook's contract.
 *
 * ```ts
 * checkOutput("pre_hook", { context: {}, has_short_circuit: true });
 * // → violations: ['has_short_circuit is true but "short_circuit" is missing']
 * ```
 */
export function checkOutput(hook: HookName, output: unknown): ContractReport {
  const report: ContractReport = { violations: [], notes: [] };
  if (!isObject(output)) {
    report.violations.push(`the output must be a JSON object, found ${describe(output)}`);
    return report;
  }
  checkValue(output, OUTPUTS[hook], "", report.violations);
  if (report.violations.length === 0) RULES[hook](output, report);
  return report;
}

function checkValue(value: unknown, spec: Spec, path: string, out: string[]): void {
  if (value === null || value === undefined || spec === "any") return;
  if (typeof spec === "object" && "oneOf" in spec) {
    // The option of the value's own JSON kind, checked in depth.
    const option = spec.oneOf.find((s) => jsonKind(value) === specKind(s));
    return option ? checkValue(value, option, path, out) : fail(out, path, `a ${spec.name}`, value);
  }
  if (jsonKind(value) !== specKind(spec) || (spec === "integer" && !Number.isInteger(value))) {
    const expected = spec === "base64" ? "a base64 string" : article(typeof spec === "string" ? spec : specKind(spec));
    return fail(out, path, expected, value);
  }
  if (spec === "base64" && !isBase64(value as string)) {
    return fail(out, path, "valid base64 (Go decodes bodies as []byte)", value);
  }
  if (typeof spec === "string") return;
  // Hot path (every output of every call): no per-value closures or entry arrays, and no path built for what
  // needs no check.
  if ("array" in spec) {
    if (spec.array === "any") return;
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) checkValue(items[i], spec.array, path ? `${path}.${i}` : String(i), out);
    return;
  }
  const fields = "object" in spec ? spec.object : undefined;
  const mapped = fields ? undefined : (spec as { map: Spec }).map;
  if (mapped === "any") return;
  const object = value as Json;
  for (const key in object) {
    // Own keys only: a field named "constructor" or "toString" is data, not a spec.
    const s = fields ? (Object.hasOwn(fields, key) ? fields[key] : undefined) : mapped;
    const v = object[key];
    if (s && s !== "any" && v !== null && v !== undefined) checkValue(v, s, path ? `${path}.${key}` : key, out);
  }
}

function fail(out: string[], path: string, expected: string, value: unknown): void {
  out.push(`"${path}" must be ${expected}, found ${describe(value)}`);
}

const PRIMITIVE_KINDS: Record<string, string> = {
  string: "string",
  base64: "string",
  integer: "number",
  number: "number",
  boolean: "boolean",
};

/** The JSON kind a spec expects: string, number, boolean, array or object. */
function specKind(spec: Spec): string {
  if (typeof spec === "string") return PRIMITIVE_KINDS[spec] ?? spec;
  return "array" in spec ? "array" : "object";
}

function jsonKind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

// With the length a multiple of 4, letters then at most two `=` is exactly padded base64. One character class,
// no repeated group: linear with no backtracking stack (a grouped pattern overflows V8's stack on bodies of 16 MiB and more).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(s: string): boolean {
  return s.length % 4 === 0 && BASE64.test(s);
}

/** A value's JSON type, with the value when short: `string "429"`, `an array`. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  const text = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

/**
 * What a `pre_hook` output's non-empty `error` does in Bifrost, for the gateway's warning and the fixture runner's:
 * its core logs the error and goes on (`PluginPipeline.RunPreHooks`).
 */
export const PRE_HOOK_ERROR_NOTE =
  "Bifrost only logs a pre_hook error and goes on with the request; to fail the request, short-circuit with an error";

type Rule = (o: Json, r: ContractReport) => void;

const httpPreRules: Rule = (o, r) => {
  if (o.has_response === true) {
    const res = o.response;
    if (!isObject(res)) {
      r.violations.push(`has_response is true but "response" is ${res === null ? "null" : "missing"}`);
    } else if (
      !Number.isInteger(res.status_code) || (res.status_code as number) < 100 || (res.status_code as number) > 599
    ) {
      r.violations.push(
        `has_response is true but "response.status_code" is ${
          res.status_code === undefined ? "missing" : describe(res.status_code)
        } (expected 100 to 599)`,
      );
    }
  } else if (present(o.response)) {
    r.notes.push(`"response" is set but has_response is not true: Bifrost ignores the response`);
  }
};

const RULES: Record<HookName, Rule> = {
  http_intercept: httpPreRules,
  http_pre_hook: httpPreRules,
  http_post_hook: () => {},
  http_stream_chunk_hook: (o, r) => {
    if (o.has_chunk === true && !isObject(o.chunk)) {
      r.violations.push(`has_chunk is true but "chunk" is ${o.chunk === null ? "null" : "missing"}`);
    } else if (o.has_chunk !== true && isObject(o.chunk) && o.skip !== true) {
      r.notes.push(
        `"chunk" is set but has_chunk is ${o.has_chunk === undefined ? "missing" : "false"}: Bifrost drops the chunk`,
      );
    }
  },
  pre_hook: (o, r) => {
    const sc = isObject(o.short_circuit) ? o.short_circuit : undefined;
    if (o.has_short_circuit === true) {
      if (!sc) {
        r.violations.push(
          `has_short_circuit is true but "short_circuit" is ${o.short_circuit === null ? "null" : "missing"}`,
        );
      } else if (!present(sc.response) && !present(sc.error)) {
        r.violations.push(`has_short_circuit is true but "short_circuit" has neither a response nor an error`);
      } else if (!present(sc.response)) {
        requireMessage(sc.error as Json, "short_circuit.error", r);
      }
    } else if (sc && (present(sc.response) || present(sc.error))) {
      r.notes.push(`"short_circuit" is set but has_short_circuit is not true: Bifrost ignores it`);
    }
  },
  post_hook: (o, r) => {
    if (o.has_error !== true) return;
    if (!present(o.error)) {
      r.violations.push(`has_error is true but "error" is ${o.error === null ? "null" : "missing"}`);
    } else requireMessage(o.error as Json, "error", r);
  },
};

/** An error that reaches the client needs a message. */
function requireMessage(error: Json, path: string, r: ContractReport): void {
  const message = isObject(error.error) ? error.error.message : undefined;
  if (typeof message !== "string" || message === "") {
    r.violations.push(`"${path}.error.message" is ${message === undefined ? "missing" : describe(message)}`);
  }
}

/**
 * The output a plugin that changes nothing would return for `input`: what
 * the host answers for a 0 return when not strict.
 */
export function passThrough(hook: HookName, input: unknown): Json {
  const i = isObject(input) ? input : {};
  const context = isObject(i.context) ? i.context : {};
  switch (hook) {
    case "http_intercept":
    case "http_pre_hook":
      return { context, request: null, response: null, has_response: false, error: "" };
    case "http_post_hook":
      return { context, response: null, error: "" };
    case "http_stream_chunk_hook":
      return { context, chunk: i.chunk ?? null, has_chunk: isObject(i.chunk), skip: false, error: "" };
    case "pre_hook":
      return { context, request: null, short_circuit: null, has_short_circuit: false, error: "" };
    case "post_hook":
      return {
        context,
        response: null,
        error: i.has_error === true ? i.error ?? null : null,
        has_error: i.has_error === true,
        hook_error: "",
      };
  }
}
