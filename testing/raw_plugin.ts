// A minimal, synchronous harness over the built hello-world .wasm for the
// plugin's own tests: it talks to the exports directly so these tests pin the
// plugin's behaviour independently of the conformance host.
import { unpackPtrLen } from "../lib/abi/abi.ts";

const WASM = new URL("../build/hello-world.wasm", import.meta.url);
let module: WebAssembly.Module | undefined;

type Exports = {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number, n: number): void;
  get_name(): bigint;
  init(p: number, n: number): number;
  last_error(): bigint;
  max_input_size(): number;
  cleanup(): number;
} & Record<string, (p: number, n: number) => bigint>;

export type FreePolicy = "both" | "input" | "none" | "double";

export class TestPlugin {
  lastRaw = "";
  private constructor(private e: Exports, private policy: FreePolicy) {}

  static async load(
    opts: { config?: string; init?: boolean; freePolicy?: FreePolicy; wasm?: string } = {},
  ): Promise<TestPlugin> {
    const compiled = opts.wasm === undefined
      ? module ??= await WebAssembly.compile(await Deno.readFile(WASM))
      : await WebAssembly.compile(await Deno.readFile(opts.wasm));
    const instance = await WebAssembly.instantiate(compiled, {});
    const p = new TestPlugin(instance.exports as unknown as Exports, opts.freePolicy ?? "both");
    if (opts.init !== false && p.init(opts.config ?? "{}") !== 0) throw new Error(`init failed: ${p.lastError()}`);
    return p;
  }

  private read(packed: bigint): string {
    const { ptr, len } = unpackPtrLen(packed);
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(this.e.memory.buffer, ptr, len));
  }

  private write(input: Uint8Array | string): { ptr: number; len: number } {
    const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
    const ptr = this.e.malloc(bytes.length);
    if (ptr === 0 && bytes.length > 0) throw new Error("malloc returned 0");
    new Uint8Array(this.e.memory.buffer).set(bytes, ptr);
    return { ptr, len: bytes.length };
  }

  name(): string {
    return this.read(this.e.get_name());
  }

  init(config: string): number {
    const { ptr, len } = this.write(config);
    return this.e.init(ptr, len);
  }

  lastError(): string {
    return this.read(this.e.last_error());
  }

  /** The largest input the plugin takes (the SDK's max_input_size export). */
  maxInputSize(): number {
    return this.e.max_input_size();
  }

  cleanup(): number {
    return this.e.cleanup();
  }

  pages(): number {
    return this.e.memory.buffer.byteLength / 65536;
  }

  /** One hook call with the host's free policy applied; returns the output text. */
  call(hook: string, input: Uint8Array | string): string {
    const { ptr, len } = this.write(input);
    const packed = this.e[hook]!(ptr, len);
    const out = unpackPtrLen(packed);
    const free = (p: number, n: number) => {
      this.e.free(p, n);
      if (this.policy === "double") this.e.free(p, n);
    };
    if (this.policy !== "none") free(ptr, len);
    this.lastRaw = this.read(packed);
    if (this.policy === "both" || this.policy === "double") free(out.ptr, out.len);
    return this.lastRaw;
  }

  // deno-lint-ignore no-explicit-any
  callJson(hook: string, input: Uint8Array | string): any {
    return JSON.parse(this.call(hook, input));
  }
}
