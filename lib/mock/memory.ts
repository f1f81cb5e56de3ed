/**
 * A full garbage collection on demand, for the mock upstream and the
 * gateway alike (the mock's container holds this file beside it, so it
 * imports only `node:` built-ins). Private to the toolkit.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

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
