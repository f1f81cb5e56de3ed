/**
 * A minimal tar writer (ustar, with PAX records for long paths) and reader
 * (ustar, PAX and GNU long names): enough for image layers and OCI layout
 * archives. Private to lib/oci.
 */
import { RegistryError } from "../errors.ts";

/** One tar entry to write. Paths are relative, `/`-separated. */
export interface TarInput {
  path: string;
  /** File content; omitted for a directory. */
  data?: Uint8Array;
  /** Permission bits; default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Modification time in seconds since the epoch. */
  mtime?: number;
}

/** One entry read from a tar. */
export interface TarEntry {
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  data: Uint8Array;
  linkname: string;
}

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder();

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, size: number, type: string, mode: number, mtime: number, prefix = ""): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => h.set(enc.encode(text), offset);
  put(0, name);
  put(100, octal(mode, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(mtime, 12));
  put(148, "        ");
  put(156, type);
  put(257, "ustar\u000000");
  put(265, "root");
  put(297, "root");
  put(345, prefix);
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % BLOCK;
  return rest ? [data, new Uint8Array(BLOCK - rest)] : [data];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  // The length prefix counts its own digits.
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

/** Splits a path into ustar prefix and name, or returns undefined when it does not fit. */
function splitUstar(path: string): [string, string] | undefined {
  const bytes = enc.encode(path).length;
  if (bytes <= 100) return ["", path];
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i), name = path.slice(i + 1);
    if (enc.encode(prefix).length <= 155 && enc.encode(name).length <= 100 && name) return [prefix, name];
  }
  return undefined;
}

/**
 * Writes a tar archive of `entries`, in order, owned by root with fixed
 * times, so the same input always gives the same bytes.
 */
export function createTar(entries: TarInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const isDir = e.data === undefined;
    const path = isDir && !e.path.endsWith("/") ? `${e.path}/` : e.path;
    const data = e.data ?? new Uint8Array();
    const mode = e.mode ?? (isDir ? 0o755 : 0o644);
    const mtime = e.mtime ?? 0;
    const split = splitUstar(path);
    if (!split) {
      const pax = enc.encode(paxRecord("path", path));
      parts.push(header("PaxHeader", pax.length, "x", 0o644, mtime), ...padded(pax));
    }
    const [prefix, name] = split ?? ["", path.slice(-100)];
    parts.push(header(name, data.length, isDir ? "5" : "0", mode, mtime, prefix), ...padded(data));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function cstring(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return dec.decode(end === -1 ? field : field.subarray(0, end));
}

function number(block: Uint8Array, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0]! & 0x80) {
    // GNU base-256 for sizes beyond octal's reach.
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = cstring(block, offset, length).trim();
  return text ? parseInt(text, 8) : 0;
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  // Each record is "<byte length> <key>=<value>\n".
  for (let i = 0; i < data.length;) {
    const space = data.indexOf(0x20, i);
    const len = space === -1 ? NaN : parseInt(dec.decode(data.subarray(i, space)), 10);
    if (!(len > 0)) break;
    const record = dec.decode(data.subarray(space + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq !== -1) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES: Record<string, TarEntry["type"]> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "5": "dir",
  "2": "symlink",
  "1": "hardlink",
};

/** Normalises a tar path: no leading `./` or `/`, no trailing `/`. */
export function normalizeTarPath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/**
 * Reads the entries of a tar archive; `what` names it in errors.
 * Throws a {@link RegistryError} on a malformed archive.
 */
export function* readTar(tar: Uint8Array, what: string): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) return;
    const stored = number(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
    if (sum !== stored) throw new RegistryError(`Malformed tar in ${what}: bad header checksum at byte ${offset}`);
    const size = number(block, 124, 12);
    const type = String.fromCharCode(block[156]!);
    const start = offset + BLOCK;
    if (start + size > tar.length) {
      throw new RegistryError(`Malformed tar in ${what}: entry at byte ${offset} is truncated`);
    }
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = cstring(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      pax = parsePax(data);
      continue;
    }
    if (type === "g") continue;
    const ustar = cstring(block, 257, 6) === "ustar";
    const prefix = ustar ? cstring(block, 345, 155) : "";
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${cstring(block, 0, 100)}` : cstring(block, 0, 100));
    const linkname = pax.linkpath ?? cstring(block, 157, 100);
    longName = undefined;
    pax = {};
    yield { path: normalizeTarPath(name), type: TYPES[type] ?? "other", data, linkname };
  }
}
