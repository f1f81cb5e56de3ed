/**
 * `deno task images [--force] [--print-env]`: builds, with the engine on
 * `DOCKER_HOST` and no registry, the images the e2e suite runs:
 *
 * - the Deno runtime base ({@link DENO_IMAGE}): the Deno binary running
 *   this task, the glibc libraries `ldd` lists for it, and Debian's static
 *   busybox (sh, wget), staged as a root filesystem;
 * - the mock upstream ({@link MOCK_UPSTREAM_IMAGE}) on that base;
 * - the dev gateway ({@link DEV_GATEWAY_IMAGE}) on that base: the local
 *   gateway packaged like Bifrost's container, labelled as NOT Bifrost;
 * - when `build/bifrost/` (`--bifrost-dir`) holds a `deno task
 *   bifrost:build`, the real Bifrost ({@link bifrostImage}): the open-source
 *   server and bifrost-as's loader slots in Bifrost's container layout, on
 *   the C library they were built against (this machine's, as `ldd` lists
 *   it), with an entrypoint (`go/bifrost/entrypoint`) that turns
 *   config.json's `.wasm` plugin entries into loader entries. Without a
 *   build it is skipped, saying so, at no cost.
 *
 * An image whose inputs (staged files, Dockerfile, base image) are unchanged
 * is not rebuilt unless `--force`. `--print-env` prints `export DENO_IMAGE=…`
 * and `export BIFROST_IMAGE=…` (the real Bifrost when built, else the dev
 * gateway) on stdout for compose.yaml; progress goes to stderr.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Command, type CommandInput, runMain } from "../cli/command.ts";
import { MOCK_UPSTREAM_FILES } from "../lib/mock/files.ts";
import { docker, EngineError, engineInfo, imageLabels, lastLines } from "./engine.ts";
import { basename, join, resolve } from "node:path";
import { type BifrostBuild, readBifrostBuild } from "../scripts/bifrost_build.ts";
import {
  BIFROST_VERSION_LABEL,
  bifrostImage,
  DENO_IMAGE,
  DEV_GATEWAY_IMAGE,
  IMAGE_VERSION,
  INPUTS_LABEL,
  MOCK_UPSTREAM_IMAGE,
  NOT_BIFROST_LABEL,
} from "./names.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const STAGE = `${ROOT}/.tmp/images`;
const SCHEMA = `${ROOT}/schemas/bifrost-config.schema.json`;
const BUILD_TIMEOUT_MS = 5 * 60_000;

/** `deno task images`. */
export const imagesScript: Command = {
  name: "deno task images",
  summary: "Build the e2e images with the engine on DOCKER_HOST (see scripts/engine.sh)",
  description: `
Builds:
  ${DENO_IMAGE}  the Deno runtime base (compose's DENO_IMAGE)
  ${MOCK_UPSTREAM_IMAGE}  the mock OpenAI upstream
  ${DEV_GATEWAY_IMAGE}  the dev gateway standing in for Bifrost (NOT Bifrost)
  ${bifrostImage("<version>")}  when build/bifrost/ holds a build ('deno task bifrost:build'):
      the open-source Bifrost server with bifrost-as's WASM loader, the default BIFROST_IMAGE
      of the compose and packaged targets; without it they fall back to the dev gateway`,
  options: {
    force: { type: "boolean", description: "Rebuild even when the inputs are unchanged" },
    "bifrost-dir": {
      type: "string",
      arg: "DIR",
      description: "Where 'deno task bifrost:build' wrote the server and loaders",
      default: "build/bifrost",
    },
    "print-env": { type: "boolean", description: "Print export lines for DENO_IMAGE and BIFROST_IMAGE on stdout" },
  },
  run: (input) => buildImages(input.values),
};
class ImagesError extends Error {
  override name = "ImagesError";
}

const log = (line: string) => console.error(line);

async function run(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
    ...options,
  }).output().catch((e) => {
    throw new ImagesError(`Cannot run "${cmd}": ${(e as Error).message}`);
  });
  const dec = new TextDecoder();
  if (!out.success) {
    throw new ImagesError(
      `"${cmd} ${args.join(" ")}" failed: ${lastLines(dec.decode(out.stderr) || dec.decode(out.stdout), 10)}`,
    );
  }
  return dec.decode(out.stdout);
}

async function fresh(dir: string): Promise<string> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

async function copy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  await Deno.copyFile(from, to);
}

/** Digest of every file under `dir` (paths, modes, symlink targets, contents) and of `extra`. */
async function digestTree(dir: string, extra: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const e of extra) hash.update(`${e}\n`);
  const walk = async (rel: string) => {
    const entries = [];
    for await (const e of Deno.readDir(`${dir}/${rel}`)) entries.push(e);
    entries.sort((a, b) => a.name < b.name ? -1 : 1);
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const full = `${dir}/${path}`;
      if (e.isSymlink) {
        hash.update(`L ${path} ${await Deno.readLink(full)}\n`);
      } else if (e.isDirectory) {
        hash.update(`D ${path}\n`);
        await walk(path);
      } else {
        const mode = (await Deno.lstat(full)).mode ?? 0;
        hash.update(`F ${path} ${mode & 0o777}\n`);
        hash.update(await Deno.readFile(full));
      }
    }
  };
  await walk("");
  return `sha256:${hash.digest("hex")}`;
}

/** Debian's busybox-static package, downloaded once into the stage cache. */
async function busyboxDeb(): Promise<string> {
  const cache = `${STAGE}/cache`;
  await Deno.mkdir(cache, { recursive: true });
  const find = async () => {
    for await (const e of Deno.readDir(cache)) {
      if (e.name.startsWith("busybox-static_") && e.name.endsWith(".deb")) return `${cache}/${e.name}`;
    }
  };
  const found = await find();
  if (found) return found;
  log("  downloading Debian's busybox-static (apt-get download)");
  const sandbox = Deno.uid() === 0 ? ["-o", "APT::Sandbox::User=root"] : [];
  try {
    await run("apt-get", [...sandbox, "download", "-qq", "busybox-static"], { cwd: cache });
  } catch (e) {
    throw new ImagesError(`Cannot download busybox-static (run apt-get update first?): ${(e as Error).message}`);
  }
  const deb = await find();
  if (!deb) throw new ImagesError("apt-get download busybox-static left no .deb");
  return deb;
}

/** The shared libraries and loader `ldd` lists for `binary`. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const out = await run("ldd", [binary]);
  const paths = [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  if (!paths.some((p) => p.includes("ld-linux"))) {
    throw new ImagesError(`Cannot stage ${binary}: ldd names no dynamic loader:\n${out}`);
  }
  return paths;
}

/**
 * A minimal system under `rootfs`: the loader and libraries `ldd` lists for
 * `binaries` (at the paths they name, contents of their symlink targets),
 * Debian's static busybox (sh, wget, ...), users, name resolution, /tmp.
 */
async function stageSystem(rootfs: string, binaries: string[]): Promise<void> {
  const libs = new Set<string>();
  for (const binary of binaries) for (const lib of await sharedLibraries(binary)) libs.add(lib);
  for (const lib of libs) await copy(lib, `${rootfs}${lib}`);
  const unpacked = await fresh(`${STAGE}/busybox`);
  await run("dpkg-deb", ["-x", await busyboxDeb(), unpacked]);
  await copy(`${unpacked}/bin/busybox`, `${rootfs}/bin/busybox`);
  for (const applet of ["sh", "wget", "cat", "ls", "env", "ps", "sleep"]) {
    await Deno.symlink("busybox", `${rootfs}/bin/${applet}`);
  }
  await Deno.mkdir(`${rootfs}/etc`, { recursive: true });
  await Deno.writeTextFile(`${rootfs}/etc/passwd`, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");
  await Deno.writeTextFile(`${rootfs}/etc/group`, "root:x:0:\nnogroup:x:65534:\n");
  await Deno.writeTextFile(`${rootfs}/etc/nsswitch.conf`, "hosts: files dns\n");
  for (const dir of ["root", "usr/local/bin"]) await Deno.mkdir(`${rootfs}/${dir}`, { recursive: true });
  await Deno.mkdir(`${rootfs}/tmp`);
  await Deno.chmod(`${rootfs}/tmp`, 0o1777);
}

async function stageBase(ctx: string): Promise<void> {
  const rootfs = `${ctx}/rootfs`;
  const deno = Deno.execPath();
  await copy(deno, `${rootfs}/usr/bin/deno`);
  await stageSystem(rootfs, [deno]);
  await Deno.mkdir(`${rootfs}/var/cache/deno`, { recursive: true });
}

async function stageMockUpstream(ctx: string): Promise<void> {
  for (const file of MOCK_UPSTREAM_FILES) await copy(`${ROOT}/${file}`, `${ctx}/mock/${file}`);
  await copy(`${ROOT}/integration/healthcheck.ts`, `${ctx}/mock/healthcheck.ts`);
}

/** The local modules the dev gateway loads: its entry's graph plus the host's worker. */
async function gatewayModules(): Promise<string[]> {
  const paths = new Set<string>();
  for (const root of ["images/dev_gateway/main.ts", "lib/host/_host_worker.ts"]) {
    const info = JSON.parse(await run(Deno.execPath(), ["info", "--json", root], { cwd: ROOT })) as {
      modules: { specifier: string }[];
    };
    for (const m of info.modules) {
      if (m.specifier.startsWith(`file://${ROOT}/`)) paths.add(m.specifier.slice(`file://${ROOT}/`.length));
    }
  }
  return [...paths].sort();
}

async function stageDevGateway(ctx: string): Promise<void> {
  const app = `${ctx}/app`;
  for (const rel of await gatewayModules()) await copy(`${ROOT}/${rel}`, `${app}/main/${rel}`);
  try {
    await copy(SCHEMA, `${app}/main/schemas/bifrost-config.schema.json`);
  } catch (e) {
    throw new ImagesError(`Cannot stage Bifrost's config schema "${SCHEMA}": ${(e as Error).message}`);
  }
  const project = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as Record<string, unknown>;
  const config = {
    imports: project.imports,
    compilerOptions: project.compilerOptions,
    // npm packages come from DENO_DIR (deno-dir/), filled at build time.
    nodeModulesDir: "none",
    lock: false,
  };
  await Deno.writeTextFile(`${app}/main/deno.json`, JSON.stringify(config, null, 2) + "\n");
  await copy(`${ROOT}/images/dev_gateway/healthcheck.sh`, `${ctx}/healthcheck.sh`);
  await Deno.chmod(`${ctx}/healthcheck.sh`, 0o755);
}

/** Fills the dev gateway's DENO_DIR with its npm packages, so the container runs `--cached-only`. */
async function cacheGatewayPackages(ctx: string): Promise<void> {
  const app = `${ctx}/app`;
  await run(Deno.execPath(), [
    "cache",
    "--config",
    `${app}/main/deno.json`,
    `${app}/main/images/dev_gateway/main.ts`,
    `${app}/main/lib/host/_host_worker.ts`,
  ], { env: { DENO_DIR: `${app}/deno-dir` } });
  // Only the npm packages matter: analysis caches and emits are keyed by this machine's paths.
  for await (const e of Deno.readDir(`${app}/deno-dir`)) {
    if (e.name !== "npm") await Deno.remove(`${app}/deno-dir/${e.name}`, { recursive: true });
  }
}

/** The first line of `ldd --version`: the C library this machine's binaries are built against. */
async function glibcVersion(): Promise<string> {
  return (await run("ldd", ["--version"])).split("\n")[0]!.trim();
}

/** Stages the real Bifrost: the server, the loader slots, the entrypoint (built here), the system they link to. */
function stageBifrost(dir: string, build: BifrostBuild): (ctx: string) => Promise<void> {
  return async (ctx) => {
    const rootfs = `${ctx}/rootfs`;
    // build.json names the files where they were built: take them from `dir`, where they are now.
    const server = join(dir, basename(build.server));
    const loaders = build.loaders.map((l) => join(dir, basename(l)));
    // Without their DWARF sections (about 40 MB in all; Go's stack traces and plugin loading do not read them).
    const place = async (from: string, to: string) => {
      await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
      await run("strip", ["--strip-debug", "-o", to, from]);
    };
    await place(server, `${rootfs}/app/main`);
    for (const [i, so] of loaders.entries()) await place(so, `${rootfs}/app/bifrost-as/bifrost-wasm-${i + 1}.so`);
    await stageSystem(rootfs, [server, ...loaders]);
    // For an upstream over HTTPS.
    await copy("/etc/ssl/certs/ca-certificates.crt", `${rootfs}/etc/ssl/certs/ca-certificates.crt`).catch(() => {});
    for (const d of ["app/data", "app/run"]) await Deno.mkdir(`${rootfs}/${d}`, { recursive: true });
    // The entrypoint uses no cgo and nothing of Bifrost's modules; Go's caches are the build's own.
    await run("go", [
      "build",
      "-trimpath",
      "-ldflags=-s -w",
      "-o",
      `${rootfs}/app/bifrost-as/entrypoint`,
      "./entrypoint",
    ], {
      cwd: `${ROOT}/go/bifrost`,
      env: {
        CGO_ENABLED: "0",
        GOWORK: "off",
        GOFLAGS: "-buildvcs=false",
        GOCACHE: join(dir, "gocache"),
        GOMODCACHE: join(dir, "gomodcache"),
      },
    });
    await copy(`${ROOT}/images/dev_gateway/healthcheck.sh`, `${rootfs}/usr/local/bin/healthcheck`);
    await Deno.chmod(`${rootfs}/usr/local/bin/healthcheck`, 0o755);
  };
}

/** The real-Bifrost image's spec, when `dir` holds a build; undefined otherwise. */
async function bifrostSpec(dir: string): Promise<ImageSpec | undefined> {
  const build = await readBifrostBuild(dir);
  if (!build) return undefined;
  const glibc = await glibcVersion();
  if (build.libc && build.libc !== glibc) {
    throw new ImagesError(
      `${dir} was built against "${build.libc}" but this machine has "${glibc}": the image takes its C library ` +
        "from this machine and Go plugins need the one they were built with: run 'deno task bifrost:build' here",
    );
  }
  return {
    tag: bifrostImage(build.version),
    dir: "bifrost",
    title: `Bifrost ${build.version} (open source) with bifrost-as's WASM loader`,
    description: `The open-source Bifrost HTTP server ${build.version}, unmodified (core ${build.core}, built from ` +
      `${build.source === "checkout" ? "a checkout" : "the published modules"} with ${build.go}), and ` +
      `${build.loaders.length} slots of bifrost-as's WASM loader (not Bifrost Enterprise's); config.json's .wasm ` +
      "plugin entries become loader entries at start",
    stage: stageBifrost(dir, build),
    labels: {
      [BIFROST_VERSION_LABEL]: build.version,
      "dev.bifrost-as.bifrost-core": build.core,
      "dev.bifrost-as.bifrost-source": build.source,
      "dev.bifrost-as.go": build.go,
      "dev.bifrost-as.libc": glibc,
      "dev.bifrost-as.loader-slots": String(build.loaders.length),
    },
  };
}

interface ImageSpec {
  tag: string;
  dir: string;
  title: string;
  description: string;
  stage(ctx: string): Promise<void>;
  /** Steps that only a real build needs (downloads), after the inputs digest. */
  beforeBuild?(ctx: string): Promise<void>;
  base?: string;
  labels?: Record<string, string>;
}

const SPECS: ImageSpec[] = [
  {
    tag: DENO_IMAGE,
    dir: "deno",
    title: "bifrost-as Deno runtime",
    description: "Deno runtime base of the bifrost-as test images (Deno, glibc, busybox)",
    stage: stageBase,
  },
  {
    tag: MOCK_UPSTREAM_IMAGE,
    dir: "mock_upstream",
    title: "bifrost-as mock upstream",
    description: "Mock OpenAI upstream of the bifrost-as end-to-end tests, on port 8081",
    stage: stageMockUpstream,
    base: DENO_IMAGE,
  },
  {
    tag: DEV_GATEWAY_IMAGE,
    dir: "dev_gateway",
    title: "bifrost-as dev gateway (NOT Bifrost)",
    description: "NOT Bifrost: the bifrost-as local gateway (conformance host) packaged like Bifrost's container " +
      "(port 8080, /app/data/config.json, APP_PORT, APP_HOST) to stand in for a WASM-capable Bifrost in tests",
    stage: stageDevGateway,
    beforeBuild: cacheGatewayPackages,
    base: DENO_IMAGE,
    labels: { [NOT_BIFROST_LABEL]: "true" },
  },
];

async function imageId(ref: string): Promise<string> {
  return (await docker(["image", "inspect", "--format", "{{.Id}}", ref])).stdout;
}

async function buildImage(
  spec: ImageSpec,
  force: boolean,
  env: Record<string, string>,
): Promise<{ built: boolean; line: string }> {
  const started = performance.now();
  const ctx = await fresh(`${STAGE}/${spec.dir}`);
  await spec.stage(ctx);
  await copy(`${ROOT}/images/${spec.dir}/Dockerfile`, `${ctx}/Dockerfile`);
  const baseId = spec.base ? await imageId(spec.base) : "";
  const inputs = await digestTree(ctx, [spec.tag, baseId]);
  const previous = (await imageLabels(spec.tag))[INPUTS_LABEL];
  if (!force && previous === inputs) {
    return { built: false, line: `${spec.tag}: up to date` };
  }
  const oldId = previous === undefined ? undefined : await imageId(spec.tag).catch(() => undefined);
  await spec.beforeBuild?.(ctx);
  const labels: Record<string, string> = {
    "org.opencontainers.image.title": spec.title,
    "org.opencontainers.image.description": spec.description,
    "org.opencontainers.image.version": spec.tag.slice(spec.tag.lastIndexOf(":") + 1),
    "dev.bifrost-as.version": IMAGE_VERSION,
    [INPUTS_LABEL]: inputs,
    ...spec.labels,
  };
  const args = ["build", "--file", `${ctx}/Dockerfile`, "--tag", spec.tag];
  for (const [k, v] of Object.entries(labels)) args.push("--label", `${k}=${v}`);
  if (spec.base) args.push("--build-arg", `BASE=${spec.base}`);
  args.push(ctx);
  try {
    await docker(args, { timeoutMs: BUILD_TIMEOUT_MS, env });
  } catch (e) {
    throw new ImagesError(`Cannot build ${spec.tag}: ${(e as Error).message}`);
  }
  const newId = await imageId(spec.tag);
  // The image the tag left behind, if nothing else uses it.
  if (oldId && oldId !== newId) await docker(["image", "rm", oldId], { allowFailure: true });
  return { built: true, line: `${spec.tag}: built in ${((performance.now() - started) / 1000).toFixed(1)} s` };
}

/** Checks `image` runs: its loader, libraries and binary are all there; `expect` is in what it prints. */
async function smokeTest(image: string, runArgs: string[], expect: string, cmd: string[] = []): Promise<void> {
  const r = await docker(["run", "--rm", ...runArgs, image, ...cmd], { timeoutMs: 60_000, allowFailure: true });
  const out = `${r.stdout}\n${r.stderr}`;
  if (!out.includes(expect)) {
    throw new ImagesError(`${image} does not run ${cmd.join(" ") || "its entrypoint"}: ${lastLines(out.trim(), 10)}`);
  }
}

async function buildImages(args: CommandInput["values"]): Promise<number> {
  const engine = await engineInfo();
  if (!engine.ok) {
    console.error(`error: ${engine.description}`);
    console.error('Start one with: scripts/engine.sh start && eval "$(scripts/engine.sh env)"');
    return 1;
  }
  // Docker's BuildKit client does not drive podman's API: use the classic builder there.
  const env: Record<string, string> = engine.podman ? { DOCKER_BUILDKIT: "0" } : {};
  const started = performance.now();
  log(`images: building with ${engine.description}`);
  const dir = resolve(String(args["bifrost-dir"] ?? "build/bifrost"));
  let gateway = DEV_GATEWAY_IMAGE;
  try {
    const bifrost = await bifrostSpec(dir);
    if (bifrost) {
      gateway = bifrost.tag;
    } else {
      log(
        `  no Bifrost build in ${dir} ('deno task bifrost:build'): no real-Bifrost image; BIFROST_IMAGE is the ` +
          "fallback, the dev gateway (bifrost-as's own gateway, NOT Bifrost)",
      );
    }
    for (const spec of bifrost ? [...SPECS, bifrost] : SPECS) {
      const { built, line } = await buildImage(spec, args.force === true, env);
      log(`  ${line}`);
      if (built && spec.tag === DENO_IMAGE) await smokeTest(DENO_IMAGE, [], `deno ${Deno.version.deno}`, ["--version"]);
      // The server starts in the image: its C library and loader are there (-help prints the usage and exits).
      if (built && spec === bifrost) await smokeTest(spec.tag, ["--entrypoint", "/app/main"], "-app-dir", ["-help"]);
    }
  } catch (e) {
    if (!(e instanceof ImagesError || e instanceof EngineError)) throw e;
    console.error(`error: ${e.message}`);
    return 1;
  }
  log(`images: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (args["print-env"]) {
    console.log(`export DENO_IMAGE=${DENO_IMAGE}`);
    console.log(`export BIFROST_IMAGE=${gateway}`);
  } else {
    log(`compose.yaml: DENO_IMAGE=${DENO_IMAGE} BIFROST_IMAGE=${gateway}`);
  }
  return 0;
}

if (import.meta.main) await runMain(imagesScript);
