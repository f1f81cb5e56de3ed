/** Reads a plugin's `get_name()` without a host. Private to lib/oci. */
import { unpackPtrLen } from "../abi/abi.ts";
import { UsageError } from "../errors.ts";

/**
 * Instantiates `wasm` with imported functions stubbed to throw (naming a
 * plugin should need none of them; `init` is deliberately not called, so a
 * plugin needing real config still packages), runs `_initialize` when
 * exported, calls `get_name()` and decodes the UTF-8 name it points at.
 * Throws a {@link UsageError} naming `label` when that does not work.
 */
export function readPluginName(wasm: Uint8Array, label: string): string {
  const fail = (why: string) => new UsageError(`Cannot read the plugin name of "${label}": ${why}`);
  let exports: WebAssembly.Exports;
  try {
    const module = new WebAssembly.Module(wasm as BufferSource);
    const imports: Record<string, Record<string, () => never>> = {};
    for (const i of WebAssembly.Module.imports(module).filter((i) => i.kind === "function")) {
      (imports[i.module] ??= {})[i.name] = () => {
        throw new Error(`import "${i.module}.${i.name}" was called`);
      };
    }
    exports = new WebAssembly.Instance(module, imports).exports;
    if (typeof exports._initialize === "function") (exports._initialize as () => void)();
  } catch (e) {
    throw fail((e as Error).message);
  }
  const { get_name: getName, memory } = exports;
  if (typeof getName !== "function" || !(memory instanceof WebAssembly.Memory)) {
    throw fail(`export "get_name" or "memory" is missing`);
  }
  const { ptr, len } = unpackPtrLen(BigInt.asUintN(64, BigInt((getName as () => bigint)())));
  if (len === 0 || ptr + len > memory.buffer.byteLength) {
    throw fail(`get_name() returned an empty or out-of-bounds name`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(memory.buffer, ptr, len));
  } catch {
    throw fail("get_name() returned invalid UTF-8");
  }
}
