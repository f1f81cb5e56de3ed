/**
 * `deno task e2e [--target auto|local|compose|packaged|url]`: builds the plugins if
 * needed, starts the target, runs every check in `checks.ts` against it, and
 * prints which target ran, why, each step with its timing, and a final
 * `N passed, N failed[, N skipped]` line. A target that was not run is never
 * reported as passed.
 *
 * @module
 */
import { runScript, scriptArgs } from "../lib/_script.ts";
import { CHECKS, skipReason } from "./checks.ts";
import { HELLO_WORLD } from "./plugin_under_test.ts";
import { composeAvailability, DEFAULT_DENO_IMAGE, startCompose } from "./compose.ts";
import { packagedAvailability, startPackaged } from "./packaged.ts";
import { DEFAULT_BIFROST_IMAGE, E2E_DIR, prepare, ROOT, type RunningTarget, startLocal, useUrls } from "./targets.ts";

const HELP = `deno task e2e [options]

Runs the end-to-end checks against a gateway with the hello-world and trap plugins.

Options:
  --target T          auto (default: compose if an engine and the images are available, else local),
                      local, compose, packaged (the image 'bifrost-as package --format bifrost' builds
                      on BIFROST_IMAGE, pushed to and pulled from a local registry), or url
  --gateway-url URL   with --target url: the running gateway
  --upstream-url URL  with --target url: the running mock upstream
  --filter TEXT       run only checks whose name contains TEXT
  -h, --help          show this help

Environment: BIFROST_IMAGE (compose and packaged; default ${DEFAULT_BIFROST_IMAGE}, which cannot load
WASM plugins: set a WASM-capable Enterprise image, or the dev gateway from 'deno task images'),
DENO_IMAGE (compose's mock upstream; default ${DEFAULT_DENO_IMAGE}), DOCKER_HOST (the engine;
scripts/engine.sh sets up podman where there is no Docker).`;

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

async function main(): Promise<number> {
  const args = scriptArgs(HELP, {
    target: { type: "string" },
    "gateway-url": { type: "string" },
    "upstream-url": { type: "string" },
    filter: { type: "string" },
  });
  if (!args) return 0;
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

  let target: RunningTarget | undefined;
  let why: string;
  try {
    const configPath = await step("build plugins and write build/e2e/config.json", prepare);
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
          : startLocal(configPath),
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
      const skip = skipReason(check, HELLO_WORLD);
      if (skip) {
        skipped++;
        console.log(`  - ${check.name}: SKIPPED: ${skip}`);
        continue;
      }
      const t = performance.now();
      try {
        await check.run(target, HELLO_WORLD);
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
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 ? 0 : 1;
}

// Exit explicitly: a container tool left running after a failure must not keep the suite alive.
await runScript(main);
Deno.exit();
