/**
 * Bifrost's WASM plugin ABI, Deno side: the one place that names the
 * exports, their signatures, the export profiles and the i64 packing.
 * See `docs/abi.md` (summarised in the README) for what is known and what
 * is guessed.
 *
 * @module
 */

/** A wasm value type as it appears in a function signature. */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

/** A function signature. */
export interface Signature {
  params: ValType[];
  results: ValType[];
}

/** The hooks a plugin may export, by their export names. */
export type HookName =
  | "http_intercept"
  | "http_pre_hook"
  | "http_post_hook"
  | "http_stream_chunk_hook"
  | "pre_hook"
  | "post_hook";

/** Every hook export name, in the order a request meets them. */
export const HOOK_NAMES: readonly HookName[] = [
  "http_intercept",
  "http_pre_hook",
  "pre_hook",
  "post_hook",
  "http_post_hook",
  "http_stream_chunk_hook",
];

/** Export profiles seen in the wild. */
export type Profile = "legacy" | "current";

/** The export profiles and the hooks each requires. */
export const PROFILES: Record<Profile, readonly HookName[]> = {
  legacy: ["http_intercept"],
  current: ["http_pre_hook", "http_post_hook", "http_stream_chunk_hook"],
};

const sig = (params: ValType[], results: ValType[]): Signature => ({ params, results });
const HOOK_SIG = sig(["i32", "i32"], ["i64"]);

/** The expected signature of every ABI function export. */
export const EXPORT_SIGNATURES: Record<string, Signature> = {
  malloc: sig(["i32"], ["i32"]),
  get_name: sig([], ["i64"]),
  init: sig(["i32", "i32"], ["i32"]),
  cleanup: sig([], ["i32"]),
  http_intercept: HOOK_SIG,
  http_pre_hook: HOOK_SIG,
  http_post_hook: HOOK_SIG,
  http_stream_chunk_hook: HOOK_SIG,
  pre_hook: HOOK_SIG,
  post_hook: HOOK_SIG,
};

/** `free` is accepted with either arity; Rust plugins need the size. */
export const FREE_SIGNATURES: readonly Signature[] = [sig(["i32"], []), sig(["i32", "i32"], [])];

/** Exports every plugin must have whatever its profile. */
export const REQUIRED_EXPORTS = ["memory", "malloc", "free", "get_name", "pre_hook", "post_hook"] as const;

/** Exports a plugin may omit (the host skips the call). */
export const OPTIONAL_EXPORTS = ["init", "cleanup"] as const;

/** The only import module a plugin may use (WASI preview 1). */
export const WASI_MODULE = "wasi_snapshot_preview1";

const I32 = "i32" as const;
const I64 = "i64" as const;
const errno = (...params: ValType[]): Signature => sig(params, [I32]);

/** Every WASI preview 1 function a plugin may import, with its signature (each returns an errno but `proc_exit`). */
export const WASI_FUNCTIONS: Readonly<Record<string, Signature>> = {
  args_get: errno(I32, I32),
  args_sizes_get: errno(I32, I32),
  environ_get: errno(I32, I32),
  environ_sizes_get: errno(I32, I32),
  clock_res_get: errno(I32, I32),
  clock_time_get: errno(I32, I64, I32),
  fd_advise: errno(I32, I64, I64, I32),
  fd_allocate: errno(I32, I64, I64),
  fd_close: errno(I32),
  fd_datasync: errno(I32),
  fd_fdstat_get: errno(I32, I32),
  fd_fdstat_set_flags: errno(I32, I32),
  fd_fdstat_set_rights: errno(I32, I64, I64),
  fd_filestat_get: errno(I32, I32),
  fd_filestat_set_size: errno(I32, I64),
  fd_filestat_set_times: errno(I32, I64, I64, I32),
  fd_pread: errno(I32, I32, I32, I64, I32),
  fd_prestat_get: errno(I32, I32),
  fd_prestat_dir_name: errno(I32, I32, I32),
  fd_pwrite: errno(I32, I32, I32, I64, I32),
  fd_read: errno(I32, I32, I32, I32),
  fd_readdir: errno(I32, I32, I32, I64, I32),
  fd_renumber: errno(I32, I32),
  fd_seek: errno(I32, I64, I32, I32),
  fd_sync: errno(I32),
  fd_tell: errno(I32, I32),
  fd_write: errno(I32, I32, I32, I32),
  path_create_directory: errno(I32, I32, I32),
  path_filestat_get: errno(I32, I32, I32, I32, I32),
  path_filestat_set_times: errno(I32, I32, I32, I32, I64, I64, I32),
  path_link: errno(I32, I32, I32, I32, I32, I32, I32),
  path_open: errno(I32, I32, I32, I32, I32, I64, I64, I32, I32),
  path_readlink: errno(I32, I32, I32, I32, I32, I32),
  path_remove_directory: errno(I32, I32, I32),
  path_rename: errno(I32, I32, I32, I32, I32, I32),
  path_symlink: errno(I32, I32, I32, I32, I32),
  path_unlink_file: errno(I32, I32, I32),
  poll_oneoff: errno(I32, I32, I32, I32),
  proc_exit: sig([I32], []),
  proc_raise: errno(I32),
  sched_yield: errno(),
  random_get: errno(I32, I32),
  sock_accept: errno(I32, I32, I32),
  sock_recv: errno(I32, I32, I32, I32, I32, I32),
  sock_send: errno(I32, I32, I32, I32, I32),
  sock_shutdown: errno(I32, I32),
};

/** The fix for each `env` import AssemblyScript adds by default (Bifrost provides no `env` module). */
export const ENV_IMPORT_FIXES: Readonly<Record<string, string>> = {
  abort: "build with --use abort= ",
  trace: "remove trace() calls or build with --use trace= ",
  seed: "avoid Math.random, which imports env.seed",
};

/**
 * Why an import cannot be satisfied by Bifrost's host, or `undefined` when
 * it can (a WASI preview 1 function).
 *
 * @example
 * ```ts
 * import { importProblem } from "./abi.ts";
 * import assert from "node:assert/strict";
 * assert.equal(importProblem("wasi_snapshot_preview1", "fd_write"), undefined);
 * assert.equal(
 *   importProblem("env", "abort"),
 *   'import "env.abort" is not provided by Bifrost (build with --use abort= )',
 * );
 * ```
 */
export function importProblem(module: string, name: string, kind = "function"): string | undefined {
  const what = `import "${module}.${name}"`;
  if (module === WASI_MODULE) {
    if (!Object.hasOwn(WASI_FUNCTIONS, name)) return `${what} is not a WASI preview 1 function`;
    if (kind !== "function") return `${what} must be a function, found a ${kind}`;
    return undefined;
  }
  const fix = module === "env" && Object.hasOwn(ENV_IMPORT_FIXES, name)
    ? ENV_IMPORT_FIXES[name]
    : `Bifrost provides only ${WASI_MODULE}`;
  return `${what} is not provided by Bifrost (${fix})`;
}

/** Formats a signature as `(i32, i32) -> i64`. */
export function formatSignature(s: Signature): string {
  const res = s.results.length === 0 ? "()" : s.results.length === 1 ? s.results[0] : `(${s.results.join(", ")})`;
  return `(${s.params.join(", ")}) -> ${res}`;
}

/** True when two signatures are identical. */
export function sameSignature(a: Signature, b: Signature): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}

/**
 * Splits a packed i64 result into pointer (upper 32 bits) and length
 * (lower 32 bits).
 *
 * @example
 * ```ts
 * import { unpackPtrLen } from "./abi.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(unpackPtrLen((1024n << 32n) | 17n), { ptr: 1024, len: 17 });
 * ```
 */
export function unpackPtrLen(packed: bigint): { ptr: number; len: number } {
  const u = BigInt.asUintN(64, packed);
  return { ptr: Number(u >> 32n), len: Number(u & 0xffff_ffffn) };
}

/** Packs pointer and length the way a plugin returns them. */
export function packPtrLen(ptr: number, len: number): bigint {
  return BigInt.asIntN(64, (BigInt(ptr >>> 0) << 32n) | BigInt(len >>> 0));
}
