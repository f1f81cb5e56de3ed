import assert from "node:assert/strict";
import { AbiError, InputError, RegistryError, UsageError } from "../lib/errors.ts";
import { asUsage, type Command, type CommandInput, intOption, nearest, runCommand, sizesOption } from "./command.ts";

const input = (values: CommandInput["values"]): CommandInput => ({
  values,
  positionals: [],
  io: { out() {}, err() {} },
  signal: new AbortController().signal,
});

function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
}

const echo: Command = {
  name: "deno task echo",
  summary: "Prints its options",
  positionals: [{ name: "word", description: "A word" }],
  options: {
    timeout: { type: "string", arg: "MS", description: "A budget", default: "10" },
    loud: { type: "boolean", description: "Shout" },
  },
  run(i) {
    i.io.out(JSON.stringify({ ...i.values, word: i.positionals[0] }));
    return Promise.resolve(flagCode(i));
  },
};
const flagCode = (i: CommandInput) => (i.values.loud ? 3 : 0);

Deno.test("runCommand() parses options with their defaults and returns what the command returns", async () => {
  const c = capture();
  assert.equal(await runCommand(echo, ["hi", "--loud"], { io: c.io }), 3);
  assert.deepEqual(JSON.parse(c.out[0]!), { timeout: "10", loud: true, word: "hi" });
});

Deno.test("runCommand() prints --help from the declaration and names the program", async () => {
  const c = capture();
  assert.equal(await runCommand(echo, ["--help"], { io: c.io, program: "" }), 0);
  assert.match(c.out[0]!, /^deno task echo <word> \[options\]\n\nPrints its options/);
  assert.match(c.out[0]!, /--timeout MS\s+A budget \(default: 10\)/);
});

Deno.test("runCommand() suggests the nearest option and exits 2 on usage errors", async () => {
  const c = capture();
  assert.equal(await runCommand(echo, ["hi", "--tiemout", "5"], { io: c.io, program: "" }), 2);
  assert.deepEqual(c.err, ["error: Unknown option '--tiemout' (did you mean --timeout?): see 'deno task echo --help'"]);
  const d = capture();
  assert.equal(await runCommand(echo, [], { io: d.io, program: "prog" }), 2);
  assert.deepEqual(d.err, ["error: Missing argument <word>: see 'prog deno task echo --help'"]);
});

Deno.test("runCommand() turns an unexpected error into one line and exit 1", async () => {
  const c = capture();
  const broken: Command = { ...echo, run: () => Promise.reject(new TypeError("boom")) };
  assert.equal(await runCommand(broken, ["x"], { io: c.io }), 1);
  assert.equal(c.err.length, 1);
  assert.match(c.err[0]!, /^error: unexpected failure .*: boom$/);
});

Deno.test("nearest() finds a typo's name and nothing for an unrelated word", () => {
  assert.equal(nearest("chek", ["check", "build", "test"]), "check");
  assert.equal(nearest("buidl", ["check", "build", "test"]), "build");
  assert.equal(nearest("deploy", ["check", "build", "test"]), undefined);
});

Deno.test("intOption() reads whole numbers in range, with _ separators, and words one error for the rest", () => {
  assert.equal(intOption(input({ n: "1_000" }), "n", 1), 1000);
  assert.equal(intOption(input({}), "n", 1), undefined);
  assert.throws(() => intOption(input({ n: "0" }), "n", 1), {
    message: 'Invalid --n "0": expected a whole number of at least 1',
  });
  assert.throws(() => intOption(input({ n: "1.5" }), "n", 0, 10), {
    message: 'Invalid --n "1.5": expected a whole number from 0 to 10',
  });
});

Deno.test("sizesOption() reads sizes in MiB and refuses 0 and what is over 1024 with the range it takes", () => {
  assert.equal(sizesOption(input({}), "sizes"), undefined);
  assert.deepEqual(sizesOption(input({ sizes: "0.5, 2,1024" }), "sizes"), [0.5, 2, 1024]);
  for (const bad of ["0", "1,x", "1025", ""]) {
    assert.throws(
      () => sizesOption(input({ sizes: bad }), "sizes"),
      (e) =>
        e instanceof UsageError &&
        e.message === `Invalid --sizes "${bad}": expected sizes in MiB above 0 and up to 1024, comma-separated`,
    );
  }
});

Deno.test("runCommand() reports the library's InputError as a usage error naming the command's flag", async () => {
  const c = capture();
  const cmd: Command = {
    ...echo,
    fields: { sdkSpec: "--sdk-spec", force: "--force writes anyway" },
    run: () => Promise.reject(new InputError('Invalid sdkSpec "^1": expected an exact version', "sdkSpec")),
  };
  assert.equal(await runCommand(cmd, ["x"], { io: c.io }), 2);
  assert.deepEqual(c.err, ['error: Invalid --sdk-spec "^1": expected an exact version']);
  const notEmpty = asUsage(new InputError('Cannot create a project in "p": the directory is not empty', "force"), {
    force: "--force writes anyway",
  });
  assert.ok(notEmpty instanceof UsageError);
  assert.equal(notEmpty.message, 'Cannot create a project in "p": the directory is not empty (--force writes anyway)');
});

Deno.test("asUsage() makes a file that is no module a usage error and adds a registry error's flag", () => {
  assert.ok(asUsage(new AbiError("not a module")) instanceof UsageError);
  const e = asUsage(
    new RegistryError("Cannot reach: a registry that speaks plain HTTP needs plainHttp", {
      status: undefined,
      reference: "r.example",
      field: "plainHttp",
    }),
    { plainHttp: "--plain-http" },
  );
  assert.ok(e instanceof RegistryError);
  assert.equal(e.message, "Cannot reach: a registry that speaks plain HTTP needs plainHttp (--plain-http)");
  assert.equal(e.reference, "r.example");
  assert.equal(e.exitCode, 1);
});
