/**
 * Reading a plugin's module from a path, a URL or bytes, for the host and for
 * the tools that load one plugin many times from its bytes (fixtures, check,
 * the memory soak). Private to the library.
 *
 * @module
 */
import { PluginError } from "../errors.ts";
import { FileTooLargeError, readFileCapped } from "../internal/fs.ts";
import { MAX_PLUGIN_BYTES } from "../wasm/validate.ts";
import type { PluginSource } from "./types.ts";

/**
 * A source's bytes and a label for messages: a URL's file name, a path as
 * given, `(bytes)`. Throws `PluginError` when it cannot be read or a file is
 * larger than `MAX_PLUGIN_BYTES`.
 */
export async function readSource(source: PluginSource): Promise<{ bytes: Uint8Array; label: string }> {
  if (source instanceof Uint8Array) return { bytes: source, label: "(bytes)" };
  const url = source instanceof URL ? source : /^(file|https?):/.test(source) ? new URL(source) : undefined;
  const label = url ? decodeURIComponent(url.pathname.split("/").pop() || url.href) : source as string;
  try {
    if (url && url.protocol !== "file:") {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return { bytes: new Uint8Array(await res.arrayBuffer()), label };
    }
    return { bytes: await readFileCapped(url ?? source as string, MAX_PLUGIN_BYTES), label };
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound
      ? "file not found"
      : e instanceof FileTooLargeError
      ? `larger than ${MAX_PLUGIN_BYTES} bytes, the plugin size limit`
      : (e as Error).message;
    throw new PluginError(`Cannot load plugin "${label}": ${reason}`, { cause: e });
  }
}

/**
 * A plugin read once for the many instances a tool loads from its bytes,
 * labelled by its file name alone (`(bytes)` for bytes), as the instances'
 * messages name it until `get_name` answers. Throws `PluginError` when it
 * cannot be read.
 */
export async function readPluginOnce(source: PluginSource): Promise<{ bytes: Uint8Array; label: string }> {
  const { bytes } = await readSource(source);
  return { bytes, label: source instanceof Uint8Array ? "(bytes)" : String(source).replace(/^.*\//, "") };
}
