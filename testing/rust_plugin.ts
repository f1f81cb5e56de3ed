/**
 * The Rust test plugin (`testdata/rust-plugin/`, Bifrost's Rust example
 * written again from its README: serde types, `free(ptr, size)`), built with
 * Debian's toolchain only, as the example's README builds it: `cargo build
 * --release` for `wasm32-unknown-unknown` (`build/rust-plugin.wasm`), then
 * binaryen's `wasm-opt -O3` (`build/rust-plugin.opt.wasm`, its "build
 * optimized"); and the same sources for `wasm32-wasi`
 * (`build/rust-plugin-wasi.wasm`), a plugin with WASI imports, the C
 * library's `malloc` and one-parameter `free`, and a log line from `init`, as
 * a TinyGo plugin has (Debian packages no TinyGo). Cargo reads `testdata/rust-plugin/.cargo/config.toml`: crates
 * from Debian's vendored registry, offline, linked by `wasm-ld`. Test
 * support, and the Rust row of `deno task bench`; not exported from mod.ts.
 *
 * `deno task build:rust` runs {@link buildRustPlugin} (through `build_plugins.ts --rust`).
 *
 * @module
 */
import { BuildError } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/internal/fs.ts";
import { RUST_TWIN } from "../lib/bench/native.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** The Rust plugin's sources. */
export const RUST_PLUGIN_DIR = `${ROOT}/testdata/rust-plugin`;
/** `cargo build --release` output. */
export const RUST_PLUGIN_WASM = `${ROOT}/build/rust-plugin.wasm`;
/** The same after `wasm-opt -O3`. */
export const RUST_PLUGIN_OPT_WASM = `${ROOT}/build/rust-plugin.opt.wasm`;
/** The same sources built for `wasm32-wasi`. */
export const RUST_PLUGIN_WASI_WASM = `${ROOT}/build/rust-plugin-wasi.wasm`;
/** The name the Rust plugin registers under (its `get_name`). */
export const RUST_PLUGIN_NAME = RUST_TWIN.name;

/** How to get the toolchain, for messages and ignored test names. */
export const NO_RUST = "needs Debian's Rust toolchain for wasm32: run scripts/install-rust-toolchain.sh";

const TARGET_DIR = `${ROOT}/build/rust-plugin-target`;
const cargoOutput = (target: string) => `${TARGET_DIR}/${target}/release/hello_world_wasm_rust.wasm`;
const WASM_OPT = `${ROOT}/node_modules/.bin/wasm-opt`;
/** Debian's tools, found before rustup's (whose toolchain has no wasm32 target). */
const DEBIAN_PATH = "/usr/bin:/bin";

/** What must exist for a build: each path and what installs it. */
const REQUIRED: [string, string][] = [
  ["/usr/bin/cargo", "cargo"],
  ["/usr/bin/rustc", "rustc"],
  ["/usr/lib/rustlib/wasm32-unknown-unknown/lib", "libstd-rust-dev-wasm32"],
  ["/usr/lib/rustlib/wasm32-wasi/lib", "libstd-rust-dev-wasm32"],
  ["/usr/bin/wasm-ld", "lld"],
  ["/usr/share/cargo/registry", "librust-serde-json-dev"],
];

/**
 * What is missing to build the Rust plugin here (`undefined` when nothing
 * is): the first absent tool, named by its Debian package.
 */
export function rustToolchainMissing(): string | undefined {
  for (const [path, pkg] of REQUIRED) {
    try {
      Deno.statSync(path);
    } catch {
      return `${path} is missing (Debian package ${pkg}); ${NO_RUST}`;
    }
  }
  const crates = [...Deno.readDirSync("/usr/share/cargo/registry")].map((e) => e.name);
  for (const crate of ["serde", "serde_derive", "serde_json"]) {
    if (!crates.some((c) => c.startsWith(`${crate}-`) && /^\d/.test(c.slice(crate.length + 1)))) {
      return `the ${crate} crate is missing from /usr/share/cargo/registry; ${NO_RUST}`;
    }
  }
  return undefined;
}

/** Whether the Rust plugin can be built here; tests needing it are ignored otherwise. */
export const hasRust = rustToolchainMissing() === undefined;

/** What {@link buildRustPlugin} produced. */
export interface RustBuild {
  /** `build/rust-plugin.wasm` and its size. */
  path: string;
  bytes: number;
  /** `build/rust-plugin.opt.wasm` and its size. */
  optimizedPath: string;
  optimizedBytes: number;
  /** `build/rust-plugin-wasi.wasm` and its size. */
  wasiPath: string;
  wasiBytes: number;
  durationMs: number;
}

/**
 * Builds the Rust plugin, its wasm-opt'd variant and its WASI build. Throws
 * {@link BuildError} with the compiler's output when cargo or wasm-opt
 * fail, or with {@link NO_RUST} when the toolchain is missing.
 */
export async function buildRustPlugin(): Promise<RustBuild> {
  const missing = rustToolchainMissing();
  if (missing) throw new BuildError(`Cannot build the Rust plugin: ${missing}`);
  const started = performance.now();
  // Debian's cargo (1.65) builds one --target per run.
  for (
    const [target, out] of [["wasm32-unknown-unknown", RUST_PLUGIN_WASM], [
      "wasm32-wasi",
      RUST_PLUGIN_WASI_WASM,
    ]] as const
  ) {
    await run("cargo", "/usr/bin/cargo", [
      "build",
      "--release",
      "--quiet",
      "--target",
      target,
      "--target-dir",
      TARGET_DIR,
    ], {
      cwd: RUST_PLUGIN_DIR,
      env: { PATH: `${DEBIAN_PATH}:${Deno.env.get("PATH") ?? ""}`, RUSTC: "/usr/bin/rustc", CARGO_TERM_COLOR: "never" },
    });
    await writeFileAtomic(out, await Deno.readFile(cargoOutput(target)));
  }
  // Unique per build: test workers of one process may build at once (cargo serialises itself on its target dir).
  const tmp = `${RUST_PLUGIN_OPT_WASM}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await run("wasm-opt", WASM_OPT, ["-O3", RUST_PLUGIN_WASM, "-o", tmp], { cwd: ROOT });
    await Deno.rename(tmp, RUST_PLUGIN_OPT_WASM);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return {
    path: RUST_PLUGIN_WASM,
    bytes: (await Deno.stat(RUST_PLUGIN_WASM)).size,
    optimizedPath: RUST_PLUGIN_OPT_WASM,
    optimizedBytes: (await Deno.stat(RUST_PLUGIN_OPT_WASM)).size,
    wasiPath: RUST_PLUGIN_WASI_WASM,
    wasiBytes: (await Deno.stat(RUST_PLUGIN_WASI_WASM)).size,
    durationMs: performance.now() - started,
  };
}

async function run(what: string, cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }) {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new BuildError(`Cannot build the Rust plugin: ${what} did not start: ${(e as Error).message}`, { cause: e });
  }
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim() || new TextDecoder().decode(out.stdout).trim();
    throw new BuildError(`Cannot build the Rust plugin: ${what} failed (exit ${out.code}):\n${text}`);
  }
}

/** Newest modification time of the plugin's sources (Cargo files, `.cargo/`, `src/`). */
async function newestSource(dir = RUST_PLUGIN_DIR): Promise<number> {
  let newest = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory && (e.name === "src" || e.name === ".cargo")) newest = Math.max(newest, await newestSource(p));
    else if (e.isFile && /\.(rs|toml|lock)$/.test(e.name)) {
      newest = Math.max(newest, (await Deno.stat(p)).mtime!.getTime());
    }
  }
  return newest;
}

const VARIANTS = { raw: RUST_PLUGIN_WASM, optimized: RUST_PLUGIN_OPT_WASM, wasi: RUST_PLUGIN_WASI_WASM };

/**
 * The path of the Rust plugin's `.wasm` (`optimized`: the wasm-opt'd one,
 * `wasi`: the `wasm32-wasi` build), building all three first when one is
 * missing or older than their sources.
 */
export async function rustPlugin(variant: keyof typeof VARIANTS = "raw"): Promise<string> {
  const built = await Promise.all(
    Object.values(VARIANTS).map((p) => Deno.stat(p).then((s) => s.mtime?.getTime() ?? 0, () => 0)),
  );
  if (Math.min(...built) < await newestSource()) await buildRustPlugin();
  return VARIANTS[variant];
}
