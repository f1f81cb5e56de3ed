/**
 * `deno run -A scripts/build_engine_packages.ts [--only PLATFORM,...] [--out DIR] [--no-pack] [--json]`:
 * the wazero engine as npm packages, one per platform, the way esbuild and
 * Biome ship their binaries: `go/cmd/bifrost-as-engine` cross-compiled
 * (`CGO_ENABLED=0 -trimpath -ldflags='-s -w'`) into
 * `build/npm/engine-<platform>/` (a `package.json` with `os` and `cpu`, the
 * binary in `bin/`), then packed with `npm pack` beside them. Published
 * with bifrost-as, the main package lists every one as an optional
 * dependency (`--set-optional-dependencies` writes them into its
 * `package.json`), so npm installs the one of the machine and
 * `lib/host/engine.ts` finds it. Not before they are on the registry: an
 * optional dependency npm cannot find is left out of the lockfile, and
 * `npm ci` then refuses the project ("Missing ... from lock file").
 *
 * @module
 */
import { join } from "node:path";
import { type Command, type CommandInput, flag, runMain, str } from "../cli/command.ts";
import { UsageError } from "../lib/errors.ts";
import { engineBinaryName, enginePackage } from "../lib/host/engine.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A platform as npm names it, and as Go does. */
export interface EnginePlatform {
  /** `linux-x64`, as in the package name. */
  id: string;
  os: string;
  cpu: string;
  goos: string;
  goarch: string;
}

/** Every platform the engine is shipped for. */
export const ENGINE_PLATFORMS: readonly EnginePlatform[] = [
  { id: "linux-x64", os: "linux", cpu: "x64", goos: "linux", goarch: "amd64" },
  { id: "linux-arm64", os: "linux", cpu: "arm64", goos: "linux", goarch: "arm64" },
  { id: "darwin-x64", os: "darwin", cpu: "x64", goos: "darwin", goarch: "amd64" },
  { id: "darwin-arm64", os: "darwin", cpu: "arm64", goos: "darwin", goarch: "arm64" },
  { id: "win32-x64", os: "win32", cpu: "x64", goos: "windows", goarch: "amd64" },
];

/** The npm package of a platform (`@bifrost-as/engine-linux-x64`). */
export function packageName(p: EnginePlatform): string {
  return enginePackage(p.os === "win32" ? "windows" : p.os, p.cpu);
}

/** What was built for one platform. */
export interface BuiltPackage {
  name: string;
  dir: string;
  binaryBytes: number;
  tarball?: string;
  packedBytes?: number;
  unpackedBytes?: number;
}

/** The package.json of a platform's package. */
export function packageJson(p: EnginePlatform, version: string): Record<string, unknown> {
  return {
    name: packageName(p),
    version,
    description: `The wazero engine of bifrost-as (bifrost-as-engine) for ${p.id}: Bifrost's WASM runtime, in Go`,
    os: [p.os],
    cpu: [p.cpu],
    files: ["bin/"],
    preferUnplugged: true,
  };
}

/** Builds (and packs) the packages of `platforms` into `out`. */
export async function buildEnginePackages(
  platforms: readonly EnginePlatform[],
  options: { out: string; pack: boolean; version: string; onProgress?: (line: string) => void },
): Promise<BuiltPackage[]> {
  const built: BuiltPackage[] = [];
  for (const p of platforms) {
    const dir = join(options.out, `engine-${p.id}`);
    const binary = join(dir, "bin", engineBinaryName(p.goos));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(join(dir, "bin"), { recursive: true });
    options.onProgress?.(`go build for ${p.goos}/${p.goarch} -> ${binary}`);
    const go = await new Deno.Command("go", {
      args: [
        "build",
        "-trimpath",
        `-ldflags=-s -w -X main.version=${options.version}`,
        "-o",
        binary,
        "./cmd/bifrost-as-engine",
      ],
      cwd: join(ROOT, "go"),
      env: { CGO_ENABLED: "0", GOOS: p.goos, GOARCH: p.goarch },
      stdout: "piped",
      stderr: "piped",
    }).output().catch((e) => {
      if (e instanceof Deno.errors.NotFound) {
        throw new UsageError("Go is not on PATH: install Go 1.26 to build the engine");
      }
      throw e;
    });
    if (!go.success) throw new Error(`go build for ${p.id} failed: ${new TextDecoder().decode(go.stderr).trim()}`);
    await Deno.writeTextFile(
      join(dir, "package.json"),
      JSON.stringify(packageJson(p, options.version), null, 2) + "\n",
    );
    await Deno.writeTextFile(
      join(dir, "README.md"),
      `# ${
        packageName(p)
      }\n\nThe \`bifrost-as-engine\` binary for ${p.id}: bifrost-as runs plugins in wazero, the Go ` +
        "WebAssembly runtime Bifrost uses, through it (`--engine wazero`). npm installs it with `bifrost-as` as an " +
        "optional dependency on this platform; nothing else uses it.\n",
    );
    const entry: BuiltPackage = { name: packageName(p), dir, binaryBytes: (await Deno.stat(binary)).size };
    if (options.pack) {
      const npm = await new Deno.Command("npm", {
        args: ["pack", "--json", "--pack-destination", options.out],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!npm.success) throw new Error(`npm pack for ${p.id} failed: ${new TextDecoder().decode(npm.stderr).trim()}`);
      const [info] = JSON.parse(new TextDecoder().decode(npm.stdout)) as {
        filename: string;
        size: number;
        unpackedSize: number;
      }[];
      Object.assign(entry, {
        tarball: join(options.out, info!.filename),
        packedBytes: info!.size,
        unpackedBytes: info!.unpackedSize,
      });
    }
    built.push(entry);
  }
  return built;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** `deno run -A scripts/build_engine_packages.ts`. */
export const buildEnginePackagesScript: Command = {
  name: "deno run -A scripts/build_engine_packages.ts",
  summary: "Cross-compile the wazero engine for every platform into npm packages",
  description: `
Cross-compiles go/cmd/bifrost-as-engine (CGO_ENABLED=0, -trimpath, -ldflags='-s -w')
for every platform into build/npm/engine-<platform>/ (package.json with os and cpu,
bin/) and packs each with npm pack. Prints each package's tarball and sizes.

With --set-optional-dependencies it also lists every package as an optional
dependency of bifrost-as in package.json: the release step, once they are
published with it (an optional dependency npm cannot find is left out of the
lockfile, and npm ci then refuses every project that installs bifrost-as).`,
  options: {
    only: {
      type: "string",
      arg: "LIST",
      description: `Only these platforms, comma-separated (${ENGINE_PLATFORMS.map((p) => p.id).join(", ")})`,
    },
    out: { type: "string", arg: "DIR", description: "Where the package folders and tarballs go (default: build/npm)" },
    "no-pack": { type: "boolean", description: "Write the folders, do not run npm pack" },
    json: { type: "boolean", description: "Print the packages as JSON" },
    "set-optional-dependencies": {
      type: "boolean",
      description: "Also list every package as an optional dependency in package.json (the release step)",
    },
  },
  run: (input) => main(input),
};

async function main(input: CommandInput): Promise<number> {
  const onlyRaw = str(input, "only");
  const only = onlyRaw === undefined ? undefined : onlyRaw.split(",").map((s) => s.trim());
  const unknown = only?.find((id) => !ENGINE_PLATFORMS.some((p) => p.id === id));
  if (unknown) {
    throw new UsageError(`Unknown platform "${unknown}": expected ${ENGINE_PLATFORMS.map((p) => p.id).join(", ")}`);
  }
  const platforms = ENGINE_PLATFORMS.filter((p) => !only || only.includes(p.id));
  const manifest = JSON.parse(await Deno.readTextFile(join(ROOT, "package.json")));
  const version = manifest.version as string;
  if (flag(input, "set-optional-dependencies")) {
    manifest.optionalDependencies = Object.fromEntries(ENGINE_PLATFORMS.map((p) => [packageName(p), version]));
    await Deno.writeTextFile(join(ROOT, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
    console.error(`package.json lists ${ENGINE_PLATFORMS.length} engine packages as optional dependencies`);
  }
  const out = str(input, "out") ?? join(ROOT, "build", "npm");
  await Deno.mkdir(out, { recursive: true });
  const built = await buildEnginePackages(platforms, {
    out,
    pack: !flag(input, "no-pack"),
    version,
    onProgress: (line) => console.error(line),
  });
  if (flag(input, "json")) console.log(JSON.stringify(built, null, 2));
  else {
    for (const b of built) {
      const packed = b.tarball ? `, ${b.tarball}: ${mb(b.packedBytes!)} packed, ${mb(b.unpackedBytes!)} unpacked` : "";
      console.log(`${b.name}: binary ${mb(b.binaryBytes)}${packed}`);
    }
  }
  return 0;
}

if (import.meta.main) await runMain(buildEnginePackagesScript);
