/**
 * The WASI preview 1 shim of the conformance host: only what a gateway
 * plugin may count on. stdout and stderr are captured line by line as plugin
 * logs; `proc_exit` unwinds the call; clocks and randomness are real (wazero
 * fakes them unless the embedder opts in, and Bifrost's choice is unknown,
 * so a plugin must not depend on either); args and environment are empty;
 * every file, socket and polling call fails with EBADF or ENOSYS.
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import { WASI_FUNCTIONS, WASI_MODULE } from "../abi/abi.ts";

const ESUCCESS = 0;
const EBADF = 8;
const EFAULT = 21;
const EINVAL = 28;
const ENOSYS = 52;
const ESPIPE = 70;

const STDOUT = 1;
const STDERR = 2;
const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHT_FD_WRITE = 1n << 6n;
/** Longest partial line kept before it is logged anyway. */
const MAX_PENDING = 64 * 1024;

/** Thrown by `proc_exit` to unwind the wasm call; the host turns it into a trap error. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
  }
}

/** The shim of one instance: its imports, bound to the instance's memory once instantiated. */
export interface WasiShim {
  imports: WebAssembly.Imports;
  bind(memory: WebAssembly.Memory): void;
  /** Logs any partial line left on stdout or stderr. */
  flush(): void;
}

type Fn = (...args: (number | bigint)[]) => number | void;

/** Builds the shim for the WASI functions a module imports (names already checked against {@link WASI_FUNCTIONS}). */
export function createWasi(onLog: (line: string) => void): WasiShim {
  let memory: WebAssembly.Memory | undefined;
  const view = () => {
    if (!memory) throw new RangeError("memory not bound");
    return new DataView(memory.buffer);
  };
  const streams = new Map([STDOUT, STDERR].map((fd) => [fd, { decoder: new TextDecoder(), pending: "" }]));
  let written = false; // since the last flush: flushing is on every call's path, and usually there is nothing
  const emit = (text: string, fd: number, final: boolean) => {
    const s = streams.get(fd)!;
    const lines = (s.pending + text).split("\n");
    s.pending = lines.pop()!;
    if (final || s.pending.length > MAX_PENDING) {
      if (s.pending) lines.push(s.pending);
      s.pending = "";
    }
    for (const line of lines) onLog(line.replace(/\r$/, ""));
  };
  // Any memory access outside the plugin's memory is the plugin's fault: EFAULT, never a host exception.
  const guarded = (f: Fn): Fn => (...args) => {
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof RangeError) return EFAULT;
      throw e;
    }
  };
  const u32 = (v: number | bigint | undefined) => Number(v) >>> 0;

  const impl: Record<string, Fn> = {
    fd_write(fd, iovs, count, nwritten) {
      const f = u32(fd);
      if (!streams.has(f)) return EBADF;
      const v = view();
      let total = 0;
      const s = streams.get(f)!;
      written = true;
      for (let i = 0; i < u32(count); i++) {
        const ptr = v.getUint32(u32(iovs) + i * 8, true);
        const len = v.getUint32(u32(iovs) + i * 8 + 4, true);
        emit(s.decoder.decode(new Uint8Array(v.buffer, ptr, len), { stream: true }), f, false);
        total += len;
      }
      v.setUint32(u32(nwritten), total, true);
      return ESUCCESS;
    },
    fd_fdstat_get(fd, out) {
      if (!streams.has(u32(fd))) return EBADF;
      const v = view();
      const p = u32(out);
      new Uint8Array(v.buffer, p, 24).fill(0);
      v.setUint8(p, FILETYPE_CHARACTER_DEVICE);
      v.setBigUint64(p + 8, RIGHT_FD_WRITE, true);
      return ESUCCESS;
    },
    fd_close: (fd) => streams.has(u32(fd)) ? ESUCCESS : EBADF,
    fd_sync: (fd) => streams.has(u32(fd)) ? ESUCCESS : EBADF,
    fd_datasync: (fd) => streams.has(u32(fd)) ? ESUCCESS : EBADF,
    fd_seek: (fd) => streams.has(u32(fd)) ? ESPIPE : EBADF,
    fd_tell: (fd) => streams.has(u32(fd)) ? ESPIPE : EBADF,
    clock_time_get(id, _precision, out) {
      if (u32(id) > 3) return EINVAL;
      // 0 is the realtime clock; the monotonic and CPU-time clocks all read the monotonic one.
      const ms = u32(id) === 0 ? performance.timeOrigin + performance.now() : performance.now();
      view().setBigUint64(u32(out), BigInt(Math.round(ms * 1e6)), true);
      return ESUCCESS;
    },
    clock_res_get(id, out) {
      if (u32(id) > 3) return EINVAL;
      view().setBigUint64(u32(out), 1000n, true);
      return ESUCCESS;
    },
    random_get(buf, len) {
      const bytes = new Uint8Array(view().buffer, u32(buf), u32(len));
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      return ESUCCESS;
    },
    args_sizes_get: (argc, size) => zeroes(view(), argc, size),
    environ_sizes_get: (count, size) => zeroes(view(), count, size),
    args_get: () => ESUCCESS,
    environ_get: () => ESUCCESS,
    sched_yield: () => ESUCCESS,
    proc_exit(code) {
      throw new ProcExit(Number(code) | 0);
    },
  };

  const wasi: Record<string, Fn> = {};
  for (const name of Object.keys(WASI_FUNCTIONS)) {
    const f = impl[name];
    // fd_* and path_* name descriptors the plugin cannot have (no preopens): EBADF; the rest is absent.
    wasi[name] = f ? guarded(f) : /^(fd|path)_/.test(name) ? () => EBADF : () => ENOSYS;
  }
  return {
    imports: { [WASI_MODULE]: wasi },
    bind(m) {
      memory = m;
    },
    flush() {
      if (!written) return;
      written = false;
      for (const [fd, s] of streams) emit(s.decoder.decode(), fd, true);
    },
  };
}

function zeroes(v: DataView, ...ptrs: (number | bigint | undefined)[]): number {
  for (const p of ptrs) v.setUint32(Number(p) >>> 0, 0, true);
  return ESUCCESS;
}
