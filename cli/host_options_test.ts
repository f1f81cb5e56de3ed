import assert from "node:assert/strict";
import { commands } from "./commands/all.ts";
import { HOST_OPTIONS } from "./host_options.ts";
import { formatHelp } from "./command.ts";
import { runCli } from "../testing/cli.ts";

Deno.test("--engine and --hook-timeout are declared once and offered by every command that hosts a plugin", () => {
  const offering = (name: string) => commands.filter((c) => name in c.options).map((c) => c.name).sort();
  assert.deepEqual(offering("engine"), ["bench", "check", "dev", "run", "test"]);
  assert.deepEqual(offering("hook-timeout"), ["check", "dev", "run", "test", "watch"]);
  for (const c of commands) {
    for (const name of ["engine", "hook-timeout"] as const) {
      if (name in c.options) assert.equal(c.options[name], HOST_OPTIONS[name], `${c.name} --${name}`);
    }
    if (!("engine" in c.options)) continue;
    const help = formatHelp(c);
    assert.match(
      help,
      /--engine ENGINE +Where the plugin runs: v8 \(Deno\) or wazero \(Go, Bifrost's runtime\)/,
      c.name,
    );
  }
});

Deno.test("--hook-timeout and --engine are checked with one clear line, the same in every command", async () => {
  for (const args of [["run", "x.wasm", "pre_hook"], ["check", "x.wasm"], ["dev", "--plugin", "x.wasm"]]) {
    const timeout = await runCli([...args, "--hook-timeout", "soon"]);
    assert.equal(timeout.code, 2, args.join(" "));
    assert.equal(
      timeout.stderr.trim(),
      'error: Invalid --hook-timeout "soon": expected a whole number from 0 to 3600000',
    );
  }
  const engine = await runCli(["check", "x.wasm", "--engine", "wasmer"]);
  assert.equal(engine.code, 2);
  assert.match(engine.stderr, /^error: (Cannot read "x\.wasm"|Unknown engine "wasmer")/);
  const dev = await runCli(["dev", "--plugin", "x.wasm", "--engine", "wasmer"]);
  assert.equal(dev.code, 2);
  assert.equal(dev.stderr.trim(), 'error: Unknown engine "wasmer": expected v8, wazero');
});
