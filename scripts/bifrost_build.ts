/**
 * `deno task bifrost:build`: builds the open-source Bifrost HTTP server,
 * unmodified, and bifrost-as's WASM loader as Go plugins for it, into
 * `build/bifrost/`, from one module graph with the same toolchain and flags
 * (a Go plugin loads only into a server built so). The server comes from
 * Bifrost's published modules at a pinned version (the default), or from a
 * Bifrost source checkout named by `BIFROST_SRC`: then every
 * `github.com/maximhq/bifrost/*` module is replaced by the checkout's folder,
 * in a go.work generated under `build/bifrost/` (the checkout is only read).
 * Go's caches live in `build/bifrost/` too. Prints each step's time.
 *
 * What it writes: `bifrost-http` (the server), `bifrost-wasm-<n>.so` (the
 * loader, one per WASM plugin entry a config.json may hold: a Go plugin
 * loads once per plugin path, so each slot is its own package), and
 * `build.json` (version, source, files), which the e2e target and
 * `bifrost-as dev --gateway bifrost` read.
 *
 * @module
 */
import { join } from "node:path";
import { type Command, type CommandInput, intOption, runMain, str } from "../cli/command.ts";
import { BuildError } from "../lib/errors.ts";
import type { BifrostBuildInfo } from "../lib/gateway/real_bifrost.ts";

/** The published release built by default: transports v1.6.2 pins core v1.6.2 and framework v1.4.2. */
export const DEFAULT_BIFROST_VERSION = "v1.6.2";
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Where everything is built. */
export const BIFROST_BUILD_DIR = `${ROOT}/build/bifrost`;
const SLOTS_MODULE = "bifrost-as.local/wasm-slots";
const UI_PLACEHOLDER = '<!doctype html><meta charset="utf-8"><title>Bifrost</title>\n';

/** What `build.json` records. */
export type BifrostBuild = BifrostBuildInfo;

/** Reads build/bifrost/build.json, or undefined when nothing was built. */
export async function readBifrostBuild(dir = BIFROST_BUILD_DIR): Promise<BifrostBuild | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, "build.json"))) as BifrostBuild;
  } catch {
    return undefined;
  }
}

function goEnv(dir: string): Record<string, string> {
  return {
    GOWORK: join(dir, "go.work"),
    GOCACHE: join(dir, "gocache"),
    GOMODCACHE: join(dir, "gomodcache"),
    CGO_ENABLED: "1",
    GOFLAGS: "-buildvcs=false",
  };
}

async function go(args: string[], env: Record<string, string>, cwd: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("go", { args, env, cwd, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new BuildError(`Cannot run go (${(e as Error).message}): install Go 1.26 or later`);
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new BuildError(`go ${args.join(" ")} failed:\n${err.split("\n").slice(-30).join("\n")}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const a = join(from, e.name), b = join(to, e.name);
    if (e.isDirectory) await copyDir(a, b);
    else if (e.isFile) {
      await Deno.copyFile(a, b);
      await Deno.chmod(b, 0o644);
    }
  }
}

/** Each module of the workspace's graph that is not replaced, with its version. */
async function moduleVersions(env: Record<string, string>, dir: string): Promise<Map<string, string>> {
  const out = await go(["list", "-m", "-f", "{{.Path}} {{.Version}} {{if .Replace}}replaced{{end}}", "all"], env, dir);
  const versions = new Map<string, string>();
  for (const line of out.split("\n")) {
    const [path, version, replaced] = line.trim().split(" ");
    if (path && version && !replaced) versions.set(path, version);
  }
  return versions;
}

/** The module folders of a checkout to replace: core, framework and each plugin with a go.mod. */
async function checkoutModules(src: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const dir of ["core", "framework"]) {
    if (await exists(join(src, dir, "go.mod"))) out.push([`github.com/maximhq/bifrost/${dir}`, join(src, dir)]);
  }
  if (await exists(join(src, "plugins"))) {
    for await (const e of Deno.readDir(join(src, "plugins"))) {
      if (e.isDirectory && await exists(join(src, "plugins", e.name, "go.mod"))) {
        out.push([`github.com/maximhq/bifrost/plugins/${e.name}`, join(src, "plugins", e.name)]);
      }
    }
  }
  return out.sort();
}

/** Builds the server and `slots` loaders into `dir`; `log` gets each step and its time. */
export async function buildBifrost(options: {
  src?: string;
  version?: string;
  slots?: number;
  dir?: string;
  log?: (line: string) => void;
}): Promise<BifrostBuild> {
  const dir = options.dir ?? BIFROST_BUILD_DIR;
  const log = options.log ?? (() => {});
  const slots = options.slots ?? 4;
  const env = goEnv(dir);
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await f();
    log(`  ${what}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return r;
  };
  await Deno.mkdir(join(dir, "src"), { recursive: true });
  // A go.work from a previous build would be read by `go mod download`: start without one.
  await Deno.remove(join(dir, "go.work")).catch(() => {});
  await Deno.remove(join(dir, "go.work.sum")).catch(() => {});

  let transportsDir: string, version: string, source: BifrostBuild["source"];
  let replaces: [string, string][] = [];
  if (options.src) {
    const src = options.src.replace(/\/$/, "");
    if (!await exists(join(src, "transports", "go.mod"))) {
      throw new BuildError(`BIFROST_SRC="${src}" is not a Bifrost checkout: it has no transports/go.mod`);
    }
    transportsDir = join(src, "transports");
    version = `v${(await Deno.readTextFile(join(transportsDir, "version")).catch(() => "0.0.0")).trim()}`;
    source = "checkout";
    replaces = await checkoutModules(src);
  } else {
    version = options.version ?? DEFAULT_BIFROST_VERSION;
    source = "modules";
    const mod = `github.com/maximhq/bifrost/transports@${version}`;
    const out = await new Deno.Command("go", {
      args: ["mod", "download", "-json", mod],
      env: { ...env, GOWORK: "off" },
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output().catch((e) => {
      throw new BuildError(`Cannot run go (${(e as Error).message}): install Go 1.26 or later`);
    });
    const info = JSON.parse(new TextDecoder().decode(out.stdout) || "{}") as { Dir?: string; Error?: string };
    if (!out.success || !info.Dir) {
      const why = (info.Error ?? new TextDecoder().decode(out.stderr)).replace(/\s+/g, " ").trim()
        .replace(`${mod}: `, "");
      throw new BuildError(
        `The Go module proxy did not serve ${mod} (${why}): build from a Bifrost checkout with BIFROST_SRC=<dir>`,
      );
    }
    transportsDir = info.Dir;
  }

  // The transport's copy, with the UI placeholder its //go:embed needs (as Bifrost's Nix build writes it).
  const transports = join(dir, "src", "transports");
  await timed("copy the transport and write the UI placeholder", async () => {
    await Deno.remove(transports, { recursive: true }).catch(() => {});
    await copyDir(transportsDir, transports);
    const ui = join(transports, "bifrost-http", "ui");
    if (!await exists(join(ui, "index.html"))) {
      await Deno.mkdir(ui, { recursive: true });
      await Deno.writeTextFile(join(ui, "index.html"), UI_PLACEHOLDER);
    }
  });

  // One package per loader slot: its own import path, so its own Go plugin path.
  const slotsDir = join(dir, "src", "slots");
  await Deno.remove(slotsDir, { recursive: true }).catch(() => {});
  const main = await Deno.readTextFile(join(ROOT, "go/bifrost/loader/cmd/bifrost-wasm/main.go"));
  for (let i = 1; i <= slots; i++) {
    await Deno.mkdir(join(slotsDir, `slot${i}`), { recursive: true });
    await Deno.writeTextFile(join(slotsDir, `slot${i}`, "main.go"), main);
  }
  // No require line: the loader is a workspace module, which satisfies the import.
  await Deno.writeTextFile(join(slotsDir, "go.mod"), `module ${SLOTS_MODULE}\n\ngo 1.26\n`);

  // Bifrost's own module graph first; then ours joined to it, with every module both need held at Bifrost's
  // version, so the server is built from exactly the versions Bifrost pins.
  const replaceLines = replaces.map(([mod, path]) => `replace ${mod} => ${path}`);
  const writeWork = (uses: string[], extra: string[]) =>
    Deno.writeTextFile(
      join(dir, "go.work"),
      ["go 1.26.1", "", "use (", ...uses.map((u) => `\t${u}`), ")", "", ...replaceLines, ...extra, ""].join("\n"),
    );
  await writeWork(["./src/transports"], []);
  const bifrostGraph = await moduleVersions(env, dir);
  const ours = ["./src/slots", `${ROOT}/go`, `${ROOT}/go/bifrost`, `${ROOT}/go/bifrost/loader`];
  await writeWork(["./src/transports", ...ours], []);
  const pins: string[] = [];
  for (const [mod, version] of await moduleVersions(env, dir)) {
    const theirs = bifrostGraph.get(mod);
    if (theirs && theirs !== version) pins.push(`replace ${mod} => ${mod} ${theirs}`);
  }
  if (pins.length > 0) {
    log(`  held at Bifrost's versions: ${pins.map((p) => p.split(" ").slice(-2).join("@")).join(", ")}`);
    await writeWork(["./src/transports", ...ours], pins);
  }

  const core = (await go(
    ["list", "-m", "-f", "{{.Version}}{{with .Replace}} => {{.Path}}{{end}}", "github.com/maximhq/bifrost/core"],
    env,
    dir,
  ))
    .trim();
  const server = join(dir, "bifrost-http");
  await timed("build the server (bifrost-http)", () =>
    go(
      [
        "build",
        "-o",
        server,
        "-ldflags",
        `-X main.Version=${version}`,
        "github.com/maximhq/bifrost/transports/bifrost-http",
      ],
      env,
      dir,
    ));
  const loaders: string[] = [];
  for (let i = 1; i <= slots; i++) {
    const so = join(dir, `bifrost-wasm-${i}.so`);
    await timed(
      `build loader slot ${i} (bifrost-wasm-${i}.so)`,
      () => go(["build", "-buildmode=plugin", "-o", so, `${SLOTS_MODULE}/slot${i}`], env, dir),
    );
    loaders.push(so);
  }
  const goVersion = (await go(["env", "GOVERSION"], env, dir)).trim();
  const libc = await new Deno.Command("ldd", { args: ["--version"], stdout: "piped", stderr: "null" }).output()
    .then((o) => new TextDecoder().decode(o.stdout).split("\n")[0]!.trim(), () => "");
  const build: BifrostBuild = {
    version,
    source,
    core: source === "checkout"
      ? `v${(await Deno.readTextFile(join(options.src!, "core", "version")).catch(() => "?")).trim()} (checkout)`
      : core,
    server,
    loaders,
    go: goVersion,
    ...(libc ? { libc } : {}),
  };
  await Deno.writeTextFile(join(dir, "build.json"), `${JSON.stringify(build, null, 2)}\n`);
  return build;
}

/** `deno task bifrost:build`. */
export const bifrostBuildScript: Command = {
  name: "deno task bifrost:build",
  summary: "Build the open-source Bifrost HTTP server and bifrost-as's WASM loader into build/bifrost/",
  description: `
Builds the open-source Bifrost HTTP server (cgo, dynamically linked, the UI a placeholder) and
bifrost-as's WASM loader (Go plugins, one per WASM plugin slot) into build/bifrost/, with Go's
caches there too, and prints each step's time.

Environment: BIFROST_SRC=<dir> builds from a Bifrost source checkout instead of the published
modules (the checkout is only read).`,
  options: {
    slots: {
      type: "string",
      arg: "N",
      description: "How many loader .so files to build, one per WASM plugin entry",
      default: "4",
    },
    version: {
      type: "string",
      arg: "V",
      description: `The published release to build (ignored with BIFROST_SRC)`,
      default: DEFAULT_BIFROST_VERSION,
    },
  },
  run: main,
};

async function main(input: CommandInput): Promise<number> {
  const src = Deno.env.get("BIFROST_SRC") || undefined;
  const t = performance.now();
  console.log(
    `building Bifrost from ${src ? "a checkout (BIFROST_SRC)" : "the published modules"} into build/bifrost/`,
  );
  const build = await buildBifrost({
    ...(src ? { src } : {}),
    version: str(input, "version")!,
    slots: intOption(input, "slots", 1, 64)!,
    log: (line) => console.log(line),
  });
  console.log(
    `built Bifrost ${build.version} (core ${build.core}, ${build.go}) and ${build.loaders.length} loader slots in ${
      ((performance.now() - t) / 1000).toFixed(1)
    } s`,
  );
  return 0;
}

if (import.meta.main) await runMain(bifrostBuildScript);
