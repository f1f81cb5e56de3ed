/**
 * `deno task e2e [--target auto|local|bifrost|compose|packaged|url] [--plugin FILE]`:
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
  BEHAVIOURS,
  describeExpectations,
  HELLO_WORLD,
  parseBehaviours,
  parseExpectationsFile,
  parseKinds,
  PLUGIN_KINDS,
  type PluginUnderTest,
  pluginUnderTest as expectationsOf,
  type StatedExpectations,
} from "./plugin_under_test.ts";
import { composeAvailability, DEFAULT_DENO_IMAGE, startCompose } from "./compose.ts";
import { packagedAvailability, startPackaged } from "./packaged.ts";
import { chooseGatewayImage, DEFAULT_BIFROST_IMAGE } from "./gateway_image.ts";
import { fitConfigToVersion } from "../lib/gateway/real_bifrost.ts";
import { E2E_DIR, prepare, ROOT, type RunningTarget, startBifrost, startLocal, useUrls } from "./targets.ts";
import { type Engine, parseEngine } from "../lib/host/engine.ts";

/** `deno task e2e`. */
export const e2eScript: Command = {
  name: "deno task e2e",
  summary: "Run the end-to-end checks against a gateway with the plugin under test and the trap plugin",
  description: `
Runs the end-to-end checks against a gateway with the plugin under test (hello-world unless --plugin
is given) and the trap plugin.

Environment: BIFROST_IMAGE, the gateway image of compose and packaged (a WASM-capable Enterprise
image, say). Unset: the real-Bifrost image 'deno task images' builds when build/bifrost/ holds a build
('deno task bifrost:build'); else the dev-gateway image as the fallback, which is bifrost-as's own
gateway, NOT Bifrost; else ${DEFAULT_BIFROST_IMAGE}, which loads no WASM plugins. The run names the
image it used and what it is. DENO_IMAGE (compose's mock upstream; default ${DEFAULT_DENO_IMAGE}), DOCKER_HOST (the engine;
scripts/engine.sh sets up podman where there is no Docker).`,
  options: {
    target: {
      type: "string",
      arg: "T",
      description: "auto (compose if an engine and the images are available, else local), local, bifrost (the " +
        "open-source Bifrost server with bifrost-as's WASM loader, as a local process: build both first with " +
        "'deno task bifrost:build'), compose, " +
        "packaged (the image 'bifrost-as package --format bifrost' builds on the gateway image, pushed to and pulled " +
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
      description: "The plugin under test instead of hello-world (any .wasm); it is held only to the " +
        "expectations stated by the options below, never to behaviours guessed from its name: with none, to what " +
        "every correct plugin does (pass-through fidelity on every route, streams, errors, robustness)",
    },
    expect: {
      type: "string",
      arg: "LIST",
      description: `Behaviours it has (${BEHAVIOURS.join(",")}, or none): mock answers mock-model itself, ` +
        "rate-limit refuses rate-limited-model with 429, suffix appends --model-suffix to every answer's model " +
        "and --error-suffix to every error's message",
    },
    "model-suffix": {
      type: "string",
      arg: "S",
      description: "With --expect suffix: what its post hook appends to a response's model",
    },
    "error-suffix": {
      type: "string",
      arg: "S",
      description: "With --expect suffix: what its post hook appends to an error's message",
    },
    kinds: {
      type: "string",
      arg: "LIST",
      description: `The request kinds it handles (${PLUGIN_KINDS.join(",")}; default: all); checks of other ` +
        "kinds are skipped, with the reason",
    },
    "expect-file": {
      type: "string",
      arg: "FILE",
      description: 'The same as JSON: {"expect": [...], "model_suffix", "error_suffix", "kinds"} (e.g. a ' +
        "bifrost-as.expect.json kept beside the plugin's sources); the options above override it",
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
  if (!["auto", "local", "bifrost", "compose", "packaged", "url"].includes(wanted)) {
    console.error(`error: Invalid --target "${wanted}": expected auto, local, bifrost, compose, packaged or url`);
    return 2;
  }
  if (wanted === "url" && (!args["gateway-url"] || !args["upstream-url"])) {
    console.error("error: --target url needs --gateway-url and --upstream-url");
    return 2;
  }
  const filter = args.filter as string | undefined;
  const checks = CHECKS.filter((c) => !filter || c.name.includes(filter));
  const underTest = await pluginUnderTest(args);
  console.log(`plugin under test: ${underTest.profile.label} (${underTest.file?.path ?? "build/hello-world.wasm"})`);
  console.log(`expectations: ${describeExpectations(underTest.profile)}`);

  let target: RunningTarget | undefined;
  let why: string;
  let image = "", bifrostVersion: string | undefined;
  try {
    const configPath = await step("build plugins and write build/e2e/config.json", () => prepare(underTest.file));
    let name = wanted;
    if (wanted === "auto" || wanted === "compose" || wanted === "packaged") {
      const gateway = await chooseGatewayImage();
      image = gateway.ref;
      bifrostVersion = gateway.bifrostVersion;
      console.log(`gateway image: ${gateway.line}`);
      // The generated config, as that Bifrost version reads it (before v1.5, "*" is not "every model").
      if (bifrostVersion) await fitConfigToVersion(configPath, bifrostVersion);
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
          ? startPackaged(ROOT, E2E_DIR, image, (line) => console.log(line), bifrostVersion)
          : name === "bifrost"
          ? startBifrost(configPath)
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
  console.log(`expectations: ${describeExpectations(underTest.profile)}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 ? 0 : 1;
}

/**
 * The plugin under test: hello-world with the expectations stated for it,
 * or `--plugin FILE` (loaded once for its name, which is also its name in
 * config.json) with the expectations stated by the options and
 * `--expect-file`; never any inferred from its name.
 */
async function pluginUnderTest(
  args: Record<string, unknown>,
): Promise<{ profile: PluginUnderTest; file?: { path: string; name: string } }> {
  const path = args.plugin as string | undefined;
  const given = (key: string) => args[key] === undefined ? undefined : String(args[key]);
  const flags: StatedExpectations = {};
  const sources: string[] = [];
  const expect = given("expect"), model = given("model-suffix"), error = given("error-suffix"), kinds = given("kinds");
  if (expect !== undefined) (flags.behaviours = parseBehaviours(expect), sources.push("--expect"));
  if (model !== undefined) (flags.modelSuffix = model, sources.push("--model-suffix"));
  if (error !== undefined) (flags.errorSuffix = error, sources.push("--error-suffix"));
  if (kinds !== undefined) (flags.kinds = parseKinds(kinds), sources.push("--kinds"));
  const file = given("expect-file");
  if (path === undefined) {
    if (sources.length || file !== undefined) {
      throw new UsageError("--expect, --expect-file, --model-suffix, --error-suffix and --kinds need --plugin");
    }
    return { profile: HELLO_WORLD };
  }
  let fromFile: StatedExpectations | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
      throw new UsageError(`Cannot read --expect-file "${file}": ${why}`, { cause: e });
    }
    fromFile = parseExpectationsFile(text, file);
    sources.unshift(`file "${file}"`);
  }
  try {
    if (!(await Deno.stat(path)).isFile) throw new UsageError(`Cannot read --plugin "${path}": not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`Cannot read --plugin "${path}": file not found`, { cause: e });
  }
  const profile = expectationsOf("", fromFile, flags, sources);
  const host = await PluginHost.load(path);
  const name = host.name;
  host.close();
  return { profile: { ...profile, label: name }, file: { path, name } };
}

// Exit explicitly: a container tool left running after a failure must not keep the suite alive.
if (import.meta.main) {
  await runMain(e2eScript);
  Deno.exit();
}
