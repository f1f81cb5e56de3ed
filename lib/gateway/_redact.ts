/**
 * Secret redaction for recorded traffic: values under secret-looking keys
 * (`Authorization`, `api-key`, `x-api-key`, cookies, passwords, tokens)
 * and key-like strings anywhere (`sk-...`, `Bearer ...`, AWS, Google,
 * GitHub and Slack keys, JWTs) become `[REDACTED]`, also inside base64
 * HTTP bodies. Private to the library.
 */
import { decodeBase64, encodeBase64 } from "../internal/base64.ts";
import { isRawNumber } from "../internal/lossless_json.ts";

/** What a redacted value becomes. */
export const REDACTED = "[REDACTED]";

/** Keys whose values are secrets, compared case-insensitively with `-` and `_` ignored. */
const SECRET_KEYS = new Set([
  "authorization",
  "proxyauthorization",
  "apikey",
  "xapikey",
  "xgoogapikey",
  "cookie",
  "setcookie",
  "password",
  "secret",
  "clientsecret",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "token",
  "privatekey",
]);

/** Key-like strings: the part kept before the redaction (a prefix saying which kind), and the pattern. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi, "Bearer "],
  [/\bBasic\s+[A-Za-z0-9+/=]{6,}/g, "Basic "],
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{6,}/g, "$1-"],
  [/\bAKIA[0-9A-Z]{16}\b/g, ""],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, ""],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, ""],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, ""],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, ""],
];

/** Whether a key names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ""));
}

/** `text` with key-like substrings redacted. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, keep] of SECRET_PATTERNS) out = out.replace(pattern, `${keep}${REDACTED}`);
  return out;
}

/** A copy of a JSON value with its secrets redacted (numbers kept as parsed). */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== "object" || value === null || isRawNumber(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecretKey(k) && v !== null && v !== "") out[k] = REDACTED;
    else if (k === "body" && typeof v === "string") out[k] = redactBody(v);
    else out[k] = redactSecrets(v);
  }
  return out;
}

/** A base64 HTTP body (Go `[]byte`): redacted inside when it is UTF-8 text, JSON or not. */
function redactBody(body: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(decodeBase64(body));
  } catch {
    return redactText(body); // Not base64 of UTF-8 text: treat it as a plain string.
  }
  let redacted: string;
  try {
    const parsed = JSON.parse(text);
    const clean = redactSecrets(parsed);
    redacted = JSON.stringify(clean) === JSON.stringify(parsed) ? text : JSON.stringify(clean);
  } catch {
    redacted = redactText(text);
  }
  return redacted === text ? body : encodeBase64(new TextEncoder().encode(redacted));
}
