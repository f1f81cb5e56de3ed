/**
 * Test-only: runs the CLI like `main.ts`, then prints its peak resident set
 * size (Linux's VmHWM) as a last stderr line `peak-rss-bytes N`, for tests
 * that bound a command's memory.
 *
 * @module
 */
import { main } from "../cli/main.ts";

const code = await main(Deno.args);
const status = await Deno.readTextFile("/proc/self/status");
const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
console.error(`peak-rss-bytes ${kib * 1024}`);
Deno.exit(code);
