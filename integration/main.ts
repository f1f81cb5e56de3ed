/**
 * `deno task e2e [--target auto|local|compose|packaged|url] [--plugin FILE]`:
 * builds the plugins if needed, starts the target, runs every check in
 * `checks.ts` against it, and prints which target ran, why, which plugin was
 * under test, each step with its timing, and a final
 * `N passed, N failed[, N skipped]` line. A target that was not run is never
 * reported as passed.
 *
 * @module
 */
import { type Command, type CommandInput, runMain } from "../cli/command.ts";
import { UsageError } from "../lib/errors.ts";
import { PluginHost } from "../lib/host/host.ts";
import { CHECKS, skipReason } from "./checks.ts";
import {
  HELLO_WORLD,
  KNOWN_PLUGINS,
  PLUGIN_KINDS,
  type PluginKind,
  type PluginUnderTest,
} from "./plugin_under_test.ts";
import { composeAvailability, DEFAULT_DENO_IMAGE, startCompose } from "./compose.ts";
import { packagedAvailability, startPackaged } from "./packaged.ts";
import { DEFAULT_BIFROST_IMAGE, E2E_DIR, prepare, ROOT, type RunningTarget, startLocal, useUrls } from "./targets.ts";
import { type Engine, parseEngine } from "../lib/host/engine.ts";

/** `deno task e2e`. */
export const e2eScript: Command = {
  name: "deno task e2e",
  summary: "Run the end-to-end checks against a gateway with the plugin under test and the trap plugin",
  description: `
Runs the end-to-end checks against a gateway with the plugin under test (hello-world unless --plugin
is given) and the trap plugin.

Environment: BIFROST_IMAGE (compose and packaged; default ${DEFAULT_BIFROST_IMAGE}, which cannot load
WASM plugins: set a WASM-capable Enterprise image, or the dev gateway from 'deno task images'),
DENO_IMAGE (compose's mock upstream; default ${DEFAULT_DENO_IMAGE}), DOCKER_HOST (the engine;
scripts/engine.sh sets up podman where there is no Docker).`,
  options: {
    target: {
      type: "string",
      arg: "T",
      description: "auto (compose if an engine and the images are available, else local), local, compose, " +
        "packaged (the image 'bifrost-as package --format bifrost' builds on BIFROST_IMAGE, pushed to and pulled " +
        "from a local registry), or url",
      default: "auto",
    },
    "gateway-url": { type: "string", arg: "URL", description: "With --target url: the running gateway" },
    "upstream-url": { type: "string", arg: "URL", description: "With --target url: the running mock upstream" },
    filter: { type: "string", arg: "TEXT", description: "Run only checks whose name contains TEXT" },
    engine: {
      type: "string",
      arg: "ENGINE",
      description: "With --target local: run the plugins in v8 or wazero (Bifrost's runtime)",
      default: "v8",
    },
    plugin: {
      type: "string",
      arg: "FILE",
      description: "The plugin under test instead of hello-world: a .wasm with hello-world's behaviours " +
        `(Bifrost's example plugins), known by its get_name (${Object.keys(KNOWN_PLUGINS).join(", ")}) ` +
        "or described by the two options below",
    },
    "model-suffix": { type: "string", arg: "S", description: "What its post hook appends to a response's model" },
    "error-suffix": { type: "string", arg: "S", description: "What its post hook appends to an error's message" },
    kinds: {
      type: "string",
      arg: "LIST",
      description: `The request kinds it implements those behaviours for (${PLUGIN_KINDS.join(",")}; ` +
        "default: what its get_name is known for, else chat); checks of other kinds are skipped",
    },
  },
  run: (input) => e2e(input.values),
};

function ms(since: number): string {
  return `${Math.round(performance.now() - since)} ms`;
}

async function step<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  console.log(`… ${what}`);
  const r = await f();
  console.log(`  done: ${what} (${ms(t)})`);
  return r;
}

async function e2e(args: CommandInput["values"]): Promise<number> {
  const engine: Engine = parseEngine(String(args.engine ?? "v8"));
  const wanted = String(args.target ?? "auto");
  if (!["auto", "local", "compose", "packaged", "url"].includes(wanted)) {
    console.error(`error: Invalid --target "${wanted}": expected auto, local, compose, packaged or url`);
    return 2;
  }
  if (wanted === "url" && (!args["gateway-url"] || !args["upstream-url"])) {
    console.error("error: --target url needs --gateway-url and --upstream-url");
    return 2;
  }
  const filter = args.filter as string | undefined;
  const checks = CHECKS.filter((c) => !filter || c.name.includes(filter));
  const image = Deno.env.get("BIFROST_IMAGE") || DEFAULT_BIFROST_IMAGE;
  const underTest = await pluginUnderTest(args);
  console.log(`plugin under test: ${underTest.profile.label} (${underTest.file?.path ?? "build/hello-world.wasm"})`);

  let target: RunningTarget | undefined;
  let why: string;
  try {
    const configPath = await step("build plugins and write build/e2e/config.json", () => prepare(underTest.file));
    let name = wanted;
    if (wanted === "auto" || wanted === "compose" || wanted === "packaged") {
      const avail = await step(
        "look for a container engine and the images",
        () => wanted === "packaged" ? packagedAvailability(image) : composeAvailability(image),
      );
      if (avail.ok) {
        name = wanted === "packaged" ? "packaged" : "compose";
        why = wanted === "auto" ? `auto: ${avail.reason}` : `asked for: ${avail.reason}`;
      } else if (wanted !== "auto") {
        console.log(`target: ${wanted} cannot run: ${avail.reason}`);
        console.log(`0 passed, 0 failed, ${checks.length} skipped`);
        return 1;
      } else {
        name = "local";
        why = `auto: compose cannot run: ${avail.reason}`;
      }
    } else {
      why = "asked for";
    }
    target = await step(
      `start the ${name} target and wait for health`,
      () =>
        name === "compose"
          ? startCompose(ROOT, E2E_DIR, image)
          : name === "packaged"
          ? startPackaged(ROOT, E2E_DIR, image, (line) => console.log(line))
          : name === "url"
          ? useUrls(String(args["gateway-url"]), String(args["upstream-url"]))
          : startLocal(configPath, engine),
    );
  } catch (e) {
    console.error(`error: the target did not start: ${(e as Error).message}`);
    console.log(`0 passed, 0 failed, ${checks.length} skipped`);
    return 1;
  }

  console.log(`target: ${target.name} (${why!}): ${target.description}`);
  let passed = 0, failed = 0, skipped = 0;
  try {
    for (const check of checks) {
      const skip = skipReason(check, underTest.profile);
      if (skip) {
        skipped++;
        console.log(`  - ${check.name}: SKIPPED: ${skip}`);
        continue;
      }
      const t = performance.now();
      try {
        await check.run(target, underTest.profile);
        passed++;
        console.log(`  ✓ ${check.name} (${ms(t)})`);
      } catch (e) {
        failed++;
        console.log(`  ✗ ${check.name} (${ms(t)})\n      ${(e as Error).message.replaceAll("\n", "\n      ")}`);
      }
    }
  } finally {
    await step(`stop the ${target.name} target`, () => target!.stop());
  }
  console.log(`target: ${target.name}`);
  console.log(`plugin under test: ${underTest.profile.label}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 ? 0 : 1;
}

/**
 * The plugin under test: hello-world, or `--plugin FILE` (loaded once for
 * its name, which is also its name in config.json) with the suffixes its
 * name is known by or the `--model-suffix` and `--error-suffix` options.
 */
async function pluginUnderTest(
  args: Record<string, unknown>,
): Promise<{ profile: PluginUnderTest; file?: { path: string; name: string } }> {
  const path = args.plugin as string | undefined;
  const model = args["model-suffix"] as string | undefined;
  const error = args["error-suffix"] as string | undefined;
  const kinds = args.kinds === undefined ? undefined : parseKinds(String(args.kinds));
  if (path === undefined) {
    if (model !== undefined || error !== undefined || kinds !== undefined) {
      throw new UsageError("--model-suffix, --error-suffix and --kinds need --plugin");
    }
    return { profile: HELLO_WORLD };
  }
  try {
    if (!(await Deno.stat(path)).isFile) throw new UsageError(`Cannot read --plugin "${path}": not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`Cannot read --plugin "${path}": file not found`, { cause: e });
  }
  const host = await PluginHost.load(path);
  const name = host.name;
  host.close();
  const known = KNOWN_PLUGINS[name];
  if (!known && (model === undefined || error === undefined)) {
    throw new UsageError(
      `The plugin "${name}" (${path}) is not one the suite knows (${Object.keys(KNOWN_PLUGINS).join(", ")}): ` +
        "give --model-suffix and --error-suffix, what its post hook appends",
    );
  }
  const profile = {
    label: name,
    modelSuffix: model ?? known!.modelSuffix,
    errorSuffix: error ?? known!.errorSuffix,
    kinds: kinds ?? known?.kinds ?? ["chat" as const],
  };
  return { profile, file: { path, name } };
}

/** `--kinds chat,responses`: known kinds only. */
function parseKinds(text: string): PluginKind[] {
  return text.split(",").map((k) => {
    const kind = PLUGIN_KINDS.find((x) => x === k.trim());
    if (!kind) throw new UsageError(`Unknown kind "${k.trim()}" in --kinds: expected ${PLUGIN_KINDS.join(", ")}`);
    return kind;
  });
}

// Exit explicitly: a container tool left running after a failure must not keep the suite alive.
if (import.meta.main) {
  await runMain(e2eScript);
  Deno.exit();
}
