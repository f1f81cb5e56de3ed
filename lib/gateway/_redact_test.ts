import assert from "node:assert/strict";
import { encodeBase64 } from "../internal/base64.ts";
import { parseLossless } from "../internal/lossless_json.ts";
import { isSecretKey, REDACTED, redactSecrets, redactText } from "./_redact.ts";

Deno.test("redactSecrets() redacts secret headers whatever their casing", () => {
  const headers = {
    Authorization: "Bearer abc",
    "x-api-key": "k1",
    "API-Key": "k2",
    "Proxy-Authorization": "Basic Zm9vOmJhcg==",
    Cookie: "session=1",
    "Content-Type": "application/json",
    "x-empty-api-key": "",
    "api-key": "",
  };
  assert.deepEqual(redactSecrets({ request: { headers } }), {
    request: {
      headers: {
        Authorization: REDACTED,
        "x-api-key": REDACTED,
        "API-Key": REDACTED,
        "Proxy-Authorization": REDACTED,
        Cookie: REDACTED,
        "Content-Type": "application/json",
        "x-empty-api-key": "",
        "api-key": "",
      },
    },
  });
  assert.ok(isSecretKey("client_secret") && isSecretKey("access-token") && !isSecretKey("max_tokens"));
});

Deno.test("redactText() redacts key-like strings anywhere and keeps what kind they were", () => {
  assert.equal(redactText("key sk-proj-AbC123xyz_-9 here"), `key sk-${REDACTED} here`);
  assert.equal(redactText("Bearer eyJabc.def"), `Bearer ${REDACTED}`);
  assert.equal(redactText("AKIAABCDEFGHIJKLMNOP"), REDACTED);
  assert.equal(redactText(`AIza${"x".repeat(35)}`), REDACTED);
  assert.equal(redactText(`ghp_${"a".repeat(36)}`), REDACTED);
  assert.equal(redactText("xoxb-1234567890-abc"), REDACTED);
  assert.equal(redactText("eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4"), REDACTED);
  // Ordinary text stays as it is.
  for (const s of ["gpt-4o", "task-list", "sk-1", "Hello, world", "desk-lamp-2000"]) assert.equal(redactText(s), s);
});

Deno.test("redactSecrets() looks inside base64 HTTP bodies and re-encodes only what changed", () => {
  const b64 = (s: string) => encodeBase64(new TextEncoder().encode(s));
  const secretBody = b64('{"model":"gpt-4o","api_key":"k","note":"sk-abcdefghij"}');
  const out = redactSecrets({ body: secretBody }) as { body: string };
  assert.equal(atob(out.body), `{"model":"gpt-4o","api_key":"${REDACTED}","note":"sk-${REDACTED}"}`);
  const plain = b64('{ "model" : "gpt-4o" }');
  assert.equal((redactSecrets({ body: plain }) as { body: string }).body, plain);
  assert.equal(
    atob((redactSecrets({ body: b64("token=x Bearer abcdefgh") }) as { body: string }).body),
    `token=x Bearer ${REDACTED}`,
  );
  assert.deepEqual(redactSecrets({ body: null }), { body: null });
});

Deno.test("redactSecrets() keeps numbers exactly and leaves other values alone", () => {
  const value = parseLossless('{"seed": 12345678901234567890, "t": 1.0e0, "list": [true, null, "x"]}');
  assert.equal(JSON.stringify(redactSecrets(value)), '{"seed":12345678901234567890,"t":1.0e0,"list":[true,null,"x"]}');
});
