import assert from "node:assert/strict";
import { parseBody, parseText, shareStrings } from "./_request_body.ts";

const big = (c: string, n = 300) => c.repeat(n);

Deno.test("shareStrings leaves the parsed body equal to the text's JSON, whatever its literals", () => {
  const texts = [
    // A literal the same length as another but different, escaped quotes and backslashes before a large one.
    `{"a":"${big("a")}","b":"${big("b")}","q":"x\\"y\\\\","c":["${big("c")}",{"d":"${big("d", 299)}z"}]}`,
    // Escapes inside a large string: not shared, still equal.
    `{"e":"${big("e")}\\n${big("e")}","u":"\\u00e9${big("u")}"}`,
    // A large key, large numbers of literals, and non-ASCII.
    `{"${big("k")}":"${big("é")}","list":[${
      Array.from({ length: 50 }, (_, i) => `"${big(String(i % 10))}"`).join(",")
    }]}`,
    // The same large string twice.
    `{"x":"${big("s")}","y":"${big("s")}"}`,
    `{"t":"\\\\","after":"${big("f")}"}`,
  ];
  for (const text of texts) {
    const parsed = parseText(text);
    assert.ok("body" in parsed, text.slice(0, 80));
    shareStrings(parsed.body, text, 256);
    assert.deepEqual(parsed.body, JSON.parse(text));
  }
});

Deno.test("parseBody and parseText: a byte order mark is skipped, invalid UTF-8 refused", () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":1}')]);
  assert.deepEqual(parseBody(bom), { body: { a: 1 } });
  assert.deepEqual(parseText('\ufeff{"a":1}'), { body: { a: 1 } });
  assert.deepEqual(parseBody(new Uint8Array([0x7b, 0xff, 0x7d])), {
    status: 400,
    message: "Invalid request body: not valid UTF-8",
  });
});
