import assert from "node:assert/strict";
import { RegistryError } from "../errors.ts";
import { createTar, readTar } from "./tar.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("createTar() round-trips files, directories and long paths through readTar()", () => {
  const long = `${"d".repeat(120)}/${"f".repeat(90)}.wasm`; // fits the ustar prefix split
  const longer = `${"x".repeat(300)}.wasm`; // needs a PAX path record
  const tar = createTar([
    { path: "app" },
    { path: "app/plugins/a.wasm", data: bytes("A"), mtime: 1_700_000_000 },
    { path: long, data: bytes("B") },
    { path: longer, data: new Uint8Array(1000).fill(7) },
  ]);
  assert.equal(tar.length % 512, 0);
  const entries = [...readTar(tar, "test")];
  assert.deepEqual(entries.map((e) => [e.path, e.type]), [
    ["app", "dir"],
    ["app/plugins/a.wasm", "file"],
    [long, "file"],
    [longer, "file"],
  ]);
  assert.deepEqual(entries[1]!.data, bytes("A"));
  assert.deepEqual(entries[3]!.data, new Uint8Array(1000).fill(7));
});

Deno.test("createTar() gives the same bytes for the same input", () => {
  const input = [{ path: "plugin.wasm", data: bytes("wasm"), mtime: 42 }];
  assert.deepEqual(createTar(input), createTar(input));
});

Deno.test("readTar() reads GNU long names and reports a corrupted header", () => {
  const name = `${"n".repeat(150)}.txt`;
  const gnu = createTar([{ path: "././@LongLink", data: bytes(name + "\0") }, { path: "short", data: bytes("x") }]);
  gnu[156] = "L".charCodeAt(0); // turn the first entry into a GNU long-name record
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : gnu[i]!;
  gnu.set(bytes(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  assert.deepEqual([...readTar(gnu, "gnu")].map((e) => e.path), [name]);

  const broken = createTar([{ path: "a", data: bytes("x") }]);
  broken[0] = "b".charCodeAt(0);
  assert.throws(() => [...readTar(broken, `layer "x"`)], (e) => {
    assert.ok(e instanceof RegistryError);
    assert.match(e.message, /^Malformed tar in layer "x": bad header checksum at byte 0$/);
    return true;
  });
});
