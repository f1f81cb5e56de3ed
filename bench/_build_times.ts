/**
 * Cold and warm `deno task build` times, each in a fresh Deno process that
 * writes to a temporary output. Cold: an empty DENO_DIR (no transpiled
 * modules, no V8 code cache; only npm registry metadata copied in, so that
 * nothing is downloaded) and no previous output. Warm: the same DENO_DIR
 * and output left by the run before.
 *
 * @module
 */
import { BuildError } from "../lib/errors.ts";
import type { BuildTimes } from "../lib/bench/report.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Runs one cold build and `warmRuns` warm ones. */
export async function measureBuildTimes(warmRuns = 2): Promise<BuildTimes> {
  const tmp = await Deno.makeTempDir({ prefix: "bifrost-as-build-bench-" });
  try {
    const denoDir = `${tmp}/deno`;
    await seedRegistryMetadata(denoDir);
    const out = `${tmp}/hello-world.wasm`;
    const build = async () => {
      const started = performance.now();
      const result = await new Deno.Command(Deno.execPath(), {
        args: ["task", "--quiet", "build", "--quiet", "--out", out],
        cwd: ROOT,
        env: { DENO_DIR: denoDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const ms = performance.now() - started;
      if (!result.success) {
        throw new BuildError(`deno task build failed: ${new TextDecoder().decode(result.stderr).trim()}`);
      }
      return ms;
    };
    const coldMs = await build();
    const warmMs: number[] = [];
    for (let i = 0; i < warmRuns; i++) warmMs.push(await build());
    return { coldMs, warmMs, wasmBytes: (await Deno.stat(out)).size };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Copies the registry.json of every npm package in deno.lock from the current DENO_DIR into `denoDir`. */
async function seedRegistryMetadata(denoDir: string): Promise<void> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], cwd: ROOT, stdout: "piped" })
    .output();
  const npmCache = (JSON.parse(new TextDecoder().decode(info.stdout)) as { npmCache?: string }).npmCache;
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.lock`)) as { npm?: Record<string, unknown> };
  if (!npmCache || !lock.npm) return;
  const names = new Set(Object.keys(lock.npm).map((k) => k.slice(0, k.indexOf("@", 1))));
  for (const name of names) {
    const from = `${npmCache}/registry.npmjs.org/${name}/registry.json`;
    const to = `${denoDir}/npm/registry.npmjs.org/${name}`;
    try {
      await Deno.mkdir(to, { recursive: true });
      await Deno.copyFile(from, `${to}/registry.json`);
    } catch { /* not cached here: the cold build fetches it */ }
  }
}
