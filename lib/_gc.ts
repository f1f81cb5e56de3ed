/**
 * A full garbage collection on demand, for the gateway after a large
 * request: V8 otherwise keeps the request's copies and dropped wasm memories
 * (hundreds of MiB after a 100 MiB body) until it next feels pressure, which
 * an idle server never does. Deno has no `gc()` without `--v8-flags`; this
 * turns V8's flag on at run time and takes the function from a fresh
 * context. Private to the library.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | null | undefined;

/** Runs a full, synchronous garbage collection when V8 allows it; otherwise does nothing. */
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
