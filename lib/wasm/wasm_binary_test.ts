import assert from "node:assert/strict";
import { AbiError } from "../errors.ts";
import {
  abiModule,
  HEADER,
  i32Const,
  i64Const,
  op,
  section,
  str,
  vec,
  WasmBuilder,
} from "../../testing/wasm_builder.ts";
import { parseWasm, sleb128, uleb128, withMemoryMaximum } from "./wasm_binary.ts";

/** A module made of the header and the given raw sections. */
const raw = (...sections: number[][]): Uint8Array => new Uint8Array([...HEADER, ...sections.flat()]);

/** Asserts `parseWasm` throws an AbiError whose message matches. */
function rejects(bytes: Uint8Array, message: RegExp | string, source?: string): void {
  assert.throws(() => parseWasm(bytes, source), (e) => {
    assert.ok(e instanceof AbiError, `expected an AbiError, got ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

Deno.test("parseWasm() reads types, imports, exports, memory and function names", () => {
  const bytes = new WasmBuilder()
    .importFunc("wasi_snapshot_preview1", "fd_write", ["i32", "i32", "i32", "i32"], ["i32"])
    .import("env", "g", { kind: "global", type: "i64", mutable: true })
    .import("env", "t", { kind: "table", min: 1 })
    .memory(2, 5)
    .func("pre_hook", ["i32", "i32"], ["i64"], [i64Const(0)])
    .func("helper", ["f32", "f64"], [], [], { export: false })
    .custom("producers", [0])
    .build({ names: true });
  const info = parseWasm(bytes);
  assert.equal(info.version, 1);
  assert.equal(info.size, bytes.length);
  assert.deepEqual(info.imports, [
    {
      module: "wasi_snapshot_preview1",
      name: "fd_write",
      index: 0,
      kind: "func",
      typeIndex: 0,
      signature: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
    },
    { module: "env", name: "g", index: 0, kind: "global", global: { type: "i64", mutable: true } },
    { module: "env", name: "t", index: 0, kind: "table", table: { ref: "funcref", min: 1 } },
  ]);
  assert.deepEqual(info.exports, [
    { name: "memory", kind: "memory", index: 0 },
    { name: "pre_hook", kind: "func", index: 1, signature: { params: ["i32", "i32"], results: ["i64"] } },
  ]);
  assert.deepEqual(info.memories, [{
    index: 0,
    min: 2,
    max: 5,
    shared: false,
    memory64: false,
    exportedAs: ["memory"],
  }]);
  assert.deepEqual(info.functions.map((f) => [f.index, f.imported, f.signature.params.join()]), [
    [0, true, "i32,i32,i32,i32"],
    [1, false, "i32,i32"],
    [2, false, "f32,f64"],
  ]);
  assert.deepEqual([...info.functionNames], [[0, "wasi_snapshot_preview1.fd_write"], [1, "pre_hook"], [2, "helper"]]);
  assert.deepEqual(info.customSections, ["name", "producers"]);
});

Deno.test("parseWasm() records where every section sits", () => {
  const bytes = abiModule();
  const info = parseWasm(bytes);
  assert.deepEqual(info.sections.map((s) => s.kind), [
    "type",
    "function",
    "memory",
    "global",
    "export",
    "code",
    "data",
    "custom",
  ]);
  let expected = 8;
  for (const s of info.sections) {
    assert.equal(s.offset, expected);
    assert.equal(bytes[s.offset], s.id);
    assert.equal(s.payloadOffset, s.offset + 1 + uleb128(s.size).length);
    expected = s.payloadOffset + s.size;
  }
  assert.equal(expected, bytes.length);
  assert.equal(info.sections.at(-1)?.name, "name");
});

Deno.test("parseWasm() reads start, table, element, global, datacount and data sections", () => {
  const bytes = new WasmBuilder()
    .memory(1)
    .table(2, 4)
    .global("i32", false, [i32Const(-7)])
    .global("f64", true, [[0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]])
    .func("init", [], [], [], { export: false })
    .start("init")
    .elem(0, ["init", "init"])
    .dataCount()
    .data(16, "hello")
    .data(32, new Uint8Array([1, 2, 3]))
    .build();
  new WebAssembly.Module(bytes as BufferSource); // the fixture itself is valid
  const info = parseWasm(bytes);
  assert.equal(info.start, 0);
  assert.deepEqual(info.tables, [{ ref: "funcref", min: 2, max: 4 }]);
  assert.deepEqual(info.globals, [{ type: "i32", mutable: false }, { type: "f64", mutable: true }]);
  assert.equal(info.elementSegments, 1);
  assert.equal(info.dataSegments, 2);
  assert.deepEqual(info.sections.map((s) => s.kind), [
    "type",
    "function",
    "table",
    "memory",
    "global",
    "export",
    "start",
    "element",
    "datacount",
    "code",
    "data",
  ]);
});

Deno.test("parseWasm() reads shared, 64-bit and imported memories", () => {
  const shared = parseWasm(new WasmBuilder().memory(1, 3, { shared: true }).build()).memories[0];
  assert.deepEqual(shared, { index: 0, min: 1, max: 3, shared: true, memory64: false, exportedAs: ["memory"] });
  const wide = parseWasm(new WasmBuilder().memory(2, 2 ** 40, { memory64: true, export: "mem" }).build()).memories[0];
  assert.deepEqual(wide, { index: 0, min: 2, max: 2 ** 40, shared: false, memory64: true, exportedAs: ["mem"] });
  const imported = parseWasm(new WasmBuilder().importMemory("env", "memory", 1).build()).memories[0];
  assert.deepEqual(imported, {
    index: 0,
    min: 1,
    shared: false,
    memory64: false,
    importedFrom: "env.memory",
    exportedAs: [],
  });
});

Deno.test("parseWasm() rejects garbage bytes as not a WebAssembly module", () => {
  const bad = 'Cannot read "x.wasm": not a WebAssembly module (bad magic)';
  rejects(new TextEncoder().encode("#!/bin/sh\necho hi\n"), bad, "x.wasm");
  rejects(new Uint8Array([]), bad, "x.wasm");
  rejects(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), bad, "x.wasm");
  rejects(new Uint8Array([0, 0x61, 0x73]), "Cannot read WebAssembly module: truncated header (3 of 8 bytes)");
});

Deno.test("parseWasm() rejects other versions and components", () => {
  rejects(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), /unsupported WebAssembly version 2 \(expected 1\)$/);
  rejects(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), /a WebAssembly component, not a core module$/);
});

Deno.test("parseWasm() rejects a truncated module and never throws anything but AbiError", () => {
  const bytes = abiModule();
  rejects(bytes.subarray(0, 20), /^Cannot read WebAssembly module: section claims \d+ bytes but only \d+ remain/);
  let parsed = 0;
  for (let end = 8; end < bytes.length; end++) {
    try {
      parseWasm(bytes.subarray(0, end));
      parsed++; // a cut on a section boundary can leave a well-formed module
    } catch (e) {
      assert.ok(e instanceof AbiError, `cut at ${end}: ${e}`);
    }
  }
  assert.ok(parsed <= parseWasm(bytes).sections.length, `${parsed} truncations parsed`);
});

Deno.test("parseWasm() survives corrupted bytes with AbiError or a result", () => {
  const bytes = abiModule();
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let round = 0; round < 2000; round++) {
    const copy = bytes.slice();
    for (let flips = 1 + (next() % 3); flips > 0; flips--) copy[8 + (next() % (copy.length - 8))] = next() & 0xff;
    try {
      parseWasm(copy);
    } catch (e) {
      assert.ok(e instanceof AbiError, `round ${round}: ${e}`);
    }
  }
});

Deno.test("uleb128() and sleb128() encode edge values", () => {
  assert.deepEqual(uleb128(0), [0x00]);
  assert.deepEqual(uleb128(127), [0x7f]);
  assert.deepEqual(uleb128(128), [0x80, 0x01]);
  assert.deepEqual(uleb128(0xffff_ffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.deepEqual(uleb128(2n ** 64n - 1n), [...Array(9).fill(0xff), 0x01]);
  assert.throws(() => uleb128(-1), RangeError);
  assert.deepEqual(sleb128(0), [0x00]);
  assert.deepEqual(sleb128(-1), [0x7f]);
  assert.deepEqual(sleb128(-64), [0x40]);
  assert.deepEqual(sleb128(-65), [0xbf, 0x7f]);
  assert.deepEqual(sleb128(-(2 ** 31)), [0x80, 0x80, 0x80, 0x80, 0x78]);
  assert.deepEqual(sleb128(2n ** 63n - 1n), [...Array(9).fill(0xff), 0x00]);
  assert.deepEqual(sleb128(-(2n ** 63n)), [...Array(9).fill(0x80), 0x7f]);
});

Deno.test("parseWasm() decodes LEB128 edge cases and rejects overlong or oversized ones", () => {
  const oneType = [0x60, 0, 0];
  // A type count of 1 padded to the 5 bytes a u32 may take is well formed.
  assert.equal(parseWasm(raw([1, 8, 0x81, 0x80, 0x80, 0x80, 0x00, ...oneType])).types.length, 1);
  rejects(raw([1, 9, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, ...oneType]), /integer representation too long/);
  rejects(
    raw([1, 8, 0x81, 0x80, 0x80, 0x80, 0x10, ...oneType]),
    /integer too large for u32 \(type section, byte 10\)$/,
  );
  rejects(raw([1, 2, 0x81, 0x80]), /unexpected end of data \(type section, byte 12\)$/);
  rejects(raw([1, 0x80]), /unexpected end of data \(type section, byte 10\)$/);

  // Signed: global initialisers with 5-byte i32.const immediates.
  const global = (imm: number[]) => {
    const entry = [0x7f, 0, 0x41, ...imm, 0x0b];
    return raw(section(6, vec([entry])));
  };
  assert.equal(parseWasm(global([0xff, 0xff, 0xff, 0xff, 0x7f])).globals.length, 1); // -1, padded
  assert.equal(parseWasm(global([0xff, 0xff, 0xff, 0xff, 0x07])).globals.length, 1); // 2^31 - 1
  rejects(global([0xff, 0xff, 0xff, 0xff, 0x0f]), /integer too large for s32/);
  rejects(global([0x80, 0x80, 0x80, 0x80, 0x4f]), /integer too large for s32/);
  rejects(
    global([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
    /integer representation too long \(more than 5 bytes for s32\)/,
  );
});

Deno.test("parseWasm() rejects malformed sections with what and where", () => {
  rejects(raw([14, 0]), /^Cannot read WebAssembly module: unknown section id 14 \(section header, byte 8\)$/);
  rejects(raw(section(1, [0])).subarray(0, 9), /unexpected end of data/);
  rejects(raw(section(1, [0]), section(1, [0])), /type section is duplicated or out of order/);
  rejects(raw(section(7, [0]), section(1, [0])), /type section is duplicated or out of order/);
  rejects(raw(section(1, [0, 0])), /1 unread bytes at the end of the section \(type section, byte 11\)$/);
  rejects(raw(section(1, [1, 0x5e, 0, 0])), /unsupported type form 0x5e/);
  rejects(raw(section(1, [1, 0x60, 1, 0x63, 0])), /unsupported value type 0x63/);
  rejects(raw(section(3, [1, 0])), /type index 0 is out of range \(0 types\)/);
  rejects(
    raw(section(1, vec([[0x60, 0, 0]])), section(3, [1, 0])),
    /functions are declared but the code section is missing/,
  );
  rejects(
    raw(section(1, vec([[0x60, 0, 0]])), section(3, [1, 0]), section(10, [0])),
    /0 function bodies for 1 declared/,
  );
  rejects(raw(section(7, vec([[...str("f"), 0, 0]]))), /export "f" refers to func 0, which does not exist/);
  rejects(raw(section(2, vec([[...str("m"), 2, 0xff, 0xfe, 0, 0]]))), /name is not valid UTF-8/);
  rejects(raw(section(2, vec([[...str("m"), ...str("n"), 7]]))), /unknown import kind 0x07/);
  rejects(raw(section(5, [1, 0x08, 1])), /unsupported limits flags 0x08/);
  rejects(raw(section(5, [1, 0x01, 3, 2])), /limits maximum 2 is below minimum 3/);
  rejects(raw(section(5, [1, 0x02, 1])), /shared memory without a maximum/);
  rejects(raw(section(8, [0])), /start function 0 does not exist/);
  rejects(
    raw(section(5, [1, 0, 1]), section(12, [2]), section(11, [0])),
    /0 data segments but the datacount section says 2/,
  );
  rejects(raw(section(1, [0xff, 0xff, 0x03])), /type count 65535 exceeds the 0 bytes left/);
});

Deno.test("parseWasm() ignores a malformed name section, as engines do", () => {
  const bytes = new WasmBuilder().memory(1).custom("name", [1, 5, 1, 0]).build();
  const info = parseWasm(bytes);
  assert.deepEqual(info.customSections, ["name"]);
  assert.equal(info.functionNames.size, 0);
});

Deno.test("withMemoryMaximum() caps the defined memory and keeps everything else", async () => {
  const bytes = abiModule();
  const capped = withMemoryMaximum(bytes, 1);
  const before = parseWasm(bytes);
  const after = parseWasm(capped);
  assert.equal(before.memories[0]?.max, undefined);
  assert.equal(after.memories[0]?.max, 1);
  assert.deepEqual(after.exports, before.exports);
  assert.deepEqual(after.functionNames, before.functionNames);
  assert.equal(capped.length, bytes.length + 1); // one more byte for the maximum
  const { instance } = await WebAssembly.instantiate(capped as BufferSource);
  const malloc = instance.exports.malloc as (n: number) => number;
  assert.ok(malloc(1000) > 0);
  assert.throws(() => malloc(70_000), WebAssembly.RuntimeError); // cannot grow past the cap
});

Deno.test("withMemoryMaximum() replaces an existing maximum and keeps the shared flag", () => {
  const shared = new WasmBuilder().memory(1, 10, { shared: true }).build();
  assert.deepEqual(parseWasm(withMemoryMaximum(shared, 300)).memories[0], {
    index: 0,
    min: 1,
    max: 300,
    shared: true,
    memory64: false,
    exportedAs: ["memory"],
  });
  const raised = withMemoryMaximum(abiModule({ memory: { min: 1, max: 2 } }), 200);
  assert.equal(parseWasm(raised).memories[0]?.max, 200);
  new WebAssembly.Module(raised as BufferSource);
});

Deno.test("withMemoryMaximum() refuses modules it cannot cap", () => {
  assert.throws(
    () => withMemoryMaximum(abiModule({ memory: false }), 4, "p.wasm"),
    { name: "AbiError", message: 'Cannot cap the memory of "p.wasm": it defines no memory' },
  );
  assert.throws(
    () => withMemoryMaximum(new WasmBuilder().importMemory("env", "memory", 1).build(), 4),
    { message: "Cannot cap the memory of WebAssembly module: it defines no memory" },
  );
  assert.throws(
    () => withMemoryMaximum(abiModule({ memory: { min: 8 } }), 4, "p.wasm"),
    { message: 'Cannot cap the memory of "p.wasm" at 4 pages: it needs at least 8' },
  );
  assert.throws(() => withMemoryMaximum(abiModule(), -1), { message: /"-1" is not a page count/ });
  assert.throws(() => withMemoryMaximum(new Uint8Array([1, 2]), 4), { name: "AbiError", message: /bad magic/ });
});

Deno.test("WasmBuilder abiModule() runs: get_name and hooks return their packed data", async () => {
  const { instance } = await WebAssembly.instantiate(
    abiModule({ name: "my-plugin", outputs: { pre_hook: '{"x":1}' } }) as BufferSource,
  );
  const ex = instance.exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
  const read = (packed: bigint) => {
    const ptr = Number(BigInt.asUintN(64, packed) >> 32n);
    const len = Number(packed & 0xffff_ffffn);
    return new TextDecoder().decode(new Uint8Array(ex.memory.buffer, ptr, len));
  };
  assert.equal(read(ex.get_name!() as bigint), "my-plugin");
  const p = ex.malloc!(7) as number;
  assert.equal(read(ex.pre_hook!(p, 7) as bigint), '{"x":1}');
  assert.equal(ex.init!(0, 0), 0);
  assert.equal(ex.malloc!(1) % 8, 0);
  assert.throws(() => new WasmBuilder().func("f", [], [], [op.unreachable]).importFunc("m", "n", [], []));
});
