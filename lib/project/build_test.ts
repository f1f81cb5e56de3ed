import assert from "node:assert/strict";
import { BuildError } from "../errors.ts";
import { buildPlugin } from "./build.ts";

Deno.test("buildPlugin() names the config asconfig.json extends when it is missing, and how to get it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/assembly`);
    await Deno.writeTextFile(`${dir}/assembly/p.ts`, "export function f(): i32 { return 1; }\n");
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./node_modules/bifrost-as/asconfig.sdk.json"}');
    await assert.rejects(
      buildPlugin({ cwd: dir, entry: "assembly/p.ts", out: "build/p.wasm" }),
      (e) =>
        e instanceof BuildError &&
        e.message === `Cannot build "assembly/p.ts": asconfig.json extends ` +
            `"node_modules/bifrost-as/asconfig.sdk.json", which does not exist: run 'npm install' (it puts bifrost-as there)`,
    );
    // Further down the chain, without the npm hint.
    await Deno.writeTextFile(`${dir}/base.json`, '{"extends": "./gone/more.json"}');
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./base.json"}');
    await assert.rejects(
      buildPlugin({ cwd: dir, entry: "assembly/p.ts", out: "build/p.wasm" }),
      /: asconfig\.json extends "gone\/more\.json", which does not exist$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Builds `source` as the entry of a throwaway file inside the toolkit (so `../assembly/sdk` resolves). */
async function buildEntry(source: string): Promise<unknown> {
  const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const dir = await Deno.makeTempDir({ dir: `${root}/build`, prefix: "entry-" });
  const name = dir.slice(root.length + 1);
  try {
    await Deno.writeTextFile(`${dir}/plugin.ts`, source);
    return await buildPlugin({ cwd: root, entry: `${name}/plugin.ts`, out: `${name}/plugin.wasm` }).catch((e) => e);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The SDK as the throwaway entry reaches it (built at run time: this test's own layer imports nothing above it). */
const SDK = ["..", "..", "assembly", "sdk"].join("/");
const ABI_LINE = `export * from "${SDK}/abi";\n`;
const PLUGIN = `import { Plugin, registerPlugin } from "${SDK}";
${ABI_LINE}
class P extends Plugin {
  name(): string {
    return "p";
  }
}
registerPlugin(new P());
`;

Deno.test("buildPlugin() refuses an entry that never calls registerPlugin, with the fix", async () => {
  const e = await buildEntry(PLUGIN.replace("registerPlugin(new P());\n", ""));
  assert.ok(e instanceof BuildError, String(e));
  assert.match(
    e.message,
    /: no plugin is registered: end the entry file with registerPlugin\(new YourPlugin\(\)\); \(it builds, but every call would fail\)$/,
  );
});

Deno.test("buildPlugin() names the missing ABI export line as the fix when the entry exports none of the ABI", async () => {
  const e = await buildEntry(PLUGIN.replace(ABI_LINE, ""));
  assert.ok(e instanceof BuildError, String(e));
  assert.match(
    e.message,
    /: it exports none of the functions Bifrost calls \(malloc, free, get_name, init, pre_hook, post_hook, \.\.\.\): add this line to the entry file:\n {2}export \* from "bifrost-as\/assembly\/sdk\/abi";$/,
  );
});

Deno.test("build explains the compile errors AssemblyScript words badly: regular expressions and closures", async () => {
  const regex = await buildEntry(
    PLUGIN.replace(
      "class P extends Plugin {",
      "export function secret(s: string): bool {\n  return /sk-[a-z]+/.test(s);\n}\nclass P extends Plugin {",
    ),
  );
  assert.ok(regex instanceof BuildError, String(regex));
  assert.match(regex.message, /AS100: Not implemented: Regular expressions/);
  assert.match(regex.message, /\nhint: AssemblyScript has no working RegExp .* docs\/recipes\.md/);
  const closure = await buildEntry(
    PLUGIN.replace(
      "class P extends Plugin {",
      'export function any(s: string): bool {\n  const words = ["a"];\n  return words.some((w) => s.includes(w));\n}\nclass P extends Plugin {',
    ),
  );
  assert.ok(closure instanceof BuildError, String(closure));
  assert.match(closure.message, /\nhint: AssemblyScript has no closures: .*for loop/);
});

Deno.test("build warns that new RegExp(...) compiles but traps when called", async () => {
  const built = await buildEntry(
    PLUGIN.replace(
      "class P extends Plugin {",
      'export function secret(s: string): bool {\n  return new RegExp("sk-").test(s);\n}\nclass P extends Plugin {',
    ),
  ) as { warnings: string[] };
  assert.ok(
    built.warnings.some((w) => /RegExp.* compiles but traps when called/.test(w)),
    JSON.stringify(built.warnings),
  );
});
