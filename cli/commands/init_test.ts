import assert from "node:assert/strict";
import { RUNTIME_PACKAGES } from "../../lib/project/init.ts";
import { MOCK_UPSTREAM_FILES } from "../../lib/mock/files.ts";
import { runCli, spawnCli } from "../../testing/cli.ts";

const TOOLKIT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const BUILD = ["--entry", "assembly/my_plugin.ts", "--out", "build/my-plugin.wasm"];

/** Reads stdout lines until one matches `pattern`; returns the lines read. */
async function linesUntil(p: { readLine(ms?: number): Promise<string> }, pattern: RegExp): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const line = await p.readLine(120_000);
    lines.push(line);
    if (pattern.test(line)) return lines;
  }
}

/** Polls `probe` until it returns true (a reload is asynchronous); fails after `ms`. */
async function eventually(probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!await probe()) {
    if (Date.now() > deadline) assert.fail(`Not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "A project from 'init' builds, passes its fixtures, shows a broken fixture's diff, and watches",
  async fn(t) {
    const root = await Deno.makeTempDir({ prefix: "init-" });
    const dir = `${root}/my-plugin`;
    try {
      await t.step("init --sdk writes the project and links the toolkit checkout as its SDK", async () => {
        const r = await runCli(["init", dir, "--sdk", TOOLKIT]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Created plugin "my-plugin" in /);
        assert.match(r.stdout, /^ {2}assembly\/my_plugin\.ts$/m);
        assert.match(
          r.stdout,
          new RegExp(`^It depends on bifrost-as file:${TOOLKIT}, linked at node_modules/bifrost-as$`, "m"),
        );
        assert.equal(await Deno.realPath(`${dir}/node_modules/bifrost-as`), await Deno.realPath(TOOLKIT));
        assert.equal(
          await Deno.realPath(`${dir}/node_modules/.bin/bifrost-as`),
          await Deno.realPath(`${TOOLKIT}/bin/bifrost-as.cjs`),
        );
        const pkg = JSON.parse(await Deno.readTextFile(`${dir}/package.json`));
        assert.deepEqual(pkg.dependencies, { "bifrost-as": `file:${TOOLKIT}` });
        assert.equal(pkg.scripts.test, `bifrost-as test ${BUILD.join(" ")}`);
        const asconfig = JSON.parse(await Deno.readTextFile(`${dir}/asconfig.json`));
        assert.equal(asconfig.extends, "./node_modules/bifrost-as/asconfig.sdk.json");
        const denoJson = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
        assert.equal(denoJson.imports["bifrost-as/"], "./node_modules/bifrost-as/");
        assert.equal(denoJson.tasks.test, `deno task bifrost-as test ${BUILD.join(" ")}`);
        const plugin = await Deno.readTextFile(`${dir}/assembly/my_plugin.ts`);
        assert.match(plugin, /from "bifrost-as\/assembly\/sdk";/);
        assert.match(plugin, /^export \* from "bifrost-as\/assembly\/sdk\/abi";$/m);
      });

      await t.step("test builds it, validates it and passes its fixtures", async () => {
        const r = await runCli(["test", ...BUILD], { cwd: dir });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stderr, /^Built .*\/build\/my-plugin\.wasm in \d+\.\ds$/m);
        assert.match(r.stdout, /^ok {6}pre_hook\/blocked$/m);
        assert.match(
          r.stdout,
          /^4 fixtures, each under 4 free policies \(both, input, none, double\): 4 passed, 0 failed$/m,
        );
      });

      await t.step(
        "the plugin reads the model of every request shape: a chat_request wrapper is blocked too",
        async () => {
          const input = {
            context: {},
            request: {
              chat_request: { provider: "openai", model: "blocked-model", input: [{ role: "user", content: "Hi" }] },
            },
          };
          const r = await runCli(["run", "build/my-plugin.wasm", "pre_hook", "-i", "-"], {
            cwd: dir,
            stdin: JSON.stringify(input),
          });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(JSON.parse(r.stdout).short_circuit?.error?.status_code, 403, r.stdout);
        },
      );

      await t.step("a broken fixture fails with a diff, and --update repairs it", async () => {
        const path = `${dir}/fixtures/pre_hook/blocked.json`;
        const good = await Deno.readTextFile(path);
        await Deno.writeTextFile(path, good.replace('"status_code": 403', '"status_code": 404'));
        const plugin = ["--plugin", "build/my-plugin.wasm"];
        const failed = await runCli(["test", ...plugin], { cwd: dir });
        assert.equal(failed.code, 1);
        assert.match(
          failed.stdout,
          /^FAIL {4}pre_hook\/blocked {2}\(fixtures\/pre_hook\/blocked\.json, exact match\)\n {10}under every free policy:\n {10}- short_circuit\.error\.status_code: 404\n {10}\+ short_circuit\.error\.status_code: 403$/m,
        );
        assert.match(failed.stdout, /: 3 passed, 1 failed$/m);
        const updated = await runCli(["test", ...plugin, "--update"], { cwd: dir });
        assert.equal(updated.code, 0, updated.stdout);
        assert.match(updated.stdout, /^updated pre_hook\/blocked$/m);
        assert.equal(await Deno.readTextFile(path), good);
      });

      await t.step("the project's Deno tests pass: conformance host and local gateway (npm run e2e)", async () => {
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["test", "-A", "test/"],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        }).output();
        const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
        assert.equal(r.code, 0, out);
        assert.match(out, /^ok \| 3 passed \| 0 failed/m);
      });

      await t.step(
        "watch rebuilds on change, shows build errors with file and line; dev reloads each build",
        async () => {
          await using watch = spawnCli(["watch", ...BUILD], { cwd: dir });
          await linesUntil(watch, /: 4 passed, 0 failed$/);
          await using dev = spawnCli(["dev", "--plugin", "build/my-plugin.wasm", "--port", "0"], { cwd: dir });
          const url = await dev.readLine(60_000);
          const refusal = async () => {
            const res = await fetch(`${url}/v1/chat/completions`, {
              method: "POST",
              body: JSON.stringify({ model: "openai/blocked-model", messages: [{ role: "user", content: "hi" }] }),
            });
            return (await res.json()).error?.message as string;
          };
          assert.equal(await refusal(), "Model blocked-model is blocked");

          const source = `${dir}/assembly/my_plugin.ts`;
          const good = await Deno.readTextFile(source);
          await Deno.writeTextFile(
            source,
            good.replace("const model = input.model;", "const model = input.modle;"),
          );
          const broken = await linesUntil(watch, /Build failed/);
          assert.match(
            broken.at(-1)!,
            /Build failed: Cannot build "assembly\/my_plugin\.ts": ERROR TS\d+: .*modle.* at assembly\/my_plugin\.ts\(\d+,\d+\)$/,
          );
          assert.equal(await refusal(), "Model blocked-model is blocked", "the last good build still serves");

          await Deno.writeTextFile(source, good.replace('" is blocked"', '" is not allowed"'));
          const rebuilt = (await linesUntil(watch, /: 3 passed, 1 failed$/)).join("\n");
          assert.match(rebuilt, /^\[\d\d:\d\d:\d\d\] Built .*my-plugin\.wasm/m);
          assert.match(
            rebuilt,
            /^ {10}\+ short_circuit\.error\.error\.message: "Model blocked-model is not allowed"$/m,
          );
          assert.doesNotMatch(rebuilt, /^ok /m, "passing fixtures are only counted");
          await eventually(async () => await refusal() === "Model blocked-model is not allowed");

          // Fixtures alone changed: they run again, without a build.
          assert.equal((await runCli(["test", "--plugin", "build/my-plugin.wasm", "--update"], { cwd: dir })).code, 0);
          const retested = await linesUntil(watch, /: 4 passed, 0 failed$/);
          assert.ok(!retested.some((l) => l.includes("Built")), retested.join("\n"));
        },
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("init refuses a non-empty directory, a bad name and an SDK that is not bifrost-as", async () => {
  const root = await Deno.makeTempDir({ prefix: "init-" });
  try {
    await Deno.writeTextFile(`${root}/keep.txt`, "mine");
    const taken = await runCli(["init", root, "--name", "p"]);
    assert.equal(taken.code, 2);
    assert.equal(
      taken.stderr.trim(),
      `error: Cannot create a project in "${root}": the directory is not empty (--force writes anyway)`,
    );
    const forced = await runCli(["init", root, "--name", "p", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await Deno.readTextFile(`${root}/keep.txt`), "mine");
    assert.ok((await Deno.stat(`${root}/assembly/p.ts`)).isFile);

    const badName = await runCli(["init", `${root}/My Plugin`]);
    assert.equal(badName.code, 2);
    assert.equal(
      badName.stderr.trim(),
      'error: Invalid plugin name "My Plugin": use lower-case letters, digits and single - or _ between words (--name)',
    );
    assert.equal((await runCli(["init", `${root}/x`, "--name", "index"])).code, 2);

    const refusals: [string[], string][] = [
      [["--sdk", root], `Invalid --sdk "${root}": no bifrost-as toolkit there (assembly/sdk/index.ts is missing)`],
      [
        ["--sdk", "npm:bifrost-as@0.1.0"],
        'Invalid --sdk "npm:bifrost-as@0.1.0": expected a toolkit checkout',
      ],
      [
        ["--sdk-spec", root],
        `Invalid --sdk-spec "${root}": no bifrost-as toolkit there (assembly/sdk/index.ts is missing)`,
      ],
      [["--sdk-spec", `${root}/keep.txt`], `Invalid --sdk-spec "${root}/keep.txt": a file must be a tarball`],
      [["--sdk-spec", "^0.1.0"], 'Invalid --sdk-spec "^0.1.0": expected an exact version (e.g. 0.1.0), a bifrost-as'],
      [["--sdk-spec", "https://example.com/b.tgz"], 'Invalid --sdk-spec "https://example.com/b.tgz": expected an'],
      [
        ["--sdk-spec", "0.1.0", "--sdk", TOOLKIT],
        "Give either an SDK checkout to link or the SDK spec package.json names, not both (--sdk-spec)",
      ],
    ];
    for (const [args, message] of refusals) {
      const r = await runCli(["init", `${root}/y`, ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.ok(r.stderr.startsWith(`error: ${message}`), r.stderr);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("init --sdk-spec names a version, a tarball or a folder; no generated config holds an absolute path", async () => {
  const root = await Deno.makeTempDir({ prefix: "init-" });
  try {
    await Deno.writeFile(`${root}/bifrost-as-9.9.9.tgz`, new Uint8Array(1));
    const cases: [string, string][] = [
      ["0.2.0-rc.1", "0.2.0-rc.1"],
      ["bifrost-as@1.2.3", "1.2.3"],
      [`${root}/bifrost-as-9.9.9.tgz`, `file:${root}/bifrost-as-9.9.9.tgz`],
      [TOOLKIT, `file:${TOOLKIT}`],
    ];
    for (const [i, [spec, dependency]] of cases.entries()) {
      const dir = `${root}/p${i}`;
      const r = await runCli(["init", dir, "--sdk-spec", spec, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).dependency, dependency);
      const pkg = JSON.parse(await Deno.readTextFile(`${dir}/package.json`));
      assert.deepEqual(pkg.dependencies, { "bifrost-as": dependency });
      assert.deepEqual(Object.keys(pkg.devDependencies), ["deno"]);
      const file = dependency.startsWith("file:") ? { [dependency]: false } : {};
      assert.deepEqual(pkg.allowScripts, { deno: true, ...file });
      await assert.rejects(Deno.lstat(`${dir}/node_modules`), Deno.errors.NotFound, "nothing linked");
      for (const file of ["asconfig.json", "deno.json", "compose.yaml", "test/p" + i + "_test.ts"]) {
        const text = await Deno.readTextFile(`${dir}/${file}`);
        assert.ok(!text.includes(root) && !text.includes(TOOLKIT), `${file} names an absolute path`);
      }
    }
    // Without --sdk-spec, or with the bare package name: the toolkit's own version.
    const version = JSON.parse(await Deno.readTextFile(`${TOOLKIT}/package.json`)).version;
    assert.equal(JSON.parse((await runCli(["init", `${root}/d`, "--json"])).stdout).dependency, version);
    const named = await runCli(["init", `${root}/e`, "--sdk-spec", "bifrost-as", "--json"]);
    assert.equal(JSON.parse(named.stdout).dependency, version);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("A project's npm scripts and deno.json tasks are the same commands", async () => {
  const root = await Deno.makeTempDir({ prefix: "init-" });
  try {
    assert.equal((await runCli(["init", `${root}/p`, "--sdk-spec", "0.1.0"])).code, 0);
    const pkg = JSON.parse(await Deno.readTextFile(`${root}/p/package.json`));
    const { tasks } = JSON.parse(await Deno.readTextFile(`${root}/p/deno.json`));
    assert.equal(tasks["bifrost-as"], "node node_modules/bifrost-as/bin/bifrost-as.cjs");
    const { "bifrost-as": _, ...mirrored } = tasks;
    assert.deepEqual(Object.keys(pkg.scripts), Object.keys(mirrored));
    for (const name of ["build", "test", "watch", "dev", "e2e", "package"]) assert.ok(pkg.scripts[name], name);
    for (const [name, script] of Object.entries(pkg.scripts as Record<string, string>)) {
      assert.equal(mirrored[name], script.replace(/(^|&& )bifrost-as /g, "$1deno task bifrost-as "), name);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("A project's compose.yaml mounts every file the mock upstream runs from", async () => {
  const root = await Deno.makeTempDir({ prefix: "init-" });
  try {
    assert.equal((await runCli(["init", `${root}/p`, "--sdk-spec", "0.1.0"])).code, 0);
    const compose = await Deno.readTextFile(`${root}/p/compose.yaml`);
    for (const file of MOCK_UPSTREAM_FILES) {
      assert.ok(compose.includes(`- ./node_modules/bifrost-as/${file}:/mock/${file}:ro\n`), file);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("init copies the pin of every npm package the toolkit's library and CLI import", async () => {
  const imported = new Set<string>();
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts") && !/_test\.ts$|(^|\/)_test_/.test(e.name)) {
        const text = await Deno.readTextFile(path);
        const specifiers = /^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm;
        for (const m of text.matchAll(specifiers)) {
          const spec = (m[1] ?? m[2])!;
          if (spec.startsWith(".") || spec.startsWith("/")) continue;
          if (spec.startsWith("node:") || spec.startsWith("bifrost-as/")) continue;
          imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
        }
      }
    }
  };
  await walk(`${TOOLKIT}/lib`);
  await walk(`${TOOLKIT}/cli`);
  for (const pkg of imported) assert.ok(RUNTIME_PACKAGES.includes(pkg), `"${pkg}" is imported but not copied by init`);
});

Deno.test("The toolkit builds with the SDK's compiler settings, as generated projects do", async () => {
  const own = JSON.parse(await Deno.readTextFile(`${TOOLKIT}/asconfig.json`));
  assert.equal(own.extends, "./asconfig.sdk.json");
  assert.equal(own.options, undefined, "compiler options belong in asconfig.sdk.json");
  for (const target of ["release", "debug"]) assert.deepEqual(Object.keys(own.targets[target]), ["outFile"]);
});

Deno.test("In a plugin project, build's defaults and the help's examples are the project's, not the toolkit's", async () => {
  const root = await Deno.makeTempDir({ prefix: "init-defaults-" });
  const dir = `${root}/my-plugin`;
  try {
    assert.equal((await runCli(["init", dir, "--sdk", TOOLKIT])).code, 0);
    for (const command of ["build", "test", "watch", "run"]) {
      const help = await runCli([command, "--help"], { cwd: dir });
      assert.doesNotMatch(help.stdout, /hello_world|hello-world|testdata\//, `${command} --help:\n${help.stdout}`);
    }
    const build = (await runCli(["build", "--help"], { cwd: dir })).stdout;
    assert.match(build, /--entry FILE +Plugin entry file \(default: assembly\/my_plugin\.ts\)/);
    assert.match(build, /default: build\/my-plugin\[\.debug\]\.wasm/);
    const top = await runCli(["--help"], { cwd: dir });
    assert.doesNotMatch(top.stdout, /from this repo/);
    assert.match((await runCli(["--help"], { cwd: TOOLKIT })).stdout, /from this repo: deno task cli/);

    const built = await runCli(["build"], { cwd: dir });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, /^Compiling assembly\/my_plugin\.ts\.\.\.$/m);
    assert.match(built.stdout, /^Built .*\/my-plugin\/build\/my-plugin\.wasm \(/m);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
