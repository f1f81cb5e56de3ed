import assert from "node:assert/strict";
import { runCli } from "../testing/cli.ts";

Deno.test("cli --help lists every command", async () => {
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /build\s+Compile/);
});

Deno.test("cli reports an unknown command with exit 2 and no stack trace", async () => {
  const r = await runCli(["frobnicate"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), `error: Unknown command "frobnicate": run 'bifrost-as --help' for the list`);
});

Deno.test("cli reports an unknown option with exit 2", async () => {
  const r = await runCli(["build", "--bogus"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: Unknown option '--bogus': see 'bifrost-as build --help'/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
});

Deno.test("cli build --help shows options and examples", async () => {
  const r = await runCli(["build", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--entry FILE/);
  assert.match(r.stdout, /Examples:/);
});
