/**
 * Keeping large requests' memory down, for the mock upstream and the
 * gateway alike (the mock's container holds this file beside it, so it
 * imports only `node:` built-ins): a body read into one buffer, and a full
 * garbage collection on demand. Private to the toolkit.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A request's body in one buffer: of its declared size when it declares one,
 * else doubled as needed (chunks joined at the end would hold it twice).
 * `null` as soon as it passes `limit` bytes, the rest unread.
 */
export async function readBodyBytes(req: Request, limit: number): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array();
  const declared = Number(req.headers.get("content-length"));
  let out = new Uint8Array(Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, limit) : 1 << 16);
  let size = 0;
  for await (const chunk of req.body) {
    if (size + chunk.length > limit) return null;
    if (size + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(size + chunk.length, out.length * 2)));
      grown.set(out.subarray(0, size));
      out = grown;
    }
    out.set(chunk, size);
    size += chunk.length;
  }
  return size === out.length ? out : out.subarray(0, size);
}

let gc: (() => void) | null | undefined;

/**
 * Runs a full, synchronous garbage collection when V8 allows it, else
 * nothing. After a request of tens of MiB, V8 would keep its copies (and a
 * dropped plugin instance's memory) until it next feels pressure, which an
 * idle server never does. Deno has no `gc()` without `--v8-flags`: this
 * turns V8's flag on at run time and takes the function from a fresh
 * context.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
