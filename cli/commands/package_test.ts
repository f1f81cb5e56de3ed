import assert from "node:assert/strict";
import { readLayout } from "../../lib/oci/layout.ts";
import { runCli } from "../../testing/cli.ts";
import { abiModule, op } from "../../testing/wasm_builder.ts";

const WASM_PATH = new URL("../../build/hello-world.wasm", import.meta.url).pathname;
const WASM = await Deno.readFile(WASM_PATH);
const ENV = { BIFROST_IMAGE: "", BIFROST_AS_REGISTRY_USER: "", SOURCE_DATE_EPOCH: "" };

Deno.test("cli package --out writes OCI layouts that read back to the same plugin", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const layout = await runCli(["package", WASM_PATH, "--out", `${dir}/oci`, "--version", "1.0.0"], { env: ENV });
    assert.equal(layout.code, 0, layout.stderr);
    assert.match(
      layout.stdout,
      /^Wrote artifact package of hello-world-wasm-typescript to .*\/oci \(OCI image layout, named "hello-world-wasm-typescript:1\.0\.0"\)$/m,
    );
    assert.match(
      layout.stdout,
      new RegExp(`^Copy it with: skopeo copy oci:${dir}/oci:hello-world-wasm-typescript:1\\.0\\.0 docker://`, "m"),
    );
    const image = await readLayout(`${dir}/oci`, { tag: "hello-world-wasm-typescript:1.0.0" });
    assert.deepEqual(await image.layers[0]!.read(), WASM);

    const tar = await runCli(["package", WASM_PATH, "--format", "compat", "--out", `${dir}/p.tar`, "--json"], {
      env: ENV,
    });
    assert.equal(tar.code, 0, tar.stderr);
    const result = JSON.parse(tar.stdout);
    assert.equal(result.format, "compat");
    assert.equal(result.ref, "hello-world-wasm-typescript:latest");
    assert.deepEqual(result.entry, {
      enabled: true,
      name: "hello-world-wasm-typescript",
      path: "/app/plugins/hello-world-wasm-typescript.wasm",
      config: {},
    });
    assert.equal((await readLayout(`${dir}/p.tar`)).digest, result.digest);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli package gives the same digest for the same input under SOURCE_DATE_EPOCH", async () => {
  const env = { ...ENV, SOURCE_DATE_EPOCH: "1700000000" };
  const dir = await Deno.makeTempDir();
  try {
    const runs = await Promise.all(
      ["a", "b"].map((d) =>
        runCli(["package", WASM_PATH, "--format", "compat", "--out", `${dir}/${d}`, "--json"], { env })
      ),
    );
    const [a, b] = runs.map((r) => JSON.parse(r.stdout));
    assert.equal(a.digest, b.digest);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli package reports bad input in one line with exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/notwasm.wasm`, "hello");
    const cases: [string[], string][] = [
      [
        ["package", `${dir}/missing.wasm`, "--out", dir],
        `Cannot read "${dir}/missing.wasm": No such file or directory (os error 2)`,
      ],
      [
        ["package", `${dir}/notwasm.wasm`, "--out", dir],
        `Cannot package "${dir}/notwasm.wasm": it is not a valid WebAssembly module`,
      ],
      [
        ["package", WASM_PATH, "--format", "zip", "--out", dir],
        `Unknown --format "zip": expected artifact, compat, bifrost`,
      ],
      [
        ["package", WASM_PATH, "--format", "bifrost", "--out", dir],
        "The bifrost format needs a base image: give one or set BIFROST_IMAGE (--base REF)",
      ],
      [["package", WASM_PATH, "--with-config", "--out", dir], "--with-config only applies to --format bifrost"],
      [["package", WASM_PATH, "--out", dir, "--tag", "r.example/a:1"], "Pass either --tag or --out, not both"],
      [["package", WASM_PATH], "Pass --tag REF to push, or --out DIR|FILE.tar to write an OCI image layout"],
      [
        ["package", WASM_PATH, "--tag", "r.example/A:1"],
        `Invalid image reference "r.example/A:1": repository part "A" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`,
      ],
      [
        ["package", WASM_PATH, "--out", `${dir}/notwasm.wasm/x`],
        `Cannot write image layout "${dir}/notwasm.wasm/x": Not a directory (os error 20)`,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, { env: ENV })));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![0].join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, `error: ${cases[i]![1]}\n`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli package, push and pull --help document options and examples", async () => {
  const results = await Promise.all(["package", "push", "pull"].map((c) => runCli([c, "--help"])));
  for (const r of results) {
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n {2}bifrost-as (package|push|pull) /);
    assert.match(r.stdout, /--plain-http/);
    assert.match(r.stdout, /BIFROST_AS_REGISTRY_USER/);
  }
  assert.match(results[0]!.stdout, /--format FORMAT .*artifact .*compat .*bifrost/);
  assert.match(results[2]!.stdout, /--out FILE/);
});

Deno.test("cli package says in one line why it cannot read a plugin's name (a trap)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trap = abiModule({ funcs: { get_name: { params: [], results: ["i64"], body: [op.unreachable] } } });
    await Deno.writeFile(`${dir}/trap.wasm`, trap);
    const { code, stderr } = await runCli(["package", `${dir}/trap.wasm`, "--out", `${dir}/oci`], { env: ENV });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^error: Cannot read the plugin name of "[^"]*trap.wasm": get_name\(\) failed: [^\n]+\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
