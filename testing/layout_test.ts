/**
 * The layout's import rules, read from the sources:
 *
 * 1. A `_` file is private to its folder: only files in that folder (or
 *    below it) import it.
 * 2. No product file (`mod.ts`, `lib/`, `cli/`, `bin/`) imports test
 *    support (`testing/`), in its code or in a JSDoc example.
 * 3. Every file stands on a layer (`LAYERS`, lowest first) and imports
 *    nothing above its own, a test included; a test reaches through the
 *    test support it imports, which has no layer of its own.
 *
 * 4. The library speaks no command line: no file under `lib/` throws
 *    `UsageError` (it throws domain errors naming fields; the CLI maps them).
 * 5. The public surface is named: a subpath's `mod.ts` lists its symbols by
 *    name (no `export *`), and the root `mod.ts` only re-exports the
 *    subpaths' lists.
 * 6. The AssemblyScript SDK (`assembly/sdk/`) has no import cycle.
 *
 * Imports are the `import`/`export ... from` statements and `import()`
 * calls with a relative specifier; examples in comments and code a file
 * only runs as another process are not imports.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = normalize(new URL("..", import.meta.url).pathname).replace(/\/$/, "");

/** The layers, lowest first: a file imports only from its own layer and those before it. */
const LAYERS: readonly (readonly string[])[] = [
  ["lib/*.ts", "lib/internal/"], // the errors, and helpers shared inside the library
  ["lib/abi/", "lib/mock/"], // the ABI; the mock upstream, which runs on its own
  ["lib/wasm/", "lib/config/"],
  ["lib/host/"],
  ["lib/gateway/"],
  ["lib/oci/", "lib/bench/"],
  ["lib/project/"],
  ["cli/", "mod.ts"],
  ["bench/", "fuzz/", "integration/", "images/", "scripts/", "docs/", "assembly/", "bin/"], // tools and suites
];

const PRODUCT = ["mod.ts", "lib/", "cli/", "bin/"];
const TEST_SUPPORT = "testing/";
const SKIP = new Set(["node_modules", "build", ".git", ".tmp", "testdata"]);

function layerOf(file: string): number | undefined {
  const i = LAYERS.findIndex((layer) =>
    layer.some((p) =>
      p === "lib/*.ts" ? /^lib\/[^/]+\.ts$/.test(file) : p.endsWith("/") ? file.startsWith(p) : file === p
    )
  );
  return i < 0 ? undefined : i;
}

const isTest = (file: string) => file.endsWith("_test.ts");
const isProduct = (file: string) => PRODUCT.some((p) => p.endsWith("/") ? file.startsWith(p) : file === p);

async function sources(dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(ROOT, dir))) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory && !SKIP.has(e.name) && path !== "assembly/sdk") out.push(...await sources(path));
    // assembly/ holds AssemblyScript too: only its Deno tests are read there.
    else if (e.isFile && e.name.endsWith(".ts") && (!path.startsWith("assembly/") || isTest(path))) out.push(path);
  }
  return out;
}

/** The repository files a source imports. */
function importsOf(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers = [
    ...code.matchAll(/^\s*(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => normalize(join(dirname(file), s)));
}

const files = await sources();
const graph = new Map(
  await Promise.all(files.map(async (f) => {
    return [f, importsOf(f, await Deno.readTextFile(join(ROOT, f)))] as const;
  })),
);

Deno.test("layout: the rules see the repository (files, imports, layers)", () => {
  assert.ok(graph.size > 150, `${graph.size} files`);
  assert.ok(graph.get("lib/host/host.ts")?.includes("lib/abi/abi.ts"));
  const unplaced = files.filter((f) => !f.startsWith(TEST_SUPPORT) && layerOf(f) === undefined);
  assert.deepEqual(unplaced, [], "files on no layer: add their folder to LAYERS");
});

Deno.test("layout: a _ file is imported only from its own folder", () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    for (const target of imports) {
      const name = target.split("/").pop()!;
      const home = dirname(target);
      if (name.startsWith("_") && !(dirname(file) === home || dirname(file).startsWith(`${home}/`))) {
        wrong.push(`${file} -> ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("layout: no product file imports test support, in its code or in its examples", async () => {
  const wrong = [...graph].flatMap(([file, imports]) =>
    isProduct(file) && !isTest(file)
      ? imports.filter((t) => t.startsWith(TEST_SUPPORT)).map((t) => `${file} -> ${t}`)
      : []
  );
  assert.deepEqual(wrong, []);
  // A published example cannot import what the package leaves out.
  const examples: string[] = [];
  for (const file of graph.keys()) {
    if (!isProduct(file) || isTest(file)) continue;
    const text = await Deno.readTextFile(join(ROOT, file));
    for (const m of text.matchAll(/^\s*\*\s*import\b[^"']*["']([^"']+)["']/gm)) {
      if (normalize(join(dirname(file), m[1]!)).startsWith(TEST_SUPPORT)) examples.push(`${file}: ${m[1]}`);
    }
  }
  assert.deepEqual(examples, []);
});

Deno.test("layout: no file, test or not, imports a layer above its own", () => {
  const wrong: string[] = [];
  for (const file of files) {
    const own = layerOf(file);
    if (own === undefined) continue;
    // What the file reaches: its imports, and through test support what that imports.
    const seen = new Set<string>();
    const queue = [...graph.get(file)!];
    while (queue.length) {
      const target = queue.pop()!;
      if (seen.has(target)) continue;
      seen.add(target);
      const layer = layerOf(target);
      if (layer === undefined) queue.push(...(graph.get(target) ?? []));
      else if (layer > own) wrong.push(`${file} (layer ${own}) -> ${relative("", target)} (layer ${layer})`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("layout: each subpath's mod.ts exports its symbols by name, and the root mod.ts only the subpaths' lists", async () => {
  const deno = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))) as { exports: Record<string, string> };
  const wrong: string[] = [];
  for (const [subpath, file] of Object.entries(deno.exports)) {
    const path = normalize(file);
    const text = (await Deno.readTextFile(join(ROOT, path))).replace(/\/\*[\s\S]*?\*\//g, "");
    for (const m of text.matchAll(/^\s*export\s*\*\s*from\s*["']([^"']+)["']/gm)) {
      const target = normalize(join(dirname(path), m[1]!));
      const isSubpath = Object.values(deno.exports).some((f) => normalize(f) === target);
      if (subpath !== "." || !isSubpath) wrong.push(`${path}: export * from "${m[1]}"`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("layout: the library throws no UsageError: it names fields, the command line names flags", async () => {
  const wrong: string[] = [];
  for (const file of files) {
    if (!file.startsWith("lib/") || isTest(file) || file === "lib/errors.ts") continue;
    if (/\bUsageError\b/.test(await Deno.readTextFile(join(ROOT, file)))) wrong.push(file);
  }
  assert.deepEqual(wrong, []);
});

Deno.test("layout: the AssemblyScript SDK's files import one another without a cycle", async () => {
  const dir = join(ROOT, "assembly/sdk");
  const graph = new Map<string, string[]>();
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(join(dir, e.name));
    graph.set(e.name.slice(0, -3), [...text.matchAll(/\bfrom\s+"\.\/([\w]+)"/g)].map((m) => m[1]!));
  }
  assert.ok(graph.size > 10, "the SDK's files are read");
  const done = new Set<string>();
  const visit = (file: string, path: string[]): void => {
    const at = path.indexOf(file);
    assert.ok(at < 0, `an import cycle: ${[...path.slice(at), file].join(" -> ")}`);
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
});
