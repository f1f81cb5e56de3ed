// The SDK's JsonObject/JsonArray views, call by call, through the views test
// plugin (testdata/plugins/views.ts): what each read answers, and the exact
// text each edit writes back (untouched bytes stay as they came).
import assert from "node:assert/strict";
import { PluginHost } from "../lib/host/host.ts";
import { testPlugin } from "../testing/plugins.ts";
import { encodeBase64 } from "../lib/internal/base64.ts";

type Op = (string | number | boolean | null)[];

interface Case {
  name: string;
  doc: string;
  ops: Op[];
  results: unknown[];
  /** The doc as written back, exactly. */
  out: string;
}

const CASES: Case[] = [
  {
    name: "reads keep escapes, duplicates (last wins), kinds and raw text",
    doc: '{ "a" : 1.50e1 , "s":"x\\u00e9\\n", "b":true, "n":null, "a":[1, 2], "k\\u00e9y":"v", "o":{"x":{}} }',
    ops: [
      ["has", 0, "a"],
      ["kind", 0, "a"],
      ["getRaw", 0, "a"],
      ["getString", 0, "s"],
      ["getBoolOr", 0, "b", false],
      ["kind", 0, "n"],
      ["getStringOrNull", 0, "n"],
      ["getString", 0, "kéy"],
      ["has", 0, "missing"],
      ["kind", 0, "missing"],
      ["keys", 0],
      ["size", 0],
      ["isModified", 0],
      ["getObject", 0, "o"],
      ["getObject", 1, "x"],
      ["location", 2],
      ["problems"],
    ],
    results: [
      true,
      5,
      "[1, 2]",
      "xé\n",
      true,
      1,
      null,
      "v",
      false,
      0,
      ["a", "s", "b", "n", "a", "kéy", "o"],
      7,
      false,
      1,
      2,
      "chunk.doc.o.x",
      "",
    ],
    out: '{ "a" : 1.50e1 , "s":"x\\u00e9\\n", "b":true, "n":null, "a":[1, 2], "k\\u00e9y":"v", "o":{"x":{}} }',
  },
  {
    name: "wrong types are problems and neutral values",
    doc: '{"s":1,"n":"x","b":"y","o":[],"a":{}}',
    ops: [
      ["getString", 0, "s"],
      ["getNumberOr", 0, "n"],
      ["getBoolOr", 0, "b", true],
      ["getObject", 0, "o"],
      ["getArray", 0, "a"],
      ["getString", 0, "missing"],
      ["getStringOr", 0, "missing", "fb"],
      ["getIntOr", 0, "missing"],
      ["problems"],
    ],
    results: [
      "",
      -1,
      true,
      -1,
      -1,
      "",
      "fb",
      -1,
      "chunk.doc.s: expected string, found number; chunk.doc.n: expected number, found string; " +
      "chunk.doc.b: expected boolean, found string; chunk.doc.o: expected object, found array; " +
      "chunk.doc.a: expected array, found object; chunk.doc.missing: missing (expected string)",
    ],
    out: '{"s":1,"n":"x","b":"y","o":[],"a":{}}',
  },
  {
    name: "numbers",
    doc: '{"i":42,"f":-0.25,"e":1e3,"big":12345678901234567890}',
    ops: [
      ["getNumberOr", 0, "i"],
      ["getIntOr", 0, "f"],
      ["getNumberOrNull", 0, "e"],
      ["getNumberOrNull", 0, "missing"],
      ["getRaw", 0, "big"],
    ],
    results: [42, 0, 1000, null, "12345678901234567890"],
    out: '{"i":42,"f":-0.25,"e":1e3,"big":12345678901234567890}',
  },
  {
    name: "edits: set replaces in place, new keys go last, delete drops, re-adding goes last",
    doc: '{ "a":1, "b" : {"keep": [1,2,3]}, "c":"x", "d":true }',
    ops: [
      ["setString", 0, "a", 'q"é\n'],
      ["setNumber", 0, "z", 1.5],
      ["setInt", 0, "y", 7],
      ["setBool", 0, "c", false],
      ["setNull", 0, "w"],
      ["setRaw", 0, "r", '{"raw":[1]}'],
      ["delete", 0, "d"],
      ["has", 0, "d"],
      ["kind", 0, "d"],
      ["setString", 0, "d", "back"],
      ["keys", 0],
      ["isModified", 0],
      ["getString", 0, "a"],
      ["getRaw", 0, "a"],
      ["kind", 0, "r"],
      ["getObject", 0, "r"],
      ["json", 1],
    ],
    results: [
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      false,
      0,
      null,
      ["a", "b", "c", "z", "y", "w", "r", "d"],
      true,
      'q"é\n',
      '"q\\"é\\n"',
      6,
      1,
      '{"raw":[1]}',
    ],
    out: '{"a":"q\\"é\\n","b":{"keep": [1,2,3]},"c":false,"z":1.5,"y":7,"w":null,"r":{"raw":[1]},"d":"back"}',
  },
  {
    name: "set<string | null>: null is written as null, a string as a string",
    doc: '{"a":"x","b":null}',
    ops: [
      ["setNullable", 0, "a", null],
      ["setNullable", 0, "b", "y"],
      ["setNullable", 0, "c", null],
      ["kind", 0, "a"],
    ],
    results: [null, null, null, 1],
    out: '{"a":null,"b":"y","c":null}',
  },
  {
    name: "child views are cached: edits through a child show in the parent; as() shares edits",
    doc: '{"o":{"x":1,"y":{"z":2}},"p":{"q":3}}',
    ops: [
      ["getObject", 0, "o"],
      ["getObject", 1, "y"],
      ["setString", 2, "added", "yes"],
      ["getObject", 0, "o"],
      ["isModified", 3],
      ["as", 3],
      ["delete", 4, "x"],
      ["json", 1],
      ["isModified", 0],
      ["getObject", 0, "p"],
      ["isModified", 5],
      ["json", 5],
    ],
    results: [1, 2, null, 3, true, 4, null, '{"y":{"z":2,"added":"yes"}}', true, 5, false, '{"q":3}'],
    out: '{"o":{"y":{"z":2,"added":"yes"}},"p":{"q":3}}',
  },
  {
    name: "new objects, setNode by reference, getOrCreate",
    doc: "{}",
    ops: [
      ["new"],
      ["setString", 1, "k", "v"],
      ["setNode", 0, "child", 1],
      ["setString", 1, "later", "seen"],
      ["getOrCreateObject", 0, "made"],
      ["setBool", 2, "t", true],
      ["getOrCreateArray", 0, "list"],
      ["pushString", 0, "s"],
      ["pushNumber", 0, 2],
      ["pushRaw", 0, '{"r":1}'],
      ["pushNode", 0, 1],
      ["length", 0],
      ["arrayLocation", 0],
      ["location", 2],
    ],
    results: [1, null, null, null, 2, null, 0, null, null, null, null, 4, "chunk.doc.list", "chunk.doc.made"],
    out: '{"child":{"k":"v","later":"seen"},"made":{"t":true},"list":["s",2,{"r":1},{"k":"v","later":"seen"}]}',
  },
  {
    name: "arrays: elements by index, objects in arrays, unchanged arrays copied exactly",
    doc: '{"a":[ "s" , 2, {"k":"v"}, [1], null, true ],"b":[1 ,2]}',
    ops: [
      ["getArray", 0, "a"],
      ["length", 0],
      ["kindAt", 0, 0],
      ["stringAt", 0, 0],
      ["rawAt", 0, 1],
      ["kindAt", 0, 3],
      ["objectAt", 0, 2],
      ["setString", 1, "k2", "v2"],
      ["location", 1],
      ["objectAt", 0, 1],
      ["stringAt", 0, 1],
      ["problems"],
      ["getArray", 0, "b"],
      ["arrayJson", 1],
      ["getStringsOrNull", 0, "missing"],
    ],
    results: [
      0,
      6,
      4,
      "s",
      "2",
      5,
      1,
      null,
      "chunk.doc.a[2]",
      -1,
      "",
      "chunk.doc.a[1]: expected object, found number; chunk.doc.a[1]: expected string, found number",
      1,
      "[1 ,2]",
      null,
    ],
    out: '{"a":["s",2,{"k":"v","k2":"v2"},[1],null,true],"b":[1 ,2]}',
  },
  {
    name: "arrays: an index out of range reads as missing, with a problem (never another view's data)",
    doc: '{"o":{"k":"v","k2":{}},"a":[1],"e":[]}',
    ops: [
      ["getObject", 0, "o"],
      ["getArray", 0, "a"],
      ["kindAt", 0, 5],
      ["kindAt", 0, -1],
      ["rawAt", 0, 7],
      ["stringAt", 0, 1],
      ["objectAt", 0, 1],
      ["getArray", 0, "e"],
      ["kindAt", 1, 0],
      ["objectAt", 1, 0],
      ["problems"],
    ],
    results: [
      1,
      0,
      0,
      0,
      "null",
      "",
      -1,
      1,
      0,
      -1,
      "chunk.doc.a[7]: missing (out of range); chunk.doc.a[1]: missing (expected string); " +
      "chunk.doc.a[1]: missing (expected object); chunk.doc.e[0]: missing (expected object)",
    ],
    out: '{"o":{"k":"v","k2":{}},"a":[1],"e":[]}',
  },
  {
    name: "arrays in arrays: cached child views, edits written back, wrong kinds and out of range are problems",
    doc: '{"a":[[1,{"k":"v"}],2]}',
    ops: [
      ["getArray", 0, "a"],
      ["arrayAt", 0, 0],
      ["length", 1],
      ["objectAt", 1, 1],
      ["setString", 1, "k2", "v2"],
      ["arrayLocation", 1],
      ["arrayAt", 0, 0],
      ["arrayAt", 0, 1],
      ["arrayAt", 0, 5],
      ["problems"],
    ],
    results: [
      0,
      1,
      2,
      1,
      null,
      "chunk.doc.a[0]",
      2,
      -1,
      -1,
      "chunk.doc.a[1]: expected array, found number; chunk.doc.a[5]: missing (expected array)",
    ],
    out: '{"a":[[1,{"k":"v","k2":"v2"}],2]}',
  },
  {
    name: "parse and parseArray: valid JSON only",
    doc: "{}",
    ops: [
      ["parse", '{"x": [1, {"y": "z"}]}'],
      ["getArray", 1, "x"],
      ["objectAt", 0, 1],
      ["getString", 2, "y"],
      ["parse", "[1]"],
      ["parse", '{"x":'],
      ["parseArray", "[1, 2]"],
      ["length", 1],
      ["parseArray", "{}"],
      ["setNode", 0, "p", 1],
    ],
    results: [1, 0, 2, "z", -1, -1, 1, 2, -1, null],
    out: '{"p":{"x": [1, {"y": "z"}]}}',
  },
  {
    name: "strings: surrogate pairs, lone surrogates and control characters round-trip",
    doc: '{"s":"\\ud83d\\ude80 \\udc00 \\u0001 \\/ 🚀"}',
    ops: [
      ["getString", 0, "s"],
      ["setString", 0, "t", "\u0001\u001f\ud800x"],
      ["getRaw", 0, "t"],
    ],
    results: ["🚀 \udc00 \u0001 / 🚀", null, '"\\u0001\\u001f\\ud800x"'],
    out: '{"s":"\\ud83d\\ude80 \\udc00 \\u0001 \\/ 🚀","t":"\\u0001\\u001f\\ud800x"}',
  },
];

// Longer than MEASURE_FROM (writer.ts) units: measured exactly before they are written.
const long = 'a"\\\n\t\u0001\u007fé€🚀\udc00\ud800x/'.repeat(400) + "\ud83d";
const longRaw = JSON.stringify(["é€🚀 ".repeat(1500)]);
CASES.push({
  name: "long strings and raw text: every kind of character, measured before they are written",
  doc: "{}",
  ops: [
    ["setString", 0, "s", long],
    ["getRaw", 0, "s"],
    ["setRaw", 0, "r", longRaw],
  ],
  results: [null, JSON.stringify(long), null],
  out: `{"s":${JSON.stringify(long)},"r":${longRaw}}`,
});

const body = "0123456789abcdef".repeat(2 << 16);
CASES.push({
  name: "HTTP bodies: base64 at every length of the last group, non-ASCII, and 2 MiB, read back",
  doc: "{}",
  ops: [
    ["setBodyText", 0, ""],
    ["getString", 0, "body"],
    ["setBodyText", 0, "a"],
    ["getString", 0, "body"],
    ["setBodyText", 0, "ab"],
    ["getString", 0, "body"],
    ["setBodyText", 0, "abc"],
    ["getString", 0, "body"],
    ["setBodyText", 0, "héllo 🚀"],
    ["bodyText", 0],
    ["setBodyText", 0, body],
    ["problems"],
  ],
  results: [null, "", null, "YQ==", null, "YWI=", null, "YWJj", null, "héllo 🚀", null, ""],
  out: `{"body":"${btoa(body)}"}`,
});

CASES.push({
  name: "HTTP bodies: bytes from the input's UTF-8, from JSON escapes and from a string set; bad ones are problems",
  doc: '{"a":{"body":"AAEC/w=="},"b":{"body":"AAEC\\/w=="},"c":{"body":"AAE"},"d":{"body":null},"e":{},"f":{"body":5}}',
  ops: [
    ["getObject", 0, "a"],
    ["bodyBytes", 1],
    ["getObject", 0, "b"],
    ["bodyBytes", 2],
    ["getObject", 0, "c"],
    ["bodyBytes", 3],
    ["bodyText", 3],
    ["problems"],
    ["getObject", 0, "d"],
    ["bodyBytes", 4],
    ["getObject", 0, "e"],
    ["bodyText", 5],
    ["problems"],
    ["getObject", 0, "f"],
    ["bodyBytes", 6],
    ["problems"],
    ["setBodyBytes", 1, "", "[104,105,255]"],
    ["getString", 1, "body"],
    ["getRaw", 1, "body"],
    ["kind", 1, "body"],
    ["bodyBytes", 1],
    ["setString", 2, "body", "aGk="],
    ["bodyBytes", 2],
    ["bodyText", 2],
    ["setBodyText", 3, "héllo"],
    ["bodyBytes", 3],
    ["bodyText", 3],
    ["setBodyBytes", 4, "", "[]"],
    ["bodyBytes", 4],
    ["problems"],
  ],
  results: [
    1,
    [0, 1, 2, 255],
    2,
    [0, 1, 2, 255],
    3,
    null,
    "",
    "chunk.doc.c.body: not valid base64; chunk.doc.c.body: not valid base64",
    4,
    [],
    5,
    "",
    "",
    6,
    [],
    "chunk.doc.f.body: expected string, found number",
    null,
    "aGn/",
    '"aGn/"',
    4,
    [104, 105, 255],
    null,
    [104, 105],
    "hi",
    null,
    [104, 195, 169, 108, 108, 111],
    "héllo",
    null,
    [],
    "",
  ],
  out: '{"a":{"body":"aGn/"},"b":{"body":"aGk="},"c":{"body":"aMOpbGxv"},"d":{"body":""},"e":{},"f":{"body":5}}',
});

const wide = `{${Array.from({ length: 600 }, (_, i) => `"k${i}":${i}`).join(",")}}`;
CASES.push(
  {
    name: "an object of 600 members (indexed across span chunks), read, deleted from and added to",
    doc: wide,
    ops: [
      ["size", 0],
      ["getNumberOr", 0, "k599"],
      ["getNumberOr", 0, "k0"],
      ["delete", 0, "k300"],
      ["has", 0, "k300"],
      ["setNumber", 0, "k600", 600],
      ["size", 0],
      ["getNumberOr", 0, "k600"],
    ],
    results: [600, 599, 0, null, false, null, 600, 600],
    out: wide.replace(',"k300":300', "").replace(/}$/, ',"k600":600}'),
  },
  {
    name: "members added to views indexed before and after others (moved to their own spans, or grown in place)",
    doc: '{"a":{"x":1},"b":{"y":2}}',
    ops: [
      ["getObject", 0, "a"],
      ["getObject", 0, "b"],
      ["has", 1, "x"],
      ["has", 2, "y"],
      ["setString", 1, "a2", "A"],
      ["setString", 2, "b2", "B"],
      ["setString", 1, "a3", "AA"],
      ["keys", 1],
      ["keys", 2],
      ["getString", 1, "a2"],
      ["getNumberOr", 1, "x"],
    ],
    results: [1, 2, true, true, null, null, null, ["x", "a2", "a3"], ["y", "b2"], "A", 1],
    out: '{"a":{"x":1,"a2":"A","a3":"AA"},"b":{"y":2,"b2":"B"}}',
  },
);

const plugin = await testPlugin("views");

for (const c of CASES) {
  Deno.test(`SDK views: ${c.name}`, async () => {
    const host = await PluginHost.load(plugin);
    try {
      const input = `{"context":{},"request":{"method":"POST","path":"/"},"chunk":{"doc":${c.doc},"ops":${
        JSON.stringify(c.ops)
      }}}`;
      const { output, raw } = await host.httpStreamChunkHook(input);
      assert.equal(output.error, "");
      const chunk = output.chunk as { results: unknown[] };
      assert.deepEqual(chunk.results, c.results);
      const start = raw.indexOf('"doc":') + 6;
      const end = raw.lastIndexOf(',"results":');
      assert.equal(raw.slice(start, end), c.out);
    } finally {
      host.close();
    }
  });
}

// A 32 MiB body (43 MiB of base64 in the input), read and rewritten under a memory cap: what the echo of the input
// alone needs, plus a budget in body sizes. Decoding through a string of the base64 (2 bytes a character) took
// 4.7 bodies more to read the bytes, 6.9 to read the text, 7.5 to read and set the bytes.
const MIB = 1 << 20;
const BODY_BYTES = 32 * MIB;
const BODY_BUDGETS: [Op, number][] = [
  [["bodyLength", 0], 2],
  [["bodyTextLength", 0], 4],
  [["copyBody", 0], 4],
];

Deno.test("SDK views: a 32 MiB HTTP body is read and set in memory for its bytes, not for a string of its base64", async () => {
  const bytes = new Uint8Array(BODY_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 0x20 + (i * 7919) % 0x5f;
  const base64 = encodeBase64(bytes);
  const input = (ops: Op[]) =>
    `{"context":{},"request":{"method":"POST","path":"/"},"chunk":{"doc":{"body":"${base64}"},"ops":${
      JSON.stringify(ops)
    }}}`;
  const run = async (ops: Op[], maxMemoryPages?: number) => {
    const host = await PluginHost.load(plugin, { noteGrowth: false, ...(maxMemoryPages ? { maxMemoryPages } : {}) });
    try {
      const { output, stats } = await host.httpStreamChunkHook(input(ops));
      assert.equal(output.error, "");
      return { results: (output.chunk as { results: unknown[] }).results, pages: stats.pagesAfter };
    } finally {
      host.close();
    }
  };
  const echo = await run([]);
  for (const [op, budget] of BODY_BUDGETS) {
    const cap = echo.pages + Math.ceil(budget * BODY_BYTES / 65536);
    const { results } = await run([op], cap).catch((e) => {
      throw new Error(`${op[0]} needs more than ${budget} times the body beyond the echo's memory: ${e.message}`);
    });
    assert.deepEqual(results, [op[0] === "copyBody" ? null : BODY_BYTES], String(op[0]));
  }
});
