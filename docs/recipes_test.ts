// docs/recipes.md is tested: every `ts` block is built as a plugin (its
// `bifrost-as/...` imports pointed at this checkout), and the table under it
// is what the plugin must do to each message.
import assert from "node:assert/strict";
import { buildPlugin } from "../lib/project/build.ts";
import { PluginHost } from "../lib/host/host.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DOC = await Deno.readTextFile(`${ROOT}/docs/recipes.md`);

/** The page's AssemblyScript blocks (`ts ignore`: AssemblyScript, which deno test --doc must not type-check as TypeScript). */
const blocks = [...DOC.matchAll(/```ts ignore\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** The table rows `| \`message\` | \`result\` or unchanged |`. */
const rows = DOC.split("\n").flatMap((line) => {
  const m = line.match(/^\| `(.+?)`.*?\| (?:`(.+?)`|unchanged) +\|$/);
  return m ? [{ message: m[1]!, expected: m[2] ?? m[1]! }] : [];
});

Deno.test("docs/recipes.md: the key-redacting plugin builds and does what its table says, on multi-byte text", async () => {
  assert.equal(blocks.length, 1);
  assert.equal(rows.length, 3, JSON.stringify(rows));
  const dir = await Deno.makeTempDir({ dir: `${ROOT}/build`, prefix: "recipe-" });
  const rel = dir.slice(ROOT.length + 1);
  try {
    const source = blocks[0]!.replaceAll('"bifrost-as/assembly/sdk', '"../../assembly/sdk');
    await Deno.writeTextFile(`${dir}/redact_keys.ts`, source);
    const built = await buildPlugin({ cwd: ROOT, entry: `${rel}/redact_keys.ts`, out: `${rel}/redact_keys.wasm` });
    assert.deepEqual(built.warnings, []);
    const host = await PluginHost.load(built.bytes);
    try {
      for (const { message, expected } of rows) {
        const { output } = await host.preHook({
          context: {},
          request: { provider: "openai", model: "gpt-4o", input: [{ role: "user", content: message }] },
        });
        const sent = (output.request as { input?: { content: string }[] } | null)?.input?.[0]?.content ?? message;
        assert.equal(sent, expected, message);
      }
    } finally {
      host.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
