/**
 * Engine parity through the host, as an author sees it: hello-world's
 * fixtures, its rich inputs and the fuzz corpus, the Rust plugin's
 * fixtures, and every probe of `check`, under V8 and under wazero, with the
 * outputs compared byte for byte (and errors by their message). Skipped,
 * with the reason, only where the wazero engine cannot be found or built.
 */
import assert from "node:assert/strict";
import { FREE_POLICIES, type FreePolicy } from "../abi/free_policy.ts";
import type { HookName } from "../abi/abi.ts";
import type { Engine } from "../host/engine.ts";
import { PluginHost } from "../host/host.ts";
import { PluginError } from "../errors.ts";
import { loadFixtures } from "./fixtures.ts";
import { checkPlugin, engineDifferences } from "./check.ts";
import { hasWazero, NO_WAZERO } from "../../testing/engines.ts";
import { testPlugin } from "../../testing/plugins.ts";
import { hasRust, NO_RUST, rustPlugin } from "../../testing/rust_plugin.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

interface Case {
  label: string;
  hook: HookName;
  input: string;
  config: string;
}

async function fixtureCases(dir: string): Promise<Case[]> {
  const { cases, invalid } = await loadFixtures(dir);
  assert.deepEqual(invalid, []);
  return cases.map((c) => ({
    label: c.name,
    hook: c.hook,
    input: typeof c.fixture.input === "string" ? c.fixture.input : JSON.stringify(c.fixture.input),
    config: JSON.stringify(c.fixture.config ?? {}),
  }));
}

async function fuzzCases(): Promise<Case[]> {
  const out: Case[] = [];
  for await (const e of Deno.readDir(`${ROOT}testdata/fuzz`)) {
    if (!e.name.endsWith(".json")) continue;
    const f = JSON.parse(await Deno.readTextFile(`${ROOT}testdata/fuzz/${e.name}`));
    if (typeof f.input === "string") out.push({ label: `fuzz ${e.name}`, hook: f.hook, input: f.input, config: "{}" });
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/** Every case's answer under one engine and free policy: the output's exact text, or the error's class and message. */
async function answers(plugin: string, engine: Engine, policy: FreePolicy, cases: Case[]): Promise<string[]> {
  const hosts = new Map<string, Promise<PluginHost>>();
  const out: string[] = [];
  try {
    for (const c of cases) {
      let host = hosts.get(c.config);
      if (!host) {
        hosts.set(
          c.config,
          host = PluginHost.load(plugin, { engine, freePolicy: policy, config: JSON.parse(c.config) }),
        );
      }
      try {
        out.push(`${c.label}: ${(await (await host).call(c.hook, c.input)).raw}`);
      } catch (e) {
        if (!(e instanceof PluginError)) throw e;
        out.push(`${c.label}: ${e.name}: ${e.message}`);
      }
    }
  } finally {
    for (const h of hosts.values()) (await h.catch(() => undefined))?.close();
  }
  return out;
}

async function assertSameBytes(plugin: string, cases: Case[], policies: readonly FreePolicy[]): Promise<void> {
  assert.ok(cases.length > 0);
  for (const policy of policies) {
    const v8 = await answers(plugin, "v8", policy, cases);
    const wazero = await answers(plugin, "wazero", policy, cases);
    for (let i = 0; i < cases.length; i++) assert.equal(wazero[i], v8[i], `under "${policy}"`);
  }
}

const ignore = !hasWazero;
const why = ignore ? ` (ignored: ${NO_WAZERO})` : "";

Deno.test({
  name:
    `parity: hello-world's fixtures, rich inputs and fuzz corpus give the same bytes under wazero as under V8${why}`,
  ignore,
  fn: async () => {
    const rich: Case[] = [
      ["pre_hook", "pre_hook_rich.json"],
      ["post_hook", "post_hook_rich.json"],
      ["post_hook", "post_hook_error.json"],
      ["http_pre_hook", "http_pre_hook.json"],
      ["http_stream_chunk_hook", "stream_chunk.json"],
    ].map(([hook, file]) => ({
      label: file!,
      hook: hook as HookName,
      input: Deno.readTextFileSync(`${ROOT}testdata/hello_world/${file}`),
      config: "{}",
    }));
    const cases = [...await fixtureCases(`${ROOT}fixtures`), ...rich, ...await fuzzCases()];
    await assertSameBytes(await testPlugin("hello-world"), cases, FREE_POLICIES);
  },
});

Deno.test({
  name: `parity: the Rust plugin's fixtures give the same bytes under wazero as under V8${
    ignore ? why : hasRust ? "" : ` (ignored: ${NO_RUST})`
  }`,
  ignore: ignore || !hasRust,
  fn: async () => {
    const cases = await fixtureCases(`${ROOT}testdata/rust-plugin/fixtures`);
    // A double free traps in its allocator while loading, under both engines alike (check says so).
    await assertSameBytes(await rustPlugin(), cases, ["both", "input", "none"]);
  },
});

Deno.test({
  name: `parity: every probe of check has the same outcome and detail under wazero as under V8${why}`,
  ignore,
  fn: async () => {
    for (const plugin of [await testPlugin("hello-world"), ...(hasRust ? [await rustPlugin()] : [])]) {
      const [v8, wazero] = [
        { engine: "v8" as const, ...await checkPlugin(plugin, { engine: "v8", calls: 60 }) },
        { engine: "wazero" as const, ...await checkPlugin(plugin, { engine: "wazero", calls: 60 }) },
      ];
      assert.deepEqual(engineDifferences([v8, wazero]), [], plugin);
      assert.deepEqual(
        wazero.cases.map((c) => [c.id, c.outcome, c.detail ?? ""]),
        v8.cases.map((c) => [c.id, c.outcome, c.detail ?? ""]),
        plugin,
      );
      assert.deepEqual(wazero.findings, v8.findings, plugin);
    }
  },
});
